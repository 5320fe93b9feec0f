package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/** The benchmark's arithmetic and its random model; no timing is asserted. */
class BenchTest {
    @Test
    void matmulParamsCountEveryLinearLayerAndTheLmHeadButNotTheEmbedding() {
        // hidden 8, 2 heads of 4, 1 kv head, MLP width 12, vocab 10
        HfConfig c = RandomModel.config("hidden=8,layers=2,heads=2,kv_heads=1,vocab=10,intermediate=12", 64);
        long attention = 8 * 8 + 8 * 4 + 8 * 4 + 8 * 8; // q, k, v, o
        long mlp = 3 * 8 * 12;                          // gate, up, down
        long head = 10 * 8;
        assertEquals(2 * (attention + mlp) + head, Bench.matmulParams(c));
        assertEquals(1040, Bench.matmulParams(c));
        assertEquals(head, Bench.headParams(c));
    }

    @Test
    void mfuIsTwiceTheParamsTimesTokensPerSecondOverThePeak() {
        assertEquals(2.0 * 1040 * 1e6 / 100e9, Bench.mfu(1040, 1e6, 100), 1e-15);
        Bench.Settings s = new Bench.Settings(4, 16, 8, 0, 3, 1);
        Bench.Result r = new Bench.Result(s, 1040, 80, 100, 2, new double[] {0.5, 0.1, 0.3}, new double[] {2, 4, 1}, 0);
        assertEquals(0.3, r.prefillSeconds());
        assertEquals(2, r.decodeSeconds());
        assertEquals(4 * 16 / 0.3, r.prefillTokensPerS(), 1e-9);
        assertEquals(4 * 8 / 2.0, r.decodeTokensPerS(), 1e-12);
        assertEquals(2.0 * 1040 * (4 * 16 / 0.3) / 100e9, r.prefillMfu(), 1e-15);
        assertEquals(2.0 * 1040 * 16 / 100e9, r.decodeMfu(), 1e-15);
        // the LM head (80 of the 1040) runs once per row in the prefill: 960 + 80 / 16 per prompt token
        assertEquals(2.0 * (960 + 5) * (4 * 16 / 0.3) / 100e9, r.prefillMfuExecuted(), 1e-15);
        assertEquals(2.5, Bench.median(new double[] {4, 1, 2, 3}));
    }

    @Test
    void theRandomSpecDefaultsToFourTimesHiddenAndHiddenOverHeads() {
        HfConfig c = RandomModel.config("hidden=512,layers=4,heads=8,kv_heads=2,vocab=8192", 4096);
        assertEquals(2048, c.intermediateSize());
        assertEquals(64, c.headDim());
        assertEquals("LlamaForCausalLM", c.architecture());
        assertEquals(19_398_656, Bench.matmulParams(c));
        HfConfig explicit = RandomModel.config("hidden=64,layers=1,heads=4,kv_heads=4,vocab=32,head_dim=8,intermediate=100",
                256);
        assertEquals(8, explicit.headDim());
        assertEquals(100, explicit.intermediateSize());
    }

    @Test
    void aBadSpecNamesTheKey() {
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> RandomModel.config("hidden=64,layers=1,heads=4,vocab=32", 64));
        assertTrue(missing.getMessage().contains("'kv_heads' is missing"), missing.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> RandomModel.config("hidden=64,layers=1,heads=4,kv_heads=2,vocab=32,width=3", 64));
        assertTrue(unknown.getMessage().contains("'width=3'"), unknown.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> RandomModel.config("hidden=-64,layers=1,heads=4,kv_heads=2,vocab=32", 64));
        assertTrue(negative.getMessage().contains("hidden must be a positive integer"), negative.getMessage());
    }

    @Test
    void aTinyRunReportsEveryFigureAndGeneratesTheSameTokensEachRepeat() {
        HfConfig c = RandomModel.config("hidden=32,layers=2,heads=4,kv_heads=2,vocab=64", 64);
        try (DecoderLM model = DecoderLM.create(c, RandomModel.weights(7), Device.cpu(), DataType.FLOAT32)) {
            Bench.Result r = Bench.run(model, new Bench.Settings(3, 5, 4, 1, 2, 1));
            assertEquals(Bench.matmulParams(c), r.matmulParams());
            assertEquals(2, r.prefillS().length);
            assertTrue(r.peakGflops() > 0 && Double.isFinite(r.peakGflops()));
            assertTrue(r.prefillMfu() > 0 && r.decodeMfu() > 0);
            // sampling: each repeat draws the same tokens (Bench.run checks), and not the greedy ones
            Bench.Result sampled = Bench.run(model, new Bench.Settings(3, 5, 4, 1, 2, 1, 1.0, 0.9, 0));
            assertNotEquals(r.checksum(), sampled.checksum());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> new Bench.Settings(3, 5, 4, 1, 2, 1, 1.0, 1.5, 0));
        assertTrue(bad.getMessage().contains("top-p"), bad.getMessage());
    }
}
