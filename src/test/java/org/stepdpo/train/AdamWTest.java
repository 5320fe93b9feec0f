package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AdamWTest {
    static final String WEIGHT = "model.layers.0.mlp.up_proj.weight";
    static final String NORM = "model.layers.0.input_layernorm.weight";
    static final String BIAS = "model.layers.0.self_attn.q_proj.bias";
    static final double[] LRS = {0.01, 0.02, 0.015, 0.005, 0.03, 0.01};

    /** Deterministic, sign-changing gradient values for parameter {@code which} at step {@code step}. */
    static float[] grad(int which, int step, int n) {
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (Math.sin(1.3 * i + 0.7 * step + which) * (0.5 + which) + 0.01 * step);
        }
        return g;
    }

    static Map<String, NDArray> params(NDManager m) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put(WEIGHT, m.create(new float[] {0.5f, -1.25f, 2f, 0.75f, -0.1f, 1.5f}, new Shape(2, 3)));
        p.put(NORM, m.create(new float[] {1f, 1f, 0.9f}));
        p.put(BIAS, m.create(new float[] {0.25f, -0.5f}));
        return p;
    }

    static Map<String, NDArray> grads(NDManager m, Map<String, NDArray> params, int step) {
        Map<String, NDArray> g = new LinkedHashMap<>();
        int which = 0;
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            g.put(e.getKey(), m.create(grad(which++, step, (int) e.getValue().size()), e.getValue().getShape()));
        }
        return g;
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.0, 0.1})
    void matchesTheDoublePrecisionReferenceOverSeveralSteps(double weightDecay) {
        AdamWConfig config = AdamWConfig.DEFAULTS.withWeightDecay(weightDecay);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = params(m);
            Map<String, AdamWReference> refs = new LinkedHashMap<>();
            params.forEach((name, p) -> refs.put(name, new AdamWReference(p.toFloatArray(), config, AdamW.decays(name))));
            try (AdamW opt = new AdamW(params, config)) {
                for (int s = 0; s < LRS.length; s++) {
                    try (NDManager step = m.newSubManager()) {
                        opt.step(grads(step, params, s), LRS[s]);
                    }
                    int which = 0;
                    for (Map.Entry<String, AdamWReference> e : refs.entrySet()) {
                        e.getValue().step(grad(which++, s, (int) params.get(e.getKey()).size()), LRS[s]);
                    }
                }
                assertEquals(LRS.length, opt.stepCount());
            }
            refs.forEach((name, ref) -> {
                double[] expected = ref.params();
                float[] actual = params.get(name).toFloatArray();
                for (int i = 0; i < expected.length; i++) {
                    assertEquals(expected[i], actual[i], 1e-6 * Math.max(1, Math.abs(expected[i])), name + "[" + i + "]");
                }
            });
        }
    }

    /** Float16 values of {@code a} (float16 or float32), widened to float32. */
    private static float[] floats(NDArray a) {
        try (NDArray wide = a.toType(DataType.FLOAT32, true)) {
            return wide.toFloatArray();
        }
    }

    @Test
    void float16ParametersAreTheirFloat32MastersRoundedAndResumeExactly(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) {
        AdamWConfig config = AdamWConfig.DEFAULTS.withWeightDecay(0.1);
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> half = new LinkedHashMap<>();
            Map<String, NDArray> full = new LinkedHashMap<>();
            params(m).forEach((name, p) -> {
                NDArray h = p.toType(DataType.FLOAT16, true);
                half.put(name, h);
                full.put(name, h.toType(DataType.FLOAT32, true)); // the same values, exactly
            });
            double lr = 1e-4; // each update is below float16's spacing at most of these values
            java.nio.file.Path saved = dir.resolve("optimizer.safetensors");
            try (AdamW h = new AdamW(half, config); AdamW f = new AdamW(full, config)) {
                long n = full.values().stream().mapToLong(NDArray::size).sum();
                assertEquals(12 * n, h.stateBytes(), "two moments and a float32 master a parameter");
                assertEquals(8 * n, f.stateBytes());
                for (int s = 0; s < 6; s++) {
                    try (NDManager step = m.newSubManager()) {
                        h.step(grads(step, full, s), lr);
                        f.step(grads(step, full, s), lr);
                    }
                    if (s == 2) {
                        h.save(saved);
                    }
                }
                boolean movedOnlyInMaster = false;
                for (String name : full.keySet()) {
                    assertEquals(DataType.FLOAT16, half.get(name).getDataType());
                    float[] master = full.get(name).toFloatArray();
                    float[] rounded = floats(full.get(name).toType(DataType.FLOAT16, true));
                    assertArrayEquals(rounded, floats(half.get(name)), name + ": the float16 weight is its master rounded");
                    float[] start = floats(params(m).get(name).toType(DataType.FLOAT16, true));
                    for (int i = 0; i < master.length; i++) {
                        movedOnlyInMaster |= master[i] != start[i] && rounded[i] == start[i];
                    }
                }
                assertTrue(movedOnlyInMaster, "updates below float16's spacing accumulate in the masters");
            }
            // resuming from step 3 with the masters from the file reaches the same weights
            Map<String, NDArray> again = new LinkedHashMap<>();
            params(m).forEach((name, p) -> again.put(name, p.toType(DataType.FLOAT16, true)));
            try (AdamW r = new AdamW(again, config)) {
                r.load(saved);
                for (int s = 3; s < 6; s++) {
                    try (NDManager step = m.newSubManager()) {
                        r.step(grads(step, full, s), lr);
                    }
                }
            }
            half.forEach((name, h) -> assertArrayEquals(floats(h), floats(again.get(name)), name));
        }
    }

    @Test
    void weightDecayTouchesOnlyDecayingParameters() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> plain = params(m);
            Map<String, NDArray> decayed = params(m);
            try (AdamW a = new AdamW(plain, AdamWConfig.DEFAULTS); AdamW b = new AdamW(decayed, AdamWConfig.DEFAULTS.withWeightDecay(0.5))) {
                for (int s = 0; s < 3; s++) {
                    a.step(grads(m, plain, s), 0.1);
                    b.step(grads(m, decayed, s), 0.1);
                }
            }
            assertArrayEquals(plain.get(NORM).toFloatArray(), decayed.get(NORM).toFloatArray());
            assertArrayEquals(plain.get(BIAS).toFloatArray(), decayed.get(BIAS).toFloatArray());
            assertNotEquals(plain.get(WEIGHT).getFloat(0, 0), decayed.get(WEIGHT).getFloat(0, 0));
        }
    }

    @Test
    void firstStepByHand() {
        // step 1: m = 0.1 g, v = 0.001 g^2, m / bc1 = g, sqrt(v / bc2) = |g|: p -= lr * g / (|g| + eps)
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(new float[] {1f, 1f});
            NDArray norm = m.create(new float[] {1f});
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("lm_head.weight", w);
            params.put("model.norm.weight", norm);
            try (AdamW opt = new AdamW(params, AdamWConfig.DEFAULTS.withWeightDecay(0.5))) {
                opt.step(Map.of("lm_head.weight", m.create(new float[] {2f, -4f}),
                        "model.norm.weight", m.create(new float[] {-3f})), 0.1);
            }
            // decay first: 1 * (1 - 0.1 * 0.5) = 0.95, then -/+ 0.1
            assertArrayEquals(new float[] {0.85f, 1.05f}, w.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {1.1f}, norm.toFloatArray(), 1e-6f); // no decay on norms
        }
    }

    @Test
    void decaysFollowsHfGrouping() {
        assertTrue(AdamW.decays("model.layers.3.self_attn.q_proj.weight"));
        assertTrue(AdamW.decays("model.embed_tokens.weight"));
        assertTrue(AdamW.decays("lm_head.weight"));
        assertFalse(AdamW.decays("model.layers.3.self_attn.q_proj.bias"));
        assertFalse(AdamW.decays("model.layers.3.input_layernorm.weight"));
        assertFalse(AdamW.decays("model.layers.3.post_attention_layernorm.weight"));
        assertFalse(AdamW.decays("model.norm.weight"));
        assertFalse(AdamW.decays("model.layers.0.self_attn.q_norm.weight"));
    }

    @Test
    void viewsAreUpdatedInPlaceAndTheStackedBaseSeesIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray base = m.ones(new Shape(4, 2));
            base.setRequiresGradient(true); // a trainable stacked tensor: updates must run without autograd
            NDArray q = base.get(new NDIndex("0:1"));
            NDArray kv = base.get(new NDIndex("1:4"));
            Map<String, NDArray> params = new LinkedHashMap<>();
            params.put("q_proj.weight", q);
            params.put("kv_proj.weight", kv);
            boolean grad = JniUtils.isGradMode();
            try (AdamW opt = new AdamW(params, AdamWConfig.DEFAULTS)) {
                opt.step(Map.of("q_proj.weight", m.create(new float[] {1f, -1f}, new Shape(1, 2)),
                        "kv_proj.weight", m.create(new float[] {2f, 2f, -2f, 2f, 2f, -2f}, new Shape(3, 2))), 0.5);
            }
            assertEquals(grad, JniUtils.isGradMode(), "grad mode restored");
            assertTrue(params.get("q_proj.weight") == q, "the same array object is kept");
            // first step moves each element by lr against the gradient's sign
            assertArrayEquals(new float[] {0.5f, 1.5f, 0.5f, 0.5f, 1.5f, 0.5f, 0.5f, 1.5f}, base.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void aThousandStepsLeaveNoArraysBehind() {
        try (NDManager model = NDManager.newBaseManager(); NDManager gradients = NDManager.newBaseManager()) {
            Map<String, NDArray> params = params(model);
            Map<String, NDArray> grads = grads(gradients, params, 0);
            try (AdamW opt = new AdamW(params, AdamWConfig.DEFAULTS.withWeightDecay(0.01))) {
                int held = model.getManagedArrays().size(); // parameters and the optimizer's moments
                int gradArrays = gradients.getManagedArrays().size();
                assertEquals(3 + 2 * 3, held);
                for (int s = 0; s < 1000; s++) {
                    opt.step(grads, 1e-3);
                }
                assertEquals(held, model.getManagedArrays().size(), "arrays left in the parameters' manager");
                assertEquals(gradArrays, gradients.getManagedArrays().size(), "arrays left in the gradients' manager");
            }
            assertEquals(3, model.getManagedArrays().size(), "closing frees the moments");
        }
    }

    @Test
    void refusesMismatchedGradientsAndStaysUnchanged() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> params = params(m);
            try (AdamW opt = new AdamW(params, AdamWConfig.DEFAULTS)) {
                Map<String, NDArray> missing = grads(m, params, 0);
                missing.remove(BIAS);
                assertTrue(assertThrows(IllegalArgumentException.class, () -> opt.step(missing, 0.1))
                        .getMessage().contains("no gradient for parameter " + BIAS));
                Map<String, NDArray> extra = grads(m, params, 0);
                extra.put("lm_head.weight", m.zeros(new Shape(1)));
                assertTrue(assertThrows(IllegalArgumentException.class, () -> opt.step(extra, 0.1))
                        .getMessage().contains("lm_head.weight"));
                Map<String, NDArray> wrongShape = grads(m, params, 0);
                wrongShape.put(WEIGHT, m.zeros(new Shape(3, 2)));
                String msg = assertThrows(IllegalArgumentException.class, () -> opt.step(wrongShape, 0.1)).getMessage();
                assertTrue(msg.contains(WEIGHT) && msg.contains("(3, 2)") && msg.contains("(2, 3)"), msg);
                assertThrows(IllegalArgumentException.class, () -> opt.step(grads(m, params, 0), Double.NaN));
                assertEquals(0, opt.stepCount());
                assertArrayEquals(new float[] {0.25f, -0.5f}, params.get(BIAS).toFloatArray());
                opt.close();
                assertThrows(IllegalStateException.class, () -> opt.step(grads(m, params, 0), 0.1));
            }
            Map<String, NDArray> ints = Map.of("w", m.zeros(new Shape(2), DataType.INT32));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> new AdamW(ints, AdamWConfig.DEFAULTS))
                    .getMessage().contains("parameter w has dtype"));
        }
    }

    @Test
    void configIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(1.0, 0.999, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, -0.1, 1e-8, 0));
        assertThrows(IllegalArgumentException.class, () -> new AdamWConfig(0.9, 0.999, Double.NaN, 0));
        assertThrows(IllegalArgumentException.class, () -> AdamWConfig.DEFAULTS.withWeightDecay(-0.01));
        assertEquals(List.of(0.9, 0.999, 1e-8, 0.0), List.of(AdamWConfig.DEFAULTS.beta1(), AdamWConfig.DEFAULTS.beta2(),
                AdamWConfig.DEFAULTS.eps(), AdamWConfig.DEFAULTS.weightDecay()));
    }
}
