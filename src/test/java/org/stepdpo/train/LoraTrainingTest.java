package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.Generator;
import org.stepdpo.model.LoraAdapters;
import org.stepdpo.model.LoraConfig;
import org.stepdpo.spark.SharedSpark;

/**
 * TrainStepDpoJob with {@code --lora-rank}: two workers train adapters on the frozen tiny Llama;
 * the adapter is written in PEFT's format, the merged model differs from the base only in the
 * targeted weights, by exactly (alpha/r) B A of the saved adapter, generates greedily what the base
 * plus the adapter generates (as EvalJob {@code --adapter} loads it), and a stopped run resumes from
 * an adapter checkpoint to the same adapter.
 */
class LoraTrainingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj", "down_proj"));

    @TempDir
    Path tmp;

    /** {@code c} with LoRA adapters. */
    static TrainConfig lora(TrainConfig c, LoraConfig lora, boolean merge) {
        return c.toBuilder().lora(lora, merge).build();
    }

    @Test
    void onlyTheAdaptersTrainAndTheMergedModelIsBasePlusAdapter() throws IOException {
        Path base = Fixtures.model("llama-tiny");
        Path out = tmp.resolve("lora");
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(),
                lora(TrainStageTest.config(out, TrainStageTest.pairs(), 2, 1, 1, 3, 1e-2, 2, false, false), LORA, true));
        assertEquals(3, summary.get("steps"));
        // per layer: q 4 x (64 + 64), v 4 x (64 + 16), down 4 x (172 + 64); three layers
        long adapterParams = 3L * (4 * (64 + 64) + 4 * (64 + 16) + 4 * (172 + 64));
        @SuppressWarnings("unchecked")
        Map<String, Object> lora = (Map<String, Object>) summary.get("lora");
        assertEquals(adapterParams, ((Number) lora.get("trainable_parameters")).longValue());
        assertEquals(List.of(8 * adapterParams, 8 * adapterParams), summary.get("optimizer_state_bytes"),
                "AdamW moments for the adapters only");

        Path adapterDir = out.resolve(RunFiles.ADAPTER);
        JsonNode config = JSON.readTree(adapterDir.resolve(LoraAdapters.CONFIG).toFile());
        assertEquals("LORA", config.get("peft_type").asText());
        assertEquals(4, config.get("r").asInt());
        assertEquals(8, config.get("lora_alpha").asInt());
        assertEquals(base.toString(), config.get("base_model_name_or_path").asText());
        Map<String, float[]> adapter = Fixtures.weights(adapterDir.resolve(LoraAdapters.WEIGHTS));
        assertEquals(3 * 3 * 2, adapter.size());
        for (Map.Entry<String, float[]> e : adapter.entrySet()) {
            assertTrue(e.getKey().startsWith("base_model.model.model.layers."), e.getKey());
            if (e.getKey().endsWith("lora_B.weight")) {
                assertTrue(max(e.getValue()) > 0, e.getKey() + " has trained away from zero");
            }
        }
        // the checkpoint after step 2 holds the adapter and its optimizer state, not the model
        Path step2 = out.resolve("checkpoints/step-00000002");
        assertTrue(Files.isRegularFile(step2.resolve(LoraAdapters.WEIGHTS)));
        assertTrue(Files.isRegularFile(step2.resolve(RunFiles.OPTIMIZER)));
        assertFalse(Files.exists(step2.resolve("model.safetensors")));

        // merged: the targeted weights are W + (alpha/r) B A of the saved adapter, the others the base's bits
        Map<String, float[]> before = Fixtures.weights(base);
        Map<String, float[]> merged = Fixtures.weights(out.resolve(RunFiles.MODEL));
        assertEquals(before.keySet(), merged.keySet());
        int targeted = 0;
        for (String name : before.keySet()) {
            String module = name.substring(0, name.length() - ".weight".length());
            float[] a = adapter.get(LoraAdapters.key(module, "A"));
            if (a == null) {
                assertArrayEquals(before.get(name), merged.get(name), name + " is frozen");
                continue;
            }
            targeted++;
            float[] b = adapter.get(LoraAdapters.key(module, "B"));
            float[] w = before.get(name);
            int in = a.length / 4;
            int outRows = b.length / 4;
            float[] expected = new float[w.length];
            for (int o = 0; o < outRows; o++) {
                for (int i = 0; i < in; i++) {
                    double ba = 0;
                    for (int r = 0; r < 4; r++) {
                        ba += (double) b[o * 4 + r] * a[r * in + i];
                    }
                    expected[o * in + i] = (float) (w[o * in + i] + 2.0 * ba);
                }
            }
            TrainStageTest.assertClose(expected, merged.get(name), 1e-6, name);
            assertFalse(Arrays.equals(w, merged.get(name)), name + " changed");
        }
        assertEquals(9, targeted);

        // greedy generation: the merged directory alone and the base with the adapter (as EvalJob --adapter)
        LanguageModel.Spec withAdapter = new LanguageModel.Spec(base.toString(), "float32", adapterDir.toString());
        withAdapter.check("plain");
        try (LanguageModel adapted = withAdapter.load(Device.cpu());
                LanguageModel alone = new LanguageModel.Spec(out.resolve(RunFiles.MODEL).toString(), "float32")
                        .load(Device.cpu())) {
            List<Generator.Request> requests = new ArrayList<>();
            for (String text : List.of("Step 1: 3 + 4 = 7", "What is 12 times 3?", "Ana has 5 apples.")) {
                requests.add(new Generator.Request(adapted.tokenizer().encode(text), 0));
            }
            Generator.Options greedy = Generator.Options.greedy(16, Set.of());
            List<Generator.Result> x = Generator.generate(adapted.decoder(), requests, 0, greedy);
            List<Generator.Result> y = Generator.generate(alone.decoder(), requests, 0, greedy);
            for (int r = 0; r < requests.size(); r++) {
                assertArrayEquals(y.get(r).ids(), x.get(r).ids(), "request " + r);
            }
        }
    }

    @Test
    void aStoppedLoraRunResumesFromItsAdapterCheckpoint() throws IOException {
        Path straight = tmp.resolve("straight");
        Path crashed = tmp.resolve("crashed");
        TrainStage.run(SharedSpark.get(),
                lora(TrainStageTest.config(straight, TrainStageTest.pairs(), 1, 2, 1, 4, 1e-2, 2, false, false), LORA, false));
        TrainStage.run(SharedSpark.get(),
                lora(TrainStageTest.config(crashed, TrainStageTest.pairs(), 1, 2, 1, 4, 1e-2, 2, false, false), LORA, false));
        assertFalse(Files.exists(straight.resolve(RunFiles.MODEL)), "without --merge-lora only the adapter is written");
        Files.delete(crashed.resolve(RunFiles.STATE));
        new RunFiles(crashed).truncateMetrics(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStage.run(SharedSpark.get(),
                TrainStageTest.config(crashed, TrainStageTest.pairs(), 1, 2, 1, 4, 1e-2, 2, true, false)));
        assertTrue(e.getMessage().contains("--lora-rank"), e.getMessage());
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(),
                lora(TrainStageTest.config(crashed, TrainStageTest.pairs(), 1, 2, 1, 4, 1e-2, 2, true, false), LORA, false));
        assertEquals(2, summary.get("resumed_from_step"));
        Map<String, float[]> x = Fixtures.weights(straight.resolve(RunFiles.ADAPTER).resolve(LoraAdapters.WEIGHTS));
        Map<String, float[]> y = Fixtures.weights(crashed.resolve(RunFiles.ADAPTER).resolve(LoraAdapters.WEIGHTS));
        assertEquals(x.keySet(), y.keySet());
        for (String name : x.keySet()) {
            assertArrayEquals(x.get(name), y.get(name), name);
        }
    }

    private static float max(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }
}
