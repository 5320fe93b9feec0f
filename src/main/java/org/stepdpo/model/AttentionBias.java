package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * The additive attention bias: 0 where a query may attend to a key, a very negative number
 * elsewhere. Queries are the last T of the Tk keys (earlier ones come from the cache); a key is
 * visible when it is not later than the query, not padding, and (with a sliding window) not more
 * than {@code window - 1} tokens earlier.
 */
final class AttentionBias {
    /** Finite, so a row with every key masked (a padding query) stays NaN-free. */
    static final float MASKED = -1e30f;

    private AttentionBias() {}

    /**
     * Whether one new query token may attend to all {@code mask} [B, Tk] keys: none is padding and a
     * sliding window, if any, covers them all. Its bias would then be all zeros.
     */
    static boolean allVisible(NDArray mask, int window) {
        return (window <= 0 || mask.getShape().get(1) <= window) && mask.min().getFloat() >= 1f;
    }

    /**
     * @param mask   [B, Tk]: 1 for real tokens, 0 for padding
     * @param t      query tokens (the last {@code t} keys)
     * @param window sliding window in tokens, 0 for none
     * @return [B, 1, T, Tk] in FP32
     */
    static NDArray of(NDArray mask, long t, int window) {
        long tk = mask.getShape().get(1);
        NDArray keys = mask.reshape(mask.getShape().get(0), 1, 1, tk);
        if (t == 1 && (window <= 0 || tk <= window)) {
            return keys.sub(1f).mul(-MASKED); // one query, the newest token: every non-padding key is visible
        }
        float[] allowed = new float[Math.toIntExact(t * tk)];
        for (long i = 0; i < t; i++) {
            long q = i + tk - t; // absolute position of this query among the keys
            for (long j = 0; j <= q; j++) {
                if (window <= 0 || q - j < window) {
                    allowed[(int) (i * tk + j)] = 1f;
                }
            }
        }
        NDManager m = mask.getManager();
        NDArray causal = m.create(allowed, new Shape(1, 1, t, tk)).toDevice(mask.getDevice(), false);
        NDArray visible = causal.mul(keys); // [B, 1, T, Tk]
        return visible.sub(1f).mul(-MASKED);
    }
}
