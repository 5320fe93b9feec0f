package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

    @Test
    void globalNormCoversEveryElementOfEveryTensor() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 4f}); // 25
            NDArray b = m.create(new float[] {0f, 12f, 0f, 0f}, new Shape(2, 2)); // 144
            NDArray c = m.create(new float[] {1f, -1f, 1f, -1f, 2f, -2f, 2f, -2f}, new Shape(2, 2, 2)); // 20
            assertEquals(Math.sqrt(25 + 144 + 20), GradClip.globalNorm(List.of(a, b, c)), 1e-5);
            assertEquals(13.0, GradClip.globalNorm(List.of(a, b)), 1e-6);
            assertEquals(0.0, GradClip.globalNorm(List.of()));
        }
    }

    @Test
    void clipsEveryGradientInPlaceAndReturnsTheNormBeforeClipping() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 4f});
            NDArray b = m.create(new float[] {0f, 12f, 0f, 0f}, new Shape(2, 2));
            assertEquals(13.0, GradClip.clip(List.of(a, b), 6.5), 1e-6);
            // coef = 6.5 / (13 + 1e-6), just under one half
            assertArrayEquals(new float[] {1.5f, 2f}, a.toFloatArray(), 1e-6f);
            assertArrayEquals(new float[] {0f, 6f, 0f, 0f}, b.toFloatArray(), 1e-6f);
            assertEquals(6.5, GradClip.globalNorm(List.of(a, b)), 1e-5);
        }
    }

    @Test
    void leavesSmallGradientsAloneAndMaxNormZeroDisables() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 4f});
            assertEquals(5.0, GradClip.clip(List.of(a), 20), 1e-6);
            assertArrayEquals(new float[] {3f, 4f}, a.toFloatArray());
            assertEquals(5.0, GradClip.clip(List.of(a), 5.0), 1e-6); // coef 5 / (5 + 1e-6) < 1: scaled a hair
            assertArrayEquals(new float[] {3f, 4f}, a.toFloatArray(), 1e-5f);
            assertEquals(5.0, GradClip.clip(List.of(a), 0), 1e-6);
            assertEquals(5.0, GradClip.clip(List.of(a), -1), 1e-5);
            assertEquals(0.0, GradClip.clip(List.of(), 1.0));
            assertThrows(IllegalArgumentException.class, () -> GradClip.clip(List.of(a), Double.NaN));
        }
    }

    @Test
    void clipsViewsSoTheirBaseSeesIt() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray base = m.create(new float[] {6f, 8f, 0f, 0f}, new Shape(2, 2));
            NDArray top = base.get(new NDIndex("0:1"));
            NDArray bottom = base.get(new NDIndex("1:2"));
            assertEquals(10.0, GradClip.clip(List.of(top, bottom), 1.0), 1e-6);
            assertArrayEquals(new float[] {0.6f, 0.8f, 0f, 0f}, base.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void aNonFiniteNormIsReturnedAndNothingIsScaled() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, Float.NaN});
            NDArray b = m.create(new float[] {30f, 40f});
            assertTrue(Double.isNaN(GradClip.clip(List.of(a, b), 1.0)));
            assertArrayEquals(new float[] {30f, 40f}, b.toFloatArray());
        }
    }

    @Test
    void leavesNoArraysBehind() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3f, 4f});
            int held = m.getManagedArrays().size();
            for (int i = 0; i < 100; i++) {
                GradClip.clip(List.of(a), 1.0);
            }
            assertEquals(held, m.getManagedArrays().size());
        }
    }
}
