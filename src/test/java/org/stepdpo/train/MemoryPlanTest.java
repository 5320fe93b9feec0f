package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.HfConfig;

/** The per-worker memory plan of a training run, from config.json alone. */
class MemoryPlanTest {
    private static final Path QWEN2_7B = Path.of("src/test/resources/fixtures/configs/qwen2-7b");
    private static final Path LLAMA_TINY = Path.of("src/test/resources/fixtures/models/llama-tiny");
    private static final Path QWEN2_TINY = Path.of("src/test/resources/fixtures/models/qwen2-tiny");

    private static MemoryPlan plan(Path model, int workers, String dtype, boolean shard, int rank) {
        return MemoryPlan.of(HfConfig.load(model), new MemoryPlan.Settings(workers, MemoryPlan.DType.parse(dtype, "--dtype"),
                shard, rank, List.of("q_proj", "v_proj"), 1, 512));
    }

    @Test
    void parametersAreCountedAsTheCheckpointsHoldThem() {
        // the tiny fixtures' safetensors files, tensor by tensor (qwen2-tiny ties its head: no lm_head tensor)
        for (Path model : List.of(LLAMA_TINY, QWEN2_TINY)) {
            long stored = Fixtures.weights(model).values().stream().mapToLong(a -> a.length).sum();
            assertEquals(stored, plan(model, 1, "float32", false, 0).parameters(), model.toString());
        }
        // Qwen2-7B as its model card counts it: 7.62B
        assertEquals(7_615_616_512L, plan(QWEN2_7B, 1, "float32", false, 0).parameters());
    }

    @Test
    void shardedOptimizerStateFallsAsOneOverTheWorkers() {
        long p = plan(QWEN2_7B, 1, "float32", false, 0).parameters();
        for (int n = 1; n <= 3; n++) {
            MemoryPlan sharded = plan(QWEN2_7B, n, "float32", true, 0);
            assertEquals((8 * p + n - 1) / n, sharded.optimizerState(), n + " workers");
            assertEquals(4 * p, sharded.weights());
            assertEquals(4 * p + (n == 1 ? 0 : (4 * p + n - 1) / n), sharded.gradients(), "local and summed slice");
            assertEquals(0, sharded.masterWeights(), "float32 weights are their own master copy");
        }
        MemoryPlan full = plan(QWEN2_7B, 3, "float32", false, 0);
        // a full float32 replica, 16 bytes a parameter, and the summed gradients beside the local ones
        assertEquals(20 * p, full.total() - full.activations());
        assertEquals(16 * p, full.deepSpeedModelStates());
    }

    @Test
    void halfPrecisionKeepsFloat32MasterWeightsOfTheSlice() {
        MemoryPlan fp16 = plan(QWEN2_7B, 8, "float16", true, 0);
        long p = fp16.parameters();
        assertEquals(2 * p, fp16.weights());
        assertEquals(2 * p + 4 * p / 8, fp16.gradients());
        assertEquals(4 * p / 8, fp16.masterWeights());
        assertEquals(8 * p / 8, fp16.optimizerState());
        assertEquals(4 * p + 16 * p / 8, fp16.deepSpeedModelStates(), "DeepSpeed ZeRO-2: 4P + 16P/N");
        assertEquals(fp16.deepSpeedModelStates(), fp16.total() - fp16.activations());
        MemoryPlan fp32 = plan(QWEN2_7B, 8, "float32", true, 0);
        long logits = 2L * 2 * 512 * 152064 * 4; // float32 logits and log-softmax of a chosen and a rejected sequence
        assertEquals(2 * (fp16.activations() - logits), fp32.activations() - logits, 2, "layer activations double");
    }

    @Test
    void loraTrainsAndStoresOnlyTheAdapters() {
        HfConfig c = HfConfig.load(QWEN2_7B);
        MemoryPlan lora = plan(QWEN2_7B, 2, "float16", false, 16);
        // q_proj 3584 -> 3584, v_proj 3584 -> 512: r (in + out) each, in every layer
        long adapters = 28L * 16 * ((3584 + 3584) + (3584 + 512));
        assertEquals(adapters, lora.trainableParameters());
        assertEquals(2 * lora.parameters() + 4 * adapters, lora.weights());
        assertEquals(4 * adapters + 4 * adapters, lora.gradients());
        assertEquals(8 * adapters, lora.optimizerState());
        assertEquals(0, lora.masterWeights());
        assertEquals(-1, lora.deepSpeedModelStates());
        assertEquals(28, c.numLayers());
    }

    @Test
    void aPlanThatCannotFitIsRefusedNamingTheFiguresAndTheWaysOut() {
        MemoryPlan full = plan(QWEN2_7B, 8, "float32", false, 0);
        long eighty = MemoryPlan.parseBytes("80g", "--device-memory");
        assertEquals(80L << 30, eighty);
        assertFalse(full.fits(eighty));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> full.requireFits(eighty));
        assertTrue(e.getMessage().contains("--device-memory") && e.getMessage().contains("80.0 GiB available")
                && e.getMessage().contains("--shard-optimizer") && e.getMessage().contains("--lora-rank"), e.getMessage());
        MemoryPlan fp16Sharded = plan(QWEN2_7B, 8, "float16", true, 0);
        assertTrue(fp16Sharded.fits(eighty), fp16Sharded.toMap(eighty).toString());
        fp16Sharded.requireFits(eighty);
        Map<String, Object> json = fp16Sharded.toMap(eighty);
        assertEquals(true, json.get("fits"));
        assertEquals(512L << 20, MemoryPlan.parseBytes("512MiB", "--device-memory"));
        assertThrows(IllegalArgumentException.class, () -> MemoryPlan.parseBytes("lots", "--device-memory"));
        assertThrows(IllegalArgumentException.class, () -> new MemoryPlan.Settings(1, MemoryPlan.DType.FLOAT32, false, 8,
                List.of("qkv"), 1, 16));
    }
}
