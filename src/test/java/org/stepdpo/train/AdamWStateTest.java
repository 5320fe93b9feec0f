package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.train.AdamWTest.BIAS;
import static org.stepdpo.train.AdamWTest.LRS;
import static org.stepdpo.train.AdamWTest.NORM;
import static org.stepdpo.train.AdamWTest.WEIGHT;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.io.Checkpoint;
import org.stepdpo.model.io.DType;

class AdamWStateTest {
    private static final AdamWConfig CONFIG = AdamWConfig.DEFAULTS.withWeightDecay(0.1);

    @TempDir
    Path dir;

    private static Map<String, NDArray> copy(NDManager m, Map<String, NDArray> params) {
        Map<String, NDArray> c = new LinkedHashMap<>();
        params.forEach((name, p) -> c.put(name, m.create(p.toFloatArray(), p.getShape())));
        return c;
    }

    @Test
    void savingAndLoadingThenContinuingEqualsNotSaving() throws Exception {
        Path file = dir.resolve("optimizer.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> straight = AdamWTest.params(m);
            Map<String, NDArray> resumed;
            try (AdamW opt = new AdamW(straight, CONFIG)) {
                for (int s = 0; s < 3; s++) {
                    opt.step(AdamWTest.grads(m, straight, s), LRS[s]);
                }
                opt.save(file);
                resumed = copy(m, straight); // the model weights as a checkpoint would hold them
                for (int s = 3; s < 6; s++) {
                    opt.step(AdamWTest.grads(m, straight, s), LRS[s]);
                }
            }
            try (AdamW opt = new AdamW(resumed, CONFIG)) {
                opt.load(file);
                assertEquals(3, opt.stepCount());
                Path again = dir.resolve("again.safetensors");
                opt.save(again);
                assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(again), "a bit-exact round trip");
                for (int s = 3; s < 6; s++) {
                    opt.step(AdamWTest.grads(m, resumed, s), LRS[s]);
                }
                assertEquals(6, opt.stepCount());
            }
            for (String name : straight.keySet()) {
                assertArrayEquals(straight.get(name).toFloatArray(), resumed.get(name).toFloatArray(), name);
            }
        }
    }

    @Test
    void theFileHoldsBothMomentsAsF32AndTheStep() {
        Path file = dir.resolve("state.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("w", m.create(new float[] {1f, 1f}));
            try (AdamW opt = new AdamW(params, AdamWConfig.DEFAULTS)) {
                opt.step(Map.of("w", m.create(new float[] {2f, -4f})), 0.1);
                opt.save(file);
            }
        }
        try (Checkpoint saved = Checkpoint.open(file)) {
            assertEquals(java.util.Set.of("exp_avg.w", "exp_avg_sq.w"), saved.names());
            assertEquals(DType.F32, saved.info("exp_avg.w").dtype());
            assertEquals("1", saved.metadata().get(AdamW.STEP_KEY));
            float[] m = new float[2];
            saved.readF32("exp_avg.w").get(m);
            assertArrayEquals(new float[] {0.2f, -0.4f}, m, 1e-7f); // (1 - 0.9) * g
            float[] v = new float[2];
            saved.readF32("exp_avg_sq.w").get(v);
            assertArrayEquals(new float[] {0.004f, 0.016f}, v, 1e-9f); // (1 - 0.999) * g^2
        }
    }

    @Test
    void loadingRefusesAnotherModelNamingFileAndTensor() {
        Path file = dir.resolve("state.safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = AdamWTest.params(m);
            try (AdamW opt = new AdamW(params, CONFIG)) {
                opt.step(AdamWTest.grads(m, params, 0), 0.1);
                opt.save(file);
            }

            Map<String, NDArray> reshaped = AdamWTest.params(m);
            reshaped.put(WEIGHT, m.zeros(new Shape(3, 2)));
            String msg = loadError(reshaped, file);
            assertTrue(msg.contains(file.getFileName().toString()) && msg.contains("exp_avg." + WEIGHT)
                    && msg.contains("[2, 3]") && msg.contains("[3, 2]"), msg);

            Map<String, NDArray> more = AdamWTest.params(m);
            more.put("lm_head.weight", m.zeros(new Shape(2)));
            msg = loadError(more, file);
            assertTrue(msg.contains(file.getFileName().toString()) && msg.contains("no tensor exp_avg.lm_head.weight"), msg);

            Map<String, NDArray> fewer = AdamWTest.params(m);
            fewer.remove(NORM);
            msg = loadError(fewer, file);
            assertTrue(msg.contains("exp_avg") && msg.contains(NORM) && msg.contains("belongs to no parameter"), msg);

            // a refused load changes nothing
            Map<String, NDArray> same = AdamWTest.params(m);
            try (AdamW opt = new AdamW(same, CONFIG)) {
                assertThrows(IllegalArgumentException.class, () -> opt.load(dir.resolve("optimizer.pt")));
                opt.load(file);
                assertEquals(1, opt.stepCount());
            }
            assertArrayEquals(new float[] {0.25f, -0.5f}, same.get(BIAS).toFloatArray());
        }
    }

    private static String loadError(Map<String, NDArray> params, Path file) {
        try (AdamW opt = new AdamW(params, CONFIG)) {
            String msg = assertThrows(IllegalArgumentException.class, () -> opt.load(file)).getMessage();
            assertEquals(0, opt.stepCount(), "a refused load changes nothing");
            return msg;
        }
    }
}
