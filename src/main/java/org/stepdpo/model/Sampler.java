package org.stepdpo.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from one row of logits: greedy at temperature 0, otherwise a draw from the
 * temperature-scaled distribution restricted to the smallest top-p nucleus.
 */
final class Sampler {
    private final double temperature;
    private final double topP;
    private final SplittableRandom random;

    Sampler(double temperature, double topP, long seed) {
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        this.temperature = temperature;
        this.topP = topP;
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
        Integer[] order = null;
        int keep = vocab;
        if (topP < 1) {
            order = new Integer[vocab];
            for (int i = 0; i < vocab; i++) {
                order[i] = i;
            }
            final double[] probs = p;
            Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
            double cumulative = 0;
            keep = 0;
            while (keep < vocab && cumulative < topP * total) {
                cumulative += p[order[keep++]];
            }
            total = cumulative;
        }
        double u = random.nextDouble() * total;
        for (int r = 0; r < keep; r++) {
            int id = order == null ? r : order[r];
            u -= p[id];
            if (u <= 0) {
                return id;
            }
        }
        return order == null ? vocab - 1 : order[keep - 1];
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
