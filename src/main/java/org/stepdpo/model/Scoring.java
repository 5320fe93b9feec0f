package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;

/** How a model scores one token sequence: per-token log-probs and the last position's distribution. */
public final class Scoring {
    private Scoring() {}

    /**
     * @param ids            the sequence
     * @param tokenLogprobs  log p(ids[i] | ids[0..i)) for i >= 1
     * @param lastLogsumexp  logsumexp of the logits after the last token
     * @param lastTopIds     the {@code k} highest-scoring next tokens, best first
     * @param lastTopLogits  their logits
     */
    public record Score(int[] ids, float[] tokenLogprobs, double lastLogsumexp, int[] lastTopIds,
            float[] lastTopLogits) {}

    /** Scores {@code ids} (at least one token) in one forward pass. */
    public static Score score(DecoderLM model, int[] ids, int topK) {
        if (ids.length == 0) {
            throw new IllegalArgumentException("cannot score an empty sequence");
        }
        try (NDManager m = model.manager().newSubManager()) {
            Batch batch = Batch.leftPadded(m, new int[][] {ids}, 0);
            NDArray logits = model.forward(batch.ids(), batch.positions(), batch.mask(), null, Mode.INFER); // [1, T, V]
            int t = ids.length;
            float[] tokenLogprobs = new float[0];
            if (t > 1) {
                tokenLogprobs = LogProbs.perToken(logits.get(new NDIndex(":, :{}, :", t - 1)),
                        batch.ids().get(new NDIndex(":, 1:")), batch.mask().get(new NDIndex(":, 1:"))).toFloatArray();
            }
            float[] last = logits.get(new NDIndex("0, -1, :")).toFloatArray();
            int k = Math.min(topK, last.length);
            int[] top = topIndices(last, k);
            float[] topLogits = new float[k];
            for (int i = 0; i < k; i++) {
                topLogits[i] = last[top[i]];
            }
            return new Score(ids.clone(), tokenLogprobs, logSumExp(last), top, topLogits);
        }
    }

    static double logSumExp(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (float v : x) {
            sum += Math.exp(v - max);
        }
        return max + Math.log(sum);
    }

    /** Indices of the {@code k} largest values, largest first (ties: lower index first). */
    static int[] topIndices(float[] x, int k) {
        int[] top = new int[k];
        int filled = 0;
        for (int i = 0; i < x.length; i++) {
            if (filled < k || x[i] > x[top[filled - 1]]) {
                int at = Math.min(filled, k - 1);
                while (at > 0 && x[i] > x[top[at - 1]]) {
                    top[at] = top[at - 1];
                    at--;
                }
                top[at] = i;
                filled = Math.min(filled + 1, k);
            }
        }
        return top;
    }
}
