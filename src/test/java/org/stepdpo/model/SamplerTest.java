package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SamplerTest {
    /** Logits whose softmax is exactly {@code probs}. */
    private static float[] logits(double... probs) {
        float[] out = new float[probs.length];
        for (int i = 0; i < probs.length; i++) {
            out[i] = (float) Math.log(probs[i]);
        }
        return out;
    }

    private static double[] frequencies(Sampler s, float[] logits, int draws) {
        double[] f = new double[logits.length];
        for (int i = 0; i < draws; i++) {
            f[s.next(logits, 0, logits.length)] += 1.0 / draws;
        }
        return f;
    }

    @Test
    void temperatureZeroIsGreedyAndTopKOneToo() {
        Random r = new Random(1);
        for (int trial = 0; trial < 50; trial++) {
            float[] x = new float[100];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            int best = Sampler.argMax(x, 0, x.length);
            assertEquals(best, new Sampler(0, 1, 0, trial).next(x, 0, x.length));
            assertEquals(best, new Sampler(1.5, 1, 1, trial).next(x, 0, x.length));
        }
    }

    @Test
    void withoutFiltersDrawsFollowTheSoftmax() {
        double[] p = {0.5, 0.25, 0.15, 0.1};
        double[] f = frequencies(new Sampler(1, 1, 0, 42), logits(p), 40_000);
        for (int i = 0; i < p.length; i++) {
            assertEquals(p[i], f[i], 0.01, "token " + i);
        }
    }

    @Test
    void topKAndTopPKeepOnlyTheirCandidatesRenormalized() {
        double[] p = {0.4, 0.3, 0.2, 0.1};
        double[] k2 = frequencies(new Sampler(1, 1, 2, 7), logits(p), 40_000);
        assertEquals(0.4 / 0.7, k2[0], 0.01);
        assertEquals(0.3 / 0.7, k2[1], 0.01);
        assertEquals(0.0, k2[2] + k2[3]);
        double[] p05 = frequencies(new Sampler(1, 0.5, 0, 7), logits(p), 40_000); // nucleus: 0.4 + 0.3
        assertEquals(0.4 / 0.7, p05[0], 0.01);
        assertEquals(0.0, p05[2] + p05[3]);
    }

    @Test
    void topKZeroMeansNoLimitAndSeedsReproduce() {
        float[] x = logits(0.3, 0.3, 0.2, 0.1, 0.05, 0.05);
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
        assertTrue(java.util.Arrays.stream(a).distinct().count() > 2);
    }

    @Test
    void rejectsBadSettings() {
        assertThrows(IllegalArgumentException.class, () -> new Sampler(-1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1.5, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler(1, 1, -2, 0));
    }
}
