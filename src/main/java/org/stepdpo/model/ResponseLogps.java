package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * Log-probabilities of responses given prompts, as preference and SFT losses need them: each
 * sequence is {@code prompt ++ response}, and only the response tokens are scored. The LM head
 * runs on the scored positions only (a step is a few dozen tokens of a sequence of hundreds, and
 * the vocabulary can be 150K wide). Training or inference as the caller's {@link Mode} says; the arrays it creates belong to {@code manager}.
 */
public final class ResponseLogps {
    private ResponseLogps() {}

    /**
     * Summed log-probs and token counts of the responses.
     *
     * @param summed [N] FP32: {@code sum_j log p(response[j] | prompt, response[:j])}
     * @param tokens [N] the number of scored tokens of each row
     */
    public record Result(NDArray summed, int[] tokens) {}

    /**
     * Scores {@code responses[i]} after {@code prompts[i]} for every row in one left-padded forward
     * pass. A response token at sequence position 0 (empty prompt) has nothing to condition on and is
     * not scored, as in HF's label shifting. {@code mode} is {@link Mode#TRAIN} to back-propagate
     * through the result, {@link Mode#INFER} for reference or judge log-probs.
     */
    public static Result summed(DecoderLM model, NDManager manager, int[][] prompts, int[][] responses, Mode mode) {
        return mode.run(() -> score(model, manager, prompts, responses, mode));
    }

    private static Result score(DecoderLM model, NDManager manager, int[][] prompts, int[][] responses, Mode mode) {
        int n = prompts.length;
        if (responses.length != n) {
            throw new IllegalArgumentException("prompts and responses differ in count: " + n + " vs " + responses.length);
        }
        int[][] rows = new int[n][];
        int width = 0;
        int scored = 0;
        for (int i = 0; i < n; i++) {
            rows[i] = concat(prompts[i], responses[i]);
            width = Math.max(width, rows[i].length);
            scored += responses[i].length - (prompts[i].length == 0 && responses[i].length > 0 ? 1 : 0);
        }
        // where each scored token is predicted: flat position b*T + t of the token before it
        long[] at = new long[scored];
        long[] target = new long[scored];
        float[] rowOf = new float[n * scored]; // one-hot [N, S]: which row each scored token belongs to
        int[] tokens = new int[n];
        int s = 0;
        for (int i = 0; i < n; i++) {
            int pad = width - rows[i].length;
            for (int j = Math.max(prompts[i].length, 1); j < rows[i].length; j++) {
                at[s] = (long) i * width + pad + j - 1;
                target[s] = rows[i][j];
                rowOf[i * scored + s] = 1f;
                tokens[i]++;
                s++;
            }
        }
        Batch batch = Batch.leftPadded(manager, rows, 0);
        NDArray hidden = model.hidden(batch.ids(), batch.positions(), batch.mask(), null, mode)
                .reshape(n * (long) width, model.config().hiddenSize()); // [B*T, H]
        NDArray picked = manager.create(at).getNDArrayInternal()
                .embedding(manager.create(at), hidden, SparseFormat.DENSE).singletonOrThrow(); // [S, H]
        NDArray logp = model.logits(picked, mode).logSoftmax(-1)
                .gather(manager.create(target).expandDims(-1), -1).squeeze(-1); // [S]
        NDArray sums = manager.create(rowOf, new Shape(n, scored)).matMul(logp.expandDims(-1)).squeeze(-1); // [N]
        return new Result(sums, tokens);
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = new int[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
