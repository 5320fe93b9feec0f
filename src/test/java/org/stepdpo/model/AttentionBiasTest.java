package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class AttentionBiasTest {
    private static final float M = AttentionBias.MASKED;

    @Test
    void causalPaddingAndSlidingWindow() {
        try (NDManager m = NDManager.newBaseManager()) {
            // one row, first key is padding, 2 queries that are the last 2 of 4 keys, window 2
            NDArray mask = m.create(new float[] {0, 1, 1, 1}).reshape(1, 4);
            float[] windowed = AttentionBias.of(mask, 2, 2).toFloatArray();
            assertArrayEquals(new float[] {M, 0, 0, M, M, M, 0, 0}, windowed);
            float[] full = AttentionBias.of(mask, 2, 0).toFloatArray();
            assertArrayEquals(new float[] {M, 0, 0, M, M, 0, 0, 0}, full);
        }
    }

    @Test
    void oneNewTokenSeesEveryRealKeyWithinTheWindow() {
        try (NDManager m = NDManager.newBaseManager()) {
            // two rows of 4 keys, the query is the last key; row 0 starts with padding
            NDArray mask = m.create(new float[] {0, 1, 1, 1, 1, 1, 1, 1}).reshape(2, 4);
            assertArrayEquals(new float[] {M, 0, 0, 0, 0, 0, 0, 0}, AttentionBias.of(mask, 1, 0).toFloatArray());
            assertArrayEquals(new float[] {M, 0, 0, 0, 0, 0, 0, 0}, AttentionBias.of(mask, 1, 4).toFloatArray());
            assertArrayEquals(new float[] {M, M, 0, 0, M, M, 0, 0}, AttentionBias.of(mask, 1, 2).toFloatArray());
        }
    }

    @Test
    void oneNewTokenNeedsNoBiasOnlyWithoutPaddingAndWithinTheWindow() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray none = m.create(new float[] {1, 1, 1, 1, 1, 1}).reshape(2, 3);
            NDArray padded = m.create(new float[] {1, 1, 1, 0, 1, 1}).reshape(2, 3);
            assertTrue(AttentionBias.allVisible(none, 0));
            assertTrue(AttentionBias.allVisible(none, 3));
            assertFalse(AttentionBias.allVisible(none, 2), "the window leaves out the first key");
            assertFalse(AttentionBias.allVisible(padded, 0));
        }
    }
}
