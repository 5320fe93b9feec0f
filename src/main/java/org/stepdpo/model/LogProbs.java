package org.stepdpo.model;

import ai.djl.ndarray.NDArray;

/**
 * Log-probabilities of target tokens under next-token logits: the one place that turns logits,
 * labels and a mask into per-token and summed log-probs.
 */
public final class LogProbs {
    private LogProbs() {}

    /**
     * Per-token log-probs: {@code out[b, i] = log softmax(logits[b, i])[targets[b, i]] * mask[b, i]}.
     *
     * @param logits  [B, T, V] FP32, where position i predicts token i+1 of the input
     * @param targets [B, T] int64, the token each position should predict
     * @param mask    [B, T] FP32, 1 where a target is scored
     * @return [B, T] FP32, 0 where the mask is 0
     */
    public static NDArray perToken(NDArray logits, NDArray targets, NDArray mask) {
        NDArray logp = logits.logSoftmax(-1).gather(targets.expandDims(-1), -1).squeeze(-1);
        return logp.mul(mask);
    }

    /** The sum over each row of {@link #perToken}: [B]. */
    public static NDArray summed(NDArray logits, NDArray targets, NDArray mask) {
        return perToken(logits, targets, mask).sum(new int[] {1});
    }
}
