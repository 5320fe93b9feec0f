package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.io.Checkpoint;

/**
 * LoRA adapters against an independent computation. The adapted projection is
 * {@code W x + (alpha/r) B A x}, the same as a plain projection by {@code W' = W + (alpha/r) B A}:
 * so the adapted decoder's log-probs must equal those of an unadapted decoder whose weights were
 * replaced by W' computed here in Java doubles, and by the chain rule the adapters' gradients are
 * {@code dB = (alpha/r) G A^T} and {@code dA = (alpha/r) B^T G}, with G the gradient of W' in that
 * decoder. Both at PEFT's start (B zero: the adapted model is the base, A gets no gradient) and
 * with B random; for the Llama fixture and the Qwen2 one (q/k/v biases).
 */
class LoraAdaptersTest {
    private static final LoraConfig ALL = new LoraConfig(4, 8, 0, LoraConfig.PROJECTIONS);

    @TempDir
    Path tmp;

    @Test
    void anAdaptedPassEqualsTheMergedWeightsForwardAndBackward() {
        for (String name : List.of("llama-tiny", "qwen2-tiny")) {
            Path dir = Fixtures.model(name);
            try (DecoderLM adapted = DecoderLM.load(dir, Device.cpu(), DataType.FLOAT32);
                    DecoderLM merged = DecoderLM.load(dir, Device.cpu(), DataType.FLOAT32);
                    LoraAdapters lora = LoraAdapters.init(adapted, ALL, 7)) {
                adapted.attach(lora);
                for (Map.Entry<String, NDArray> e : lora.byName().entrySet()) {
                    float[] v = e.getValue().toFloatArray();
                    if (e.getKey().endsWith("lora_B.weight")) {
                        assertTrue(max(v) == 0, e.getKey() + " starts at zero");
                    } else {
                        float bound = (float) (1 / Math.sqrt(e.getValue().getShape().get(1)));
                        assertTrue(max(v) > 0 && max(v) <= bound, e.getKey() + " within +-1/sqrt(in)");
                    }
                }
                compare(name + " at the start", adapted, merged, lora);
                randomB(lora, 0.1, 11);
                compare(name + " with B random", adapted, merged, lora);
            }
        }
    }

    /**
     * Writes W + (alpha/r) B A (in doubles) into {@code merged}'s targeted weights, then compares
     * log-probs (training and inference passes) and the adapters' gradients with the chain rule's.
     */
    private static void compare(String what, DecoderLM adapted, DecoderLM merged, LoraAdapters lora) {
        double s = lora.config().scaling();
        int layers = adapted.config().numLayers();
        Map<String, NDArray> base = adapted.weights().byName();
        for (int layer = 0; layer < layers; layer++) {
            for (String target : lora.config().targets()) {
                String module = LoraAdapters.module(layer, target);
                NDArray w = base.get(module + ".weight");
                double[][] ba = product(matrix(lora.byName().get(LoraAdapters.key(module, "B"))),
                        matrix(lora.byName().get(LoraAdapters.key(module, "A"))));
                double[][] wv = matrix(w);
                float[] out = new float[Math.toIntExact(w.size())];
                int cols = wv[0].length;
                for (int o = 0; o < wv.length; o++) {
                    for (int i = 0; i < cols; i++) {
                        out[o * cols + i] = (float) (wv[o][i] + s * ba[o][i]);
                    }
                }
                write(merged.weights().byName().get(module + ".weight"), out);
            }
        }
        int[][] prompts = {{5, 17, 42, 8, 99, 3}, {7, 7, 120}, {250, 31}};
        int[][] responses = {{11, 12, 13}, {200, 4, 4, 9}, {66}};
        try (NDManager m = adapted.manager().newSubManager()) {
            Autograd.requireGradients(lora.byName());
            Autograd.zeroGradients(lora.byName());
            NDArray mine = backward(adapted, m, prompts, responses);
            Autograd.requireGradients(merged.weights());
            Autograd.zeroGradients(merged.weights());
            NDArray theirs = backward(merged, m, prompts, responses);
            assertClose(what + ": training log-probs", theirs.toFloatArray(), mine.toFloatArray(), 1e-4);
            float[] inferred = ResponseLogps.summed(adapted, m, prompts, responses, Mode.INFER).summed().toFloatArray();
            assertClose(what + ": inference log-probs", theirs.toFloatArray(), inferred, 1e-4);
            for (int layer = 0; layer < layers; layer++) {
                for (String target : lora.config().targets()) {
                    String module = LoraAdapters.module(layer, target);
                    double[][] g = matrix(merged.weights().byName().get(module + ".weight").getGradient());
                    NDArray a = lora.byName().get(LoraAdapters.key(module, "A"));
                    NDArray b = lora.byName().get(LoraAdapters.key(module, "B"));
                    double[][] dB = scaled(product(g, transpose(matrix(a))), s);
                    double[][] dA = scaled(product(transpose(matrix(b)), g), s);
                    assertClose(what + ": dB of " + module, flat(dB), b.getGradient().toFloatArray(), 1e-4);
                    assertClose(what + ": dA of " + module, flat(dA), a.getGradient().toFloatArray(), 1e-4);
                }
            }
        }
    }

    /** The summed log-probs of the responses, back-propagated. */
    private static NDArray backward(DecoderLM model, NDManager m, int[][] prompts, int[][] responses) {
        return Mode.TRAIN.run(() -> {
            NDArray logps = ResponseLogps.summed(model, m, prompts, responses, Mode.TRAIN).summed();
            Autograd.backward(logps.sum());
            return logps;
        });
    }

    @Test
    void mergedWeightsGenerateWhatBasePlusAdaptersGenerate() {
        Path dir = Fixtures.model("llama-tiny");
        try (DecoderLM adapted = DecoderLM.load(dir, Device.cpu(), DataType.FLOAT32);
                DecoderLM merged = DecoderLM.load(dir, Device.cpu(), DataType.FLOAT32);
                LoraAdapters lora = LoraAdapters.init(adapted, new LoraConfig(8, 16, 0, List.of("q_proj", "v_proj",
                        "down_proj")), 3)) {
            randomB(lora, 0.3, 5);
            adapted.attach(lora);
            lora.mergeInto(merged);
            List<Generator.Request> requests = new ArrayList<>();
            for (int r = 0; r < 6; r++) {
                requests.add(new Generator.Request(new int[] {3 + r, 40 + 7 * r, 11, 250 - r}, 0));
            }
            Generator.Options greedy = Generator.Options.greedy(12, Set.of());
            List<Generator.Result> fromAdapters = Generator.generate(adapted, requests, 0, greedy);
            List<Generator.Result> fromMerged = Generator.generate(merged, requests, 0, greedy);
            adapted.attach(null);
            List<Generator.Result> fromBase = Generator.generate(adapted, requests, 0, greedy);
            int differ = 0;
            for (int r = 0; r < requests.size(); r++) {
                assertArrayEquals(fromMerged.get(r).ids(), fromAdapters.get(r).ids(), "request " + r);
                differ += java.util.Arrays.equals(fromBase.get(r).ids(), fromAdapters.get(r).ids()) ? 0 : 1;
            }
            assertTrue(differ > 0, "the adapters change what the model generates");
        }
    }

    @Test
    void savedAdaptersCarryPeftsNamesAndConfigAndLoadBackExactly() throws Exception {
        Path dir = Fixtures.model("qwen2-tiny");
        LoraConfig config = new LoraConfig(2, 5, 0.05, List.of("v_proj", "q_proj", "up_proj"));
        assertEquals(List.of("q_proj", "v_proj", "up_proj"), config.targets(), "kept in layer order");
        try (DecoderLM model = DecoderLM.load(dir, Device.cpu(), DataType.FLOAT32);
                LoraAdapters lora = LoraAdapters.init(model, config, 1)) {
            randomB(lora, 0.1, 2);
            Path out = tmp.resolve("adapter");
            lora.save(out, "/models/base");
            JsonNode c = new ObjectMapper().readTree(out.resolve(LoraAdapters.CONFIG).toFile());
            assertEquals("LORA", c.get("peft_type").asText());
            assertEquals("CAUSAL_LM", c.get("task_type").asText());
            assertEquals(2, c.get("r").asInt());
            assertTrue(c.get("lora_alpha").isIntegralNumber() && c.get("lora_alpha").asInt() == 5);
            assertEquals(0.05, c.get("lora_dropout").asDouble());
            assertEquals("/models/base", c.get("base_model_name_or_path").asText());
            assertEquals(List.of("q_proj", "v_proj", "up_proj"),
                    List.of(c.get("target_modules").get(0).asText(), c.get("target_modules").get(1).asText(),
                            c.get("target_modules").get(2).asText()));
            assertEquals("none", c.get("bias").asText());
            assertTrue(!c.get("fan_in_fan_out").asBoolean() && !c.get("use_dora").asBoolean()
                    && !c.get("use_rslora").asBoolean());
            try (Checkpoint saved = Checkpoint.open(out.resolve(LoraAdapters.WEIGHTS))) {
                int layers = model.config().numLayers();
                assertEquals(layers * 3 * 2, saved.names().size());
                long h = model.config().hiddenSize();
                long q = (long) model.config().numHeads() * model.config().headDim();
                assertArrayEquals(new long[] {2, h},
                        saved.info("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape());
                assertArrayEquals(new long[] {q, 2},
                        saved.info("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape());
                assertArrayEquals(new long[] {model.config().intermediateSize(), 2},
                        saved.info("base_model.model.model.layers." + (layers - 1) + ".mlp.up_proj.lora_B.weight").shape());
                assertEquals("F32", saved.info("base_model.model.model.layers.0.mlp.up_proj.lora_A.weight").dtype().name());
            }
            try (LoraAdapters back = LoraAdapters.load(model, out)) {
                assertEquals(config, back.config());
                assertEquals(lora.byName().keySet(), back.byName().keySet());
                for (String key : lora.byName().keySet()) {
                    assertArrayEquals(lora.byName().get(key).toFloatArray(), back.byName().get(key).toFloatArray(), key);
                }
            }

            ObjectNode dora = (ObjectNode) new ObjectMapper().readTree(out.resolve(LoraAdapters.CONFIG).toFile());
            dora.put("use_dora", true);
            new ObjectMapper().writeValue(out.resolve(LoraAdapters.CONFIG).toFile(), dora);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraAdapters.load(model, out));
            assertTrue(e.getMessage().contains("use_dora"), e.getMessage());
            dora.put("use_dora", false);
            dora.putArray("target_modules").add("q_proj").add("v_proj"); // up_proj's tensors are then unexpected
            new ObjectMapper().writeValue(out.resolve(LoraAdapters.CONFIG).toFile(), dora);
            e = assertThrows(IllegalArgumentException.class, () -> LoraAdapters.load(model, out));
            assertTrue(e.getMessage().contains("does not apply") && e.getMessage().contains("up_proj"), e.getMessage());
            dora.putArray("target_modules").add("q_proj").add("k_proj");
            new ObjectMapper().writeValue(out.resolve(LoraAdapters.CONFIG).toFile(), dora);
            e = assertThrows(IllegalArgumentException.class, () -> LoraAdapters.load(model, out));
            assertTrue(e.getMessage().contains("k_proj.lora_A.weight is missing"), e.getMessage());
            Files.delete(out.resolve(LoraAdapters.CONFIG));
            e = assertThrows(IllegalArgumentException.class, () -> LoraAdapters.load(model, out));
            assertTrue(e.getMessage().contains(LoraAdapters.CONFIG + " not found"), e.getMessage());
        }
    }

    @Test
    void badSettingsAreRefusedNamingTheFlag() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(0, 8, 0, List.of("q_proj")))
                .getMessage().startsWith("--lora-rank"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 0, 0, List.of("q_proj")))
                .getMessage().startsWith("--lora-alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 1, List.of("q_proj")))
                .getMessage().startsWith("--lora-dropout"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new LoraConfig(4, 8, 0, List.of("lm_head")))
                .getMessage().startsWith("--lora-targets"));
    }

    private static void randomB(LoraAdapters lora, double scale, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (Map.Entry<String, NDArray> e : lora.byName().entrySet()) {
            if (e.getKey().endsWith("lora_B.weight")) {
                NDArray b = e.getValue();
                float[] v = new float[Math.toIntExact(b.size())];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((random.nextDouble() * 2 - 1) * scale);
                }
                write(b, v);
            }
        }
    }

    /** Replaces the values of {@code a} (a parameter, possibly requiring gradients) in place. */
    private static void write(NDArray a, float[] values) {
        Autograd.notRecording(() -> {
            try (NDArray v = a.getManager().create(values, a.getShape())) {
                Views.write(a, 0, 0, v);
            }
            return null;
        });
    }

    private static double[][] matrix(NDArray a) {
        Shape shape = a.getShape();
        int rows = Math.toIntExact(shape.get(0));
        int cols = Math.toIntExact(shape.get(1));
        float[] v = a.toFloatArray();
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[r][c] = v[r * cols + c];
            }
        }
        return out;
    }

    private static double[][] product(double[][] x, double[][] y) {
        double[][] out = new double[x.length][y[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int k = 0; k < y.length; k++) {
                for (int j = 0; j < y[0].length; j++) {
                    out[i][j] += x[i][k] * y[k][j];
                }
            }
        }
        return out;
    }

    private static double[][] transpose(double[][] x) {
        double[][] out = new double[x[0].length][x.length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[j][i] = x[i][j];
            }
        }
        return out;
    }

    private static double[][] scaled(double[][] x, double s) {
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] *= s;
            }
        }
        return x;
    }

    private static float[] flat(double[][] x) {
        float[] out = new float[x.length * x[0].length];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[0].length; j++) {
                out[i * x[0].length + j] = (float) x[i][j];
            }
        }
        return out;
    }

    private static float max(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    /** Elementwise within {@code rel} of the largest expected magnitude (and 1e-6 absolute). */
    private static void assertClose(String what, float[] expected, float[] actual, double rel) {
        assertEquals(expected.length, actual.length, what);
        double tol = rel * max(expected) + 1e-6;
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol, what + " element " + i + ": expected " + expected[i]
                    + ", got " + actual[i] + " (tolerance " + tol + ")");
        }
    }
}
