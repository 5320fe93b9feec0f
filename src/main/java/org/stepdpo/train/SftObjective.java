package org.stepdpo.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.stepdpo.model.Autograd;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Mode;
import org.stepdpo.model.ResponseLogps;

/**
 * Supervised fine-tuning: cross-entropy of the response tokens, averaged over every response token
 * of the global batch ({@code loss = -sum log p / tokens}), as HF's causal-LM loss with the prompt
 * masked.
 */
public record SftObjective() implements TrainObjective<EncodedExample> {
    /** Metric sums, in the order {@link #accumulate} returns them. */
    public static final List<String> METRICS = List.of("examples", "tokens", "nll");

    @Override
    public double denominator(List<EncodedExample> globalBatch) {
        long tokens = 0;
        for (EncodedExample e : globalBatch) {
            tokens += scored(e);
        }
        return Math.max(1, tokens);
    }

    /** Response tokens that are scored (the first token of a sequence has no context). */
    static int scored(EncodedExample e) {
        return e.response().length - (e.prompt().length == 0 && e.response().length > 0 ? 1 : 0);
    }

    @Override
    public double[] accumulate(DecoderLM model, NDManager manager, List<EncodedExample> micro, double denominator) {
        int n = micro.size();
        int[][] prompts = new int[n][];
        int[][] responses = new int[n][];
        for (int i = 0; i < n; i++) {
            prompts[i] = micro.get(i).prompt();
            responses[i] = micro.get(i).response();
        }
        return Autograd.recording(() -> {
            ResponseLogps.Result r = ResponseLogps.summed(model, manager, prompts, responses, Mode.TRAIN);
            NDArray nll = r.summed().sum().neg();
            Autograd.backward(nll.div(denominator));
            long tokens = 0;
            for (int t : r.tokens()) {
                tokens += t;
            }
            return new double[] {n, tokens, nll.getFloat()};
        });
    }

    /** The token-mean loss, the examples and the response tokens scored. */
    @Override
    public java.util.Map<String, Object> metrics(double[] sums) {
        java.util.Map<String, Object> line = new java.util.LinkedHashMap<>();
        line.put("loss", sums[2] / sums[1]);
        line.put("examples", sums[0]);
        line.put("response_tokens", sums[1]);
        return line;
    }

    @Override
    public List<String> metricNames() {
        return METRICS;
    }

    @Override
    public long tokens(EncodedExample e) {
        return (long) e.prompt().length + e.response().length;
    }
}
