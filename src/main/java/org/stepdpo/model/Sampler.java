package org.stepdpo.model;

import java.util.SplittableRandom;

/**
 * Picks the next token from one row of probabilities, {@code softmax(logits / temperature)} (the
 * generator computes them on the engine for the whole batch): a draw from the distribution
 * restricted to the {@code topK} most likely tokens (0: no limit) and then to the smallest nucleus
 * holding {@code topP} of their mass (1: no limit). Ranks break ties by the lower token id.
 *
 * <p>The filters find their cut-off by selection, not by sorting the vocabulary: a few linear passes
 * per row, so a flat distribution over 150k tokens costs about as much as a peaked one. The draw
 * then walks the kept tokens in id order; which token a given random number lands on differs from
 * walking them by rank, but each token's probability is the same, and a seed gives the same
 * tokens every time.
 */
final class Sampler {
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

    /**
     * A draw from {@code probs[offset, offset + vocab)}, the softmax of one row's logits divided by
     * the temperature (which must be above 0: greedy decoding takes the arg-max of the logits).
     *
     * @throws IllegalStateException when the row holds no positive finite mass (logits of NaN or
     *     infinity)
     */
    int next(float[] probs, int offset, int vocab) {
        if (temperature == 0) {
            throw new IllegalStateException("temperature 0 is greedy decoding: take the arg-max of the logits");
        }
        Cut cut = cut(probs, offset, vocab);
        double mass = keptMass(probs, offset, vocab, cut);
        if (!(mass > 0) || Double.isInfinite(mass)) {
            throw new IllegalStateException("a row's probabilities sum to " + mass
                    + ": its logits hold NaN or infinity; check the model's weights and dtype");
        }
        return draw(probs, offset, vocab, cut, random.nextDouble() * mass);
    }

    /** Which tokens of the row the top-k and top-p filters keep, one flag per token (for tests). */
    boolean[] kept(float[] probs, int offset, int vocab) {
        Cut cut = cut(probs, offset, vocab);
        boolean[] kept = new boolean[vocab];
        int ties = 0;
        for (int i = 0; i < vocab; i++) {
            float p = probs[offset + i];
            kept[i] = cut.keeps(p, ties);
            if (p == cut.threshold) {
                ties++;
            }
        }
        return kept;
    }

    /** The top-k cut, then the top-p cut within it. */
    private Cut cut(float[] probs, int offset, int vocab) {
        Cut cut = new Cut(Float.NEGATIVE_INFINITY, Integer.MAX_VALUE); // keeps every token
        if (topK > 0 && topK < vocab) {
            cut = select(probs, offset, vocab, cut, topK, false);
        }
        if (topP < 1) {
            cut = select(probs, offset, vocab, cut, topP * keptMass(probs, offset, vocab, cut), true);
        }
        return cut;
    }

    /**
     * Which tokens a filter keeps: those above {@code threshold}, and of those equal to it, the
     * {@code ties} lowest ids.
     */
    private record Cut(float threshold, int ties) {
        boolean keeps(float p, int tiesSeen) {
            return p > threshold || (p == threshold && tiesSeen < ties);
        }
    }

    /** The probability mass of the tokens {@code cut} keeps. */
    private static double keptMass(float[] probs, int offset, int vocab, Cut cut) {
        double mass = 0;
        int ties = 0;
        for (int i = 0; i < vocab; i++) {
            float p = probs[offset + i];
            if (cut.keeps(p, ties)) {
                mass += p;
            }
            if (p == cut.threshold) {
                ties++;
            }
        }
        return mass;
    }

    /**
     * The tightest cut, within the tokens {@code within} keeps, whose kept tokens ranked first
     * (most likely first, ties by lower id) reach {@code target}: a count of tokens, or (when
     * {@code byMass}) a probability mass. Quickselect over the candidate values: each round splits
     * them at a pivot and keeps the side that holds the boundary.
     */
    private static Cut select(float[] probs, int offset, int vocab, Cut within, double target, boolean byMass) {
        float[] values = new float[vocab];
        int n = 0;
        int ties = 0;
        for (int i = 0; i < vocab; i++) {
            float p = probs[offset + i];
            if (within.keeps(p, ties)) {
                values[n++] = p;
            }
            if (p == within.threshold) {
                ties++;
            }
        }
        double above = 0; // the measure of the candidates already known to rank above the boundary
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            float pivot = median(values[lo], values[lo + (hi - lo) / 2], values[hi - 1]);
            // three-way partition of values[lo, hi): greater | equal | less
            int gt = lo;
            int lt = hi;
            int i = lo;
            double greater = 0;
            double equal = 0;
            while (i < lt) {
                float v = values[i];
                if (v > pivot) {
                    values[i++] = values[gt];
                    values[gt++] = v;
                    greater += byMass ? v : 1;
                } else if (v < pivot) {
                    values[i] = values[--lt];
                    values[lt] = v;
                } else {
                    i++;
                    equal += byMass ? v : 1;
                }
            }
            if (above + greater >= target && gt > lo) {
                hi = gt; // the boundary lies among the greater values
            } else if (above + greater + equal >= target || lt == hi) {
                return new Cut(pivot, tiesToReach(target - above - greater, pivot, byMass,
                        ties(probs, offset, vocab, within, pivot)));
            } else {
                above += greater + equal;
                lo = lt; // past the equal values, among the smaller ones
            }
        }
        return within; // nothing to cut (an empty candidate set)
    }

    /** How many of {@code available} tokens of probability {@code p} it takes to cover {@code rest}. */
    private static int tiesToReach(double rest, float p, boolean byMass, int available) {
        double each = byMass ? p : 1;
        if (rest <= 0 || !(each > 0)) {
            return rest <= 0 ? 0 : available;
        }
        long needed = (long) Math.ceil(rest / each);
        if (needed > 1 && (needed - 1) * each >= rest) { // the division rounded up past a whole count
            needed--;
        }
        return (int) Math.min(available, Math.max(1, needed));
    }

    /** Kept tokens (by {@code within}) whose probability is exactly {@code p}. */
    private static int ties(float[] probs, int offset, int vocab, Cut within, float p) {
        int count = 0;
        int seen = 0;
        for (int i = 0; i < vocab; i++) {
            float q = probs[offset + i];
            if (q == p && within.keeps(q, seen)) {
                count++;
            }
            if (q == within.threshold) {
                seen++;
            }
        }
        return count;
    }

    private static float median(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
    }

    /** Walks the kept tokens in id order until {@code u} is used up (the last one if rounding leaves a rest). */
    private static int draw(float[] probs, int offset, int vocab, Cut cut, double u) {
        int last = -1;
        int ties = 0;
        for (int i = 0; i < vocab; i++) {
            float p = probs[offset + i];
            if (cut.keeps(p, ties) && p > 0) {
                last = i;
                u -= p;
                if (u <= 0) {
                    return i;
                }
            }
            if (p == cut.threshold) {
                ties++;
            }
        }
        return last;
    }

    /** The first index of the largest value of {@code values[offset, offset + vocab)}. */
    static int argMax(float[] values, int offset, int vocab) {
        int best = 0;
        for (int i = 1; i < vocab; i++) {
            if (values[offset + i] > values[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
