package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {
    /** The softmax of {@code logits / temperature} in float, as the engine hands it to the sampler. */
    private static float[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l / temperature);
        }
        double total = 0;
        double[] e = new double[logits.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = Math.exp(logits[i] / temperature - max);
            total += e[i];
        }
        float[] p = new float[e.length];
        for (int i = 0; i < e.length; i++) {
            p[i] = (float) (e[i] / total);
        }
        return p;
    }

    private static float[] probs(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) p[i];
        }
        return out;
    }

    private static double[] frequencies(Sampler s, float[] probs, int draws) {
        double[] f = new double[probs.length];
        for (int i = 0; i < draws; i++) {
            f[s.next(probs, 0, probs.length)] += 1.0 / draws;
        }
        return f;
    }

    /**
     * The filters written out plainly: rank every token (most likely first, ties by lower id), keep
     * the first k, then the shortest prefix of those whose mass reaches top-p of theirs. Returns the
     * kept flags, or null when the top-p boundary sits within rounding of the target (there the
     * order of summation decides, so the two implementations may differ by one token).
     */
    private static boolean[] reference(float[] p, int topK, double topP) {
        Integer[] ids = new Integer[p.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        Arrays.sort(ids, Comparator.<Integer>comparingDouble(i -> -p[i]).thenComparingInt(i -> i));
        int keep = topK == 0 ? p.length : Math.min(topK, p.length);
        double kept = 0;
        for (int r = 0; r < keep; r++) {
            kept += p[ids[r]];
        }
        if (topP < 1) {
            double target = topP * kept;
            double cumulative = 0;
            int nucleus = 0;
            while (nucleus < keep && cumulative < target) {
                cumulative += p[ids[nucleus++]];
            }
            if (Math.abs(cumulative - target) < 1e-12 || Math.abs(cumulative - p[ids[nucleus - 1]] - target) < 1e-12) {
                return null;
            }
            keep = nucleus;
        }
        boolean[] out = new boolean[p.length];
        for (int r = 0; r < keep; r++) {
            out[ids[r]] = true;
        }
        return out;
    }

    @Test
    void filtersKeepWhatRankingEveryTokenKeeps() {
        Random r = new Random(11);
        int compared = 0;
        int rows = 0;
        for (int trial = 0; trial < 400; trial++) {
            int vocab = 1 + r.nextInt(trial % 10 == 0 ? 3000 : 60);
            float[] logits = new float[vocab];
            int shape = trial % 4;
            for (int i = 0; i < vocab; i++) {
                logits[i] = switch (shape) {
                    case 0 -> (float) r.nextGaussian() * 3;  // peaked
                    case 1 -> (float) r.nextGaussian() * 0.1f; // nearly flat
                    case 2 -> r.nextInt(4);                     // many exact ties
                    default -> 0;                               // all equal
                };
            }
            float[] p = softmax(logits, 0.5 + r.nextDouble());
            int topK = r.nextInt(3) == 0 ? 0 : 1 + r.nextInt(vocab + 2);
            double topP = r.nextInt(3) == 0 ? 1 : 0.05 + 0.9 * r.nextDouble();
            rows++;
            boolean[] expected = reference(p, topK, topP);
            if (expected == null) {
                continue;
            }
            compared++;
            boolean[] got = new Sampler(1, topP, topK, trial).kept(p, 0, vocab);
            assertArrayEquals(expected, got, "trial " + trial + ": vocab " + vocab + ", top-k " + topK + ", top-p " + topP);
        }
        assertTrue(compared > rows * 0.95, compared + " of " + rows + " rows away from a rounding boundary");
    }

    @Test
    void filtersReachBelowTheCandidateFloorWhenTheyNeedTo() {
        // two likely tokens and a thousand at 1e-9, far below the 1e-7 share the search starts with
        float[] p = new float[1002];
        Arrays.fill(p, 1e-9f);
        p[400] = 0.5f;
        p[700] = 0.5f;
        double total = 0;
        for (float v : p) {
            total += v;
        }
        double topP = (1 + 500.5e-9) / total; // the nucleus takes both and 501 of the small ones
        boolean[] nucleus = new Sampler(1, topP, 0, 0).kept(p, 0, p.length);
        assertArrayEquals(reference(p, 0, topP), nucleus);
        assertEquals(503, count(nucleus));
        assertTrue(nucleus[0] && nucleus[501] && !nucleus[502], "ties rank by lower id");
        boolean[] top10 = new Sampler(1, 1, 10, 0).kept(p, 0, p.length);
        assertArrayEquals(reference(p, 10, 1), top10);
        assertTrue(top10[400] && top10[700] && top10[7] && !top10[8]);
        boolean[] top2 = new Sampler(1, 0.5, 2, 0).kept(p, 0, p.length);
        assertEquals(1, count(top2));
        assertTrue(top2[400], "the tie of 0.5 and 0.5 keeps the lower id");
    }

    private static int count(boolean[] flags) {
        int n = 0;
        for (boolean f : flags) {
            n += f ? 1 : 0;
        }
        return n;
    }

    @Test
    void theRowIsReadAtItsOffset() {
        float[] two = probs(0.1, 0.2, 0.7, 0.6, 0.3, 0.1);
        Sampler s = new Sampler(1, 0.5, 0, 0);
        assertArrayEquals(new boolean[] {false, false, true}, s.kept(two, 0, 3));
        assertArrayEquals(new boolean[] {true, false, false}, s.kept(two, 3, 3));
        for (int i = 0; i < 50; i++) {
            assertEquals(0, s.next(two, 3, 3));
        }
    }

    @Test
    void topKOneIsTheArgMax() {
        Random r = new Random(1);
        for (int trial = 0; trial < 50; trial++) {
            float[] x = new float[100];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            assertEquals(Sampler.argMax(x, 0, x.length), new Sampler(1.5, 1, 1, trial).next(softmax(x, 1.5), 0, x.length));
        }
    }

    @Test
    void withoutFiltersDrawsFollowTheDistribution() {
        double[] p = {0.5, 0.25, 0.15, 0.1};
        double[] f = frequencies(new Sampler(1, 1, 0, 42), probs(p), 40_000);
        for (int i = 0; i < p.length; i++) {
            assertEquals(p[i], f[i], 0.01, "token " + i);
        }
    }

    @Test
    void topKAndTopPKeepOnlyTheirCandidatesRenormalized() {
        float[] p = probs(0.1, 0.4, 0.2, 0.3);
        double[] k2 = frequencies(new Sampler(1, 1, 2, 7), p, 40_000);
        assertEquals(0.4 / 0.7, k2[1], 0.01);
        assertEquals(0.3 / 0.7, k2[3], 0.01);
        assertEquals(0.0, k2[0] + k2[2]);
        double[] p05 = frequencies(new Sampler(1, 0.5, 0, 7), p, 40_000); // nucleus: 0.4 + 0.3
        assertEquals(0.4 / 0.7, p05[1], 0.01);
        assertEquals(0.0, p05[0] + p05[2]);
        double[] ties = frequencies(new Sampler(1, 1, 2, 7), probs(0.25, 0.25, 0.25, 0.25), 4_000);
        assertEquals(1.0, ties[0] + ties[1], 1e-9, "tied tokens rank by lower id");
    }

    @Test
    void topKZeroMeansNoLimitAndSeedsReproduce() {
        float[] x = softmax(probsAsLogits(0.3, 0.3, 0.2, 0.1, 0.05, 0.05), 0.9);
        int[] a = new int[200];
        int[] b = new int[200];
        int[] c = new int[200];
        Sampler sa = new Sampler(0.9, 0.95, 0, 3);
        Sampler sb = new Sampler(0.9, 0.95, x.length, 3);
        Sampler sc = new Sampler(0.9, 0.95, 0, 3);
        for (int i = 0; i < a.length; i++) {
            a[i] = sa.next(x, 0, x.length);
            b[i] = sb.next(x, 0, x.length);
            c[i] = sc.next(x, 0, x.length);
        }
        assertArrayEquals(a, b);
        assertArrayEquals(a, c);
        assertTrue(Arrays.stream(a).distinct().count() > 2);
    }

    private static float[] probsAsLogits(double... p) {
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = (float) Math.log(p[i]);
        }
        return out;
    }

    @Test
    void rejectsBadSettingsAndRowsWithoutMass() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1.5, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1, -2, 0));
        float[] nan = probs(Double.NaN, Double.NaN);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Sampler(1, 0.9, 0, 0).next(nan, 0, 2));
        assertTrue(e.getMessage().contains("NaN or infinity"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new Sampler(0, 1, 0, 0).next(probs(0.5, 0.5), 0, 2));
    }
}
