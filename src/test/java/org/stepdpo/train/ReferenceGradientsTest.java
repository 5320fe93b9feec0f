package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stepdpo.model.Autograd;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.ResponseLogps;
import org.stepdpo.model.Mode;

/**
 * The Step-DPO and SFT objectives against the fixtures' independent fp32 reference: per-pair
 * log-probs and rewards, the mean loss, and the L2 norm of every parameter's gradient.
 */
class ReferenceGradientsTest {
    private static final double REL = 1e-3;

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void stepDpoMatchesTheReference(String name) {
        JsonNode ref = Fixtures.reference(name).get("step_dpo");
        List<PreferenceExample> pairs = new ArrayList<>();
        for (JsonNode p : ref.get("pairs")) {
            pairs.add(new PreferenceExample(ints(p.get("prompt_ids")), ints(p.get("chosen_ids")),
                    ints(p.get("rejected_ids")), p.get("ref_chosen_logp").asDouble(), p.get("ref_rejected_logp").asDouble()));
        }
        PreferenceObjective objective = new PreferenceObjective(
                new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, ref.get("beta").asDouble(), 0));
        try (DecoderLM model = DecoderLM.load(Fixtures.model(name), Device.cpu(), DataType.FLOAT32);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Autograd.requireGradients(model.weights());
            double[] sums = objective.accumulate(model, m, pairs, objective.denominator(pairs));
            int n = pairs.size();
            assertEquals(n, sums[0]);
            assertRel(ref.get("loss_mean").asDouble(), sums[1] / n, "loss");
            assertRel(mean(ref.get("chosen_rewards")), sums[2] / n, "rewards_chosen");
            assertRel(mean(ref.get("rejected_rewards")), sums[3] / n, "rewards_rejected");
            assertRel(mean(ref.get("policy_chosen_logps")), sums[6] / n, "logps_chosen");
            assertRel(mean(ref.get("policy_rejected_logps")), sums[7] / n, "logps_rejected");
            assertGradients(model, ref);
            // per pair, through the extraction alone
            int[][] prompts = pairs.stream().map(PreferenceExample::prompt).toArray(int[][]::new);
            int[][] chosen = pairs.stream().map(PreferenceExample::chosen).toArray(int[][]::new);
            float[] logps = Autograd.notRecording(() -> ResponseLogps.summed(model, m, prompts, chosen, Mode.INFER).summed())
                    .toFloatArray();
            for (int i = 0; i < n; i++) {
                assertEquals(ref.get("policy_chosen_logps").get(i).asDouble(), logps[i], 1e-4, "pair " + i);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-tiny", "qwen2-tiny"})
    void sftMatchesTheReference(String name) {
        JsonNode ref = Fixtures.reference(name).get("sft");
        List<EncodedExample> examples = new ArrayList<>();
        for (JsonNode e : ref.get("examples")) {
            examples.add(new EncodedExample("sft-" + examples.size(), ints(e.get("prompt_ids")), ints(e.get("response_ids"))));
        }
        SftObjective objective = new SftObjective();
        try (DecoderLM model = DecoderLM.load(Fixtures.model(name), Device.cpu(), DataType.FLOAT32);
                NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Autograd.requireGradients(model.weights());
            double denominator = objective.denominator(examples);
            double[] sums = objective.accumulate(model, m, examples, denominator);
            assertEquals(denominator, sums[1]);
            assertRel(ref.get("loss_token_mean").asDouble(), sums[2] / sums[1], "loss");
            assertRel(ref.get("grad_global_l2").asDouble(), globalNorm(model), "grad_global_l2");
        }
    }

    private static void assertGradients(DecoderLM model, JsonNode ref) {
        Map<String, NDArray> grads = Autograd.gradients(model.weights());
        Iterator<Map.Entry<String, JsonNode>> it = ref.get("grad_l2_by_tensor").fields();
        int checked = 0;
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            NDArray g = grads.get(e.getKey());
            assertRel(e.getValue().asDouble(), g.norm().getFloat(), e.getKey());
            checked++;
        }
        assertEquals(grads.size(), checked, "every parameter has a reference norm");
        assertRel(ref.get("grad_global_l2").asDouble(), globalNorm(model), "grad_global_l2");
        grads.values().forEach(NDArray::close);
    }

    private static double globalNorm(DecoderLM model) {
        double sq = 0;
        for (NDArray g : Autograd.gradients(model.weights()).values()) {
            double n = g.norm().getFloat();
            sq += n * n;
            g.close();
        }
        return Math.sqrt(sq);
    }

    private static void assertRel(double expected, double actual, String what) {
        assertEquals(expected, actual, Math.max(1e-6, Math.abs(expected) * REL), what);
    }

    private static double mean(JsonNode a) {
        double s = 0;
        for (JsonNode v : a) {
            s += v.asDouble();
        }
        return s / a.size();
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }
}
