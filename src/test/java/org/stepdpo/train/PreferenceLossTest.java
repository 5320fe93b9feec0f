package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;
import org.stepdpo.model.Autograd;

/** The preference losses on literal log-probs, against values worked out by hand. */
class PreferenceLossTest {
    private static final float[] PC = {-10f, -20f, -5f};
    private static final float[] PR = {-12f, -18f, -5f};
    private static final float[] RC = {-11f, -20f, -6f};
    private static final float[] RR = {-11f, -19f, -6f};
    // h = (pc - rc) - (pr - rr) = {1 - (-1), 0 - 1, 1 - 1} = {2, -1, 0}

    private static float[][] run(PreferenceLoss.Config config) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            PreferenceLoss.Result r = PreferenceLoss.compute(m.create(PC), m.create(PR), m.create(RC), m.create(RR),
                    config);
            return new float[][] {r.losses().toFloatArray(), r.chosenRewards().toFloatArray(),
                r.rejectedRewards().toFloatArray()};
        }
    }

    private static float softplus(double x) {
        return (float) Math.log1p(Math.exp(x));
    }

    @Test
    void sigmoidLossAndRewards() {
        float[][] r = run(new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.5, 0));
        // -log sigma(0.5 h) = softplus(-0.5 h)
        assertArrayEquals(new float[] {softplus(-1), softplus(0.5), (float) Math.log(2)}, r[0], 1e-6f);
        assertArrayEquals(new float[] {0.5f, 0f, 0.5f}, r[1], 1e-6f); // 0.5 (pc - rc)
        assertArrayEquals(new float[] {-0.5f, 0.5f, 0.5f}, r[2], 1e-6f); // 0.5 (pr - rr)
    }

    @Test
    void labelSmoothingMixesInTheFlippedLabel() {
        float[][] r = run(new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.5, 0.1));
        float[] expected = new float[3];
        double[] h = {2, -1, 0};
        for (int i = 0; i < 3; i++) {
            expected[i] = 0.9f * softplus(-0.5 * h[i]) + 0.1f * softplus(0.5 * h[i]);
        }
        assertArrayEquals(expected, r[0], 1e-6f);
    }

    @Test
    void rpoAlphaAddsTheChosenResponsesPerTokenNll() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            float[] tokens = {4f, 10f, 1f};
            PreferenceLoss.Result r = PreferenceLoss.compute(m.create(PC), m.create(PR), m.create(RC), m.create(RR),
                    m.create(tokens), new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.5, 0, 0.25));
            // softplus(-0.5 h) + 0.25 * (-pc / tokens): NLLs per token 2.5, 2 and 5
            assertArrayEquals(new float[] {softplus(-1) + 0.625f, softplus(0.5) + 0.5f, (float) Math.log(2) + 1.25f},
                    r.losses().toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0.5f, 0f, 0.5f}, r.chosenRewards().toFloatArray(), 1e-6f);
            // without token counts the term cannot be formed
            assertThrows(IllegalArgumentException.class, () -> PreferenceLoss.compute(m.create(PC), m.create(PR),
                    m.create(RC), m.create(RR), new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.5, 0, 1)));
        }
    }

    @Test
    void ipoIsTheSquaredDistanceToOneOverTwoBeta() {
        float[][] r = run(new PreferenceLoss.Config(PreferenceLoss.Kind.IPO, 0.5, 0));
        // (h - 1)^2
        assertArrayEquals(new float[] {1f, 4f, 1f}, r[0], 1e-6f);
    }

    @Test
    void rewardsCarryNoGradientButTheLossDoes() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            NDArray pc = m.create(PC);
            NDArray pr = m.create(PR);
            pc.setRequiresGradient(true);
            pr.setRequiresGradient(true);
            PreferenceLoss.Result r = Autograd.recording(() -> {
                PreferenceLoss.Result result = PreferenceLoss.compute(pc, pr, m.create(RC), m.create(RR),
                        new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.5, 0));
                Autograd.backward(result.losses().sum());
                return result;
            });
            assertFalse(ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) r.chosenRewards()));
            // d/d pc softplus(-0.5 h) = -0.5 sigma(-0.5 h); d/d pr is its negative
            float[] g = pc.getGradient().toFloatArray();
            float[] expected = new float[3];
            double[] h = {2, -1, 0};
            for (int i = 0; i < 3; i++) {
                expected[i] = (float) (-0.5 / (1 + Math.exp(0.5 * h[i])));
            }
            assertArrayEquals(expected, g, 1e-6f);
            float[] gr = pr.getGradient().toFloatArray();
            for (int i = 0; i < 3; i++) {
                assertTrue(Math.abs(gr[i] + expected[i]) < 1e-6);
            }
        }
    }

    @Test
    void badSettingsNameTheirFlag() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0, 0)).getMessage().contains("--beta"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.1, 0.5)).getMessage()
                .contains("--label-smoothing"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new PreferenceLoss.Config(PreferenceLoss.Kind.IPO, 0.1, 0.1)).getMessage()
                .contains("--label-smoothing"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.1, 0, -1)).getMessage()
                .contains("--rpo-alpha"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> PreferenceLoss.Kind.parse("hinge", "--loss-type")).getMessage().contains("--loss-type"));
    }
}
