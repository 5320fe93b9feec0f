package org.stepdpo.model;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: greedy at temperature 0; otherwise a draw from the
 * temperature-scaled distribution restricted to the {@code topK} most likely tokens (0: no limit)
 * and then to the smallest nucleus holding {@code topP} of the mass (1: no limit). Ties rank the
 * lower token id first, so draws are reproducible.
 */
final class Sampler {
    /** Tokens below this fraction of the most likely one are ranked only if the nucleus needs them. */
    private static final double CANDIDATE_FLOOR = 1e-7;

    private final double temperature;
    private final double topP;
    private final int topK;
    private final SplittableRandom random;

    Sampler(double temperature, double topP, int topK, long seed) {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be >= 0 (0: no limit), got " + topK);
        }
        this.temperature = temperature;
        this.topP = topP;
        this.topK = topK;
        this.random = new SplittableRandom(seed);
    }

    int next(float[] logits, int offset, int vocab) {
        if (temperature == 0) {
            return argMax(logits, offset, vocab);
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) {
            max = Math.max(max, logits[offset + i]);
        }
        double[] p = new double[vocab];
        double total = 0;
        for (int i = 0; i < vocab; i++) {
            p[i] = Math.exp((logits[offset + i] - max) / temperature);
            total += p[i];
        }
        if (topK == 0 && topP == 1) {
            return draw(p, null, vocab, total);
        }
        int[] ranked = rank(p, CANDIDATE_FLOOR);
        double rankedMass = 0;
        for (int id : ranked) {
            rankedMass += p[id];
        }
        // The nucleus is a prefix of the full ranking; rank everything only if the head is too light.
        if (ranked.length < Math.min(topK == 0 ? vocab : topK, vocab) && rankedMass < topP * total) {
            ranked = rank(p, 0);
        }
        int keep = topK == 0 ? ranked.length : Math.min(topK, ranked.length);
        double kept = 0;
        for (int r = 0; r < keep; r++) {
            kept += p[ranked[r]];
        }
        if (topP < 1) {
            double target = topP * kept;
            double cumulative = 0;
            int nucleus = 0;
            while (nucleus < keep && cumulative < target) {
                cumulative += p[ranked[nucleus++]];
            }
            keep = nucleus;
            kept = cumulative;
        }
        return draw(p, ranked, keep, kept);
    }

    /** Token ids with {@code p >= floor * max(p)}, most likely first, ties by id. */
    private static int[] rank(double[] p, double floor) {
        double max = 0;
        for (double v : p) {
            max = Math.max(max, v);
        }
        double threshold = floor * max;
        int count = 0;
        for (double v : p) {
            if (v >= threshold) {
                count++;
            }
        }
        Integer[] ids = new Integer[count];
        for (int i = 0, at = 0; i < p.length; i++) {
            if (p[i] >= threshold) {
                ids[at++] = i;
            }
        }
        Arrays.sort(ids, Comparator.<Integer>comparingDouble(i -> -p[i]).thenComparingInt(i -> i));
        return Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
    }

    /** Draws among the first {@code count} of {@code order} (or of all ids when null), whose mass is {@code mass}. */
    private int draw(double[] p, int[] order, int count, double mass) {
        double u = random.nextDouble() * mass;
        for (int r = 0; r < count; r++) {
            int id = order == null ? r : order[r];
            u -= p[id];
            if (u <= 0) {
                return id;
            }
        }
        return order == null ? count - 1 : order[count - 1];
    }

    static int argMax(float[] logits, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (logits[offset + i] > logits[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
