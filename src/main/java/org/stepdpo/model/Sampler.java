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
    /** Tokens below this share of the most likely one's probability are searched only if the filters need them. */
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
        Row row = new Row(probs, offset, vocab);
        Kept kept = keep(row);
        double mass = kept.mass(row);
        if (!(mass > 0) || Double.isInfinite(mass)) {
            throw new IllegalStateException("a row's probabilities sum to " + mass
                    + ": its logits hold NaN or infinity; check the model's weights and dtype");
        }
        return kept.draw(row, random.nextDouble() * mass);
    }

    /** Which tokens of the row the top-k and top-p filters keep, one flag per token (for tests). */
    boolean[] kept(float[] probs, int offset, int vocab) {
        Row row = new Row(probs, offset, vocab);
        return keep(row).flags(row);
    }

    /** One row of probabilities. */
    private record Row(float[] probs, int offset, int vocab) {
        float p(int id) {
            return probs[offset + id];
        }
    }

    /**
     * Which tokens a filter keeps: of the listed ids ({@code ids[0, count)}, ascending; null for the
     * whole vocabulary), those above {@code threshold}, and of those equal to it, the {@code ties}
     * lowest ids.
     */
    private record Kept(int[] ids, int count, float threshold, int ties) {
        static Kept all(int vocab) {
            return new Kept(null, vocab, Float.NEGATIVE_INFINITY, Integer.MAX_VALUE);
        }

        Kept cut(float threshold, int ties) {
            return new Kept(ids, count, threshold, ties);
        }

        /** Flags the kept ids of the row. */
        boolean[] flags(Row row) {
            boolean[] flags = new boolean[row.vocab()];
            int tiesSeen = 0;
            for (int i = 0; i < count; i++) {
                int id = ids == null ? i : ids[i];
                float p = row.p(id);
                if (p > threshold || (p == threshold && tiesSeen++ < ties)) {
                    flags[id] = true;
                }
            }
            return flags;
        }

        /** The probabilities of the kept ids, in id order. */
        float[] values(Row row) {
            float[] values = new float[count];
            int n = 0;
            int tiesSeen = 0;
            for (int i = 0; i < count; i++) {
                float p = row.p(ids == null ? i : ids[i]);
                if (p > threshold || (p == threshold && tiesSeen++ < ties)) {
                    values[n++] = p;
                }
            }
            return n == count ? values : java.util.Arrays.copyOf(values, n);
        }

        double mass(Row row) {
            double mass = 0;
            int tiesSeen = 0;
            for (int i = 0; i < count; i++) {
                float p = row.p(ids == null ? i : ids[i]);
                if (p > threshold || (p == threshold && tiesSeen++ < ties)) {
                    mass += p;
                }
            }
            return mass;
        }

        /** Walks the kept tokens in id order until {@code u} is used up (the last one if rounding leaves a rest). */
        int draw(Row row, double u) {
            int tiesSeen = 0;
            int last = -1;
            for (int i = 0; i < count; i++) {
                int id = ids == null ? i : ids[i];
                float p = row.p(id);
                if ((p > threshold || (p == threshold && tiesSeen++ < ties)) && p > 0) {
                    last = id;
                    u -= p;
                    if (u <= 0) {
                        return id;
                    }
                }
            }
            return last;
        }
    }

    /**
     * The top-k cut, then the top-p cut within it. Tokens far below the most likely one
     * ({@value #CANDIDATE_FLOOR} of its probability) rank after all the others, so the cuts are
     * looked for among the rest first; only when the filters reach below them (a very flat row)
     * does the search take the whole vocabulary.
     */
    private Kept keep(Row row) {
        if (!topKCuts(row) && topP == 1) {
            return Kept.all(row.vocab());
        }
        Kept candidates = candidates(row);
        Kept kept = candidates == null ? null : cut(row, candidates);
        return kept != null ? kept : cut(row, Kept.all(row.vocab()));
    }

    /** The cuts within {@code within}; null when they would reach past it. */
    private Kept cut(Row row, Kept within) {
        boolean whole = within.ids() == null;
        Kept kept = within;
        if (topKCuts(row)) {
            if (!whole && within.count() < topK) {
                return null;
            }
            kept = select(row, kept, topK, false);
        }
        if (topP < 1) {
            // the nucleus is a share of the top-k's mass, or of the whole row's without top-k
            double keptMass = topKCuts(row) || whole ? kept.mass(row) : Kept.all(row.vocab()).mass(row);
            if (!topKCuts(row) && !whole && within.mass(row) < topP * keptMass) {
                return null;
            }
            kept = select(row, kept, topP * keptMass, true);
        }
        return kept;
    }

    private boolean topKCuts(Row row) {
        return topK > 0 && topK < row.vocab();
    }

    /**
     * The ids at or above {@value #CANDIDATE_FLOOR} of the row's largest probability; null when
     * they are more than a quarter of the row (then listing them saves nothing).
     */
    private static Kept candidates(Row row) {
        float max = 0;
        for (int i = 0; i < row.vocab(); i++) {
            float p = row.p(i);
            if (p > max) {
                max = p;
            }
        }
        float floor = (float) (max * CANDIDATE_FLOOR);
        int count = 0;
        for (int i = 0; i < row.vocab(); i++) {
            count += row.p(i) >= floor ? 1 : 0;
        }
        if (count > row.vocab() / 4) {
            return null;
        }
        int[] ids = new int[count];
        for (int i = 0, at = 0; i < row.vocab() && at < count; i++) {
            if (row.p(i) >= floor) {
                ids[at++] = i;
            }
        }
        return new Kept(ids, count, Float.NEGATIVE_INFINITY, Integer.MAX_VALUE);
    }

    /** Bits of a probability's float encoding that each round of {@link #select} sorts by: 11, 11 and 10. */
    private static final int[] RADIX_SHIFTS = {21, 10, 0};
    private static final int[] RADIX_WIDTHS = {11, 11, 10};

    /**
     * The tightest cut of the tokens {@code within} keeps whose first-ranked tokens (most likely
     * first, ties by lower id) reach {@code target}: a count of tokens, or (when {@code byMass}) a
     * probability mass. A radix select: a non-negative float's bits order like its value, so three
     * histograms over 11, 11 and 10 of its bits, each within the bucket the previous one chose,
     * find the boundary value in three passes without sorting or branching on the data.
     */
    private static Kept select(Row row, Kept within, double target, boolean byMass) {
        float[] values = within.values(row);
        double above = 0; // the measure of the values ranked above the boundary bucket
        int prefix = 0;   // the high bits of the boundary value found so far
        int known = 0;    // how many of them
        int ties = 0;
        for (int level = 0; level < RADIX_SHIFTS.length; level++) {
            int shift = RADIX_SHIFTS[level];
            int buckets = 1 << RADIX_WIDTHS[level];
            int[] count = new int[buckets];
            double[] mass = byMass ? new double[buckets] : null;
            for (float v : values) {
                int bits = Float.floatToRawIntBits(v);
                if (known > 0 && bits >>> (32 - known) != prefix) {
                    continue;
                }
                int b = (bits >>> shift) & (buckets - 1);
                count[b]++;
                if (byMass) {
                    mass[b] += v;
                }
            }
            int chosen = -1;
            for (int b = buckets - 1; b >= 0; b--) {
                double m = byMass ? mass[b] : count[b];
                if (count[b] > 0 && above + m >= target) {
                    chosen = b;
                    break;
                }
                above += m;
            }
            if (chosen < 0) {
                return within; // the target is all of it (or more, by rounding): nothing to cut
            }
            prefix = known == 0 ? chosen : (prefix << RADIX_WIDTHS[level]) | chosen;
            known += RADIX_WIDTHS[level];
            ties = count[chosen];
        }
        float threshold = Float.intBitsToFloat(prefix);
        return within.cut(threshold, tiesToReach(target - above, threshold, byMass, ties));
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
