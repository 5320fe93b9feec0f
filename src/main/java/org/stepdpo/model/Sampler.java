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
        Kept kept = cut(row, candidates);
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

    /** The ids at or above {@value #CANDIDATE_FLOOR} of the row's largest probability. */
    private static Kept candidates(Row row) {
        float max = 0;
        for (int i = 0; i < row.vocab(); i++) {
            max = Math.max(max, row.p(i));
        }
        float floor = (float) (max * CANDIDATE_FLOOR);
        int count = 0;
        for (int i = 0; i < row.vocab(); i++) {
            if (row.p(i) >= floor) {
                count++;
            }
        }
        int[] ids = new int[count];
        for (int i = 0, at = 0; i < row.vocab() && at < count; i++) {
            if (row.p(i) >= floor) {
                ids[at++] = i;
            }
        }
        return new Kept(ids, count, Float.NEGATIVE_INFINITY, Integer.MAX_VALUE);
    }

    /**
     * The tightest cut of the tokens {@code within} keeps whose first-ranked tokens (most likely
     * first, ties by lower id) reach {@code target}: a count of tokens, or (when {@code byMass}) a
     * probability mass. Quickselect over their values: each round splits them at a pivot and keeps
     * the side that holds the boundary.
     */
    private static Kept select(Row row, Kept within, double target, boolean byMass) {
        float[] values = within.values(row);
        double above = 0; // the measure of the values already known to rank above the boundary
        int lo = 0;
        int hi = values.length;
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
                int available = lt - gt; // kept tokens of exactly the pivot's probability
                return within.cut(pivot, tiesToReach(target - above - greater, pivot, byMass, available));
            } else {
                above += greater + equal;
                lo = lt; // past the equal values, among the smaller ones
            }
        }
        return within; // nothing to cut (no candidates)
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

    private static float median(float a, float b, float c) {
        return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
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
