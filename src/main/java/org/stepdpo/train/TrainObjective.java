package org.stepdpo.train;

import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.util.List;
import org.stepdpo.model.DecoderLM;

/**
 * What the training loop optimizes: the forward and backward pass of one micro-batch, with the
 * figures the metrics need returned as sums (so that workers combine them by adding, never by
 * averaging averages).
 *
 * @param <T> one training example
 */
public interface TrainObjective<T> extends Serializable {
    /**
     * The denominator of the mean loss over one optimizer step's whole global batch (pairs for a
     * preference loss, response tokens for SFT). Every worker computes it from the same global batch,
     * so that the summed gradients are the gradient of one mean.
     */
    double denominator(List<T> globalBatch);

    /**
     * Runs {@code micro} forward with autograd recording, back-propagates {@code sum(losses) / denominator}
     * into the parameters' accumulated gradients and returns the metric sums of {@link #metricNames()}.
     * Arrays are created in {@code manager}, which the caller closes.
     */
    double[] accumulate(DecoderLM model, NDManager manager, List<T> micro, double denominator);

    /** The names of the sums {@link #accumulate} returns, in order. */
    List<String> metricNames();

    /**
     * This objective's part of one {@code metrics.jsonl} line from the sums of {@link #accumulate}
     * added over a step's whole global batch (on every worker): {@code loss} first, then the rest.
     */
    java.util.Map<String, Object> metrics(double[] sums);

    /** Tokens processed for {@code example} (for tokens/s). */
    long tokens(T example);
}
