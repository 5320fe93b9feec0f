package org.stepdpo.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import org.stepdpo.model.Autograd;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Mode;
import org.stepdpo.model.ResponseLogps;

/**
 * Step-DPO / DPO training: each pair's chosen and rejected sequences run as one forward pass
 * ({@code [chosen; rejected]}), their summed response log-probs go through {@link PreferenceLoss}
 * with the stored reference log-probs, and the mean loss over the global batch is back-propagated.
 */
public record PreferenceObjective(PreferenceLoss.Config loss) implements TrainObjective<PreferenceExample> {
    /** Metric sums, in the order {@link #accumulate} returns them. */
    public static final List<String> METRICS = List.of("pairs", "loss", "rewards_chosen", "rewards_rejected",
            "rewards_accuracy", "rewards_margin", "logps_chosen", "logps_rejected");

    @Override
    public double denominator(List<PreferenceExample> globalBatch) {
        return globalBatch.size();
    }

    @Override
    public double[] accumulate(DecoderLM model, NDManager manager, List<PreferenceExample> micro, double denominator) {
        int n = micro.size();
        int[][] prompts = new int[n][];
        int[][] chosenIds = new int[n][];
        int[][] rejectedIds = new int[n][];
        double[] refChosen = new double[n];
        double[] refRejected = new double[n];
        double[] chosenTokens = new double[n];
        for (int i = 0; i < n; i++) {
            PreferenceExample e = micro.get(i);
            prompts[i] = e.prompt();
            chosenIds[i] = e.chosen();
            rejectedIds[i] = e.rejected();
            refChosen[i] = e.refChosen();
            refRejected[i] = e.refRejected();
            chosenTokens[i] = Math.max(1, e.chosen().length);
        }
        return Autograd.recording(() -> {
            NDArray logps = pairLogps(model, manager, prompts, chosenIds, rejectedIds, Mode.TRAIN); // [2n]
            NDArray chosen = logps.get("0:" + n);
            NDArray rejected = logps.get(n + ":");
            PreferenceLoss.Result r = PreferenceLoss.compute(chosen, rejected, floats(manager, refChosen),
                    floats(manager, refRejected), floats(manager, chosenTokens), loss);
            Autograd.backward(r.losses().sum().div(denominator));
            float[] losses = r.losses().toFloatArray();
            float[] rc = r.chosenRewards().toFloatArray();
            float[] rr = r.rejectedRewards().toFloatArray();
            float[] pc = chosen.toFloatArray();
            float[] pr = rejected.toFloatArray();
            double[] sums = new double[METRICS.size()];
            sums[0] = n;
            for (int i = 0; i < n; i++) {
                sums[1] += losses[i];
                sums[2] += rc[i];
                sums[3] += rr[i];
                sums[4] += rc[i] > rr[i] ? 1 : 0;
                sums[5] += rc[i] - rr[i];
                sums[6] += pc[i];
                sums[7] += pr[i];
            }
            return sums;
        });
    }

    /**
     * Summed response log-probs of n pairs in one forward pass of {@code [chosen; rejected]}: [2n],
     * the chosen responses first.
     */
    static NDArray pairLogps(DecoderLM model, NDManager manager, int[][] prompts, int[][] chosen, int[][] rejected,
            Mode mode) {
        int n = prompts.length;
        int[][] allPrompts = new int[2 * n][];
        int[][] responses = new int[2 * n][];
        for (int i = 0; i < n; i++) {
            allPrompts[i] = prompts[i];
            allPrompts[n + i] = prompts[i];
            responses[i] = chosen[i];
            responses[n + i] = rejected[i];
        }
        return ResponseLogps.summed(model, manager, allPrompts, responses, mode).summed();
    }

    private static NDArray floats(NDManager manager, double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) values[i];
        }
        return manager.create(f);
    }

    /** Means over the pairs: loss, rewards, reward accuracy and margin, log-probs. */
    @Override
    public java.util.Map<String, Object> metrics(double[] sums) {
        java.util.Map<String, Object> line = new java.util.LinkedHashMap<>();
        double n = sums[0];
        for (int i = 1; i < METRICS.size(); i++) {
            line.put(METRICS.get(i), sums[i] / n);
        }
        return line;
    }

    @Override
    public List<String> metricNames() {
        return METRICS;
    }

    @Override
    public long tokens(PreferenceExample e) {
        return 2L * e.prompt().length + e.chosen().length + e.rejected().length;
    }
}
