package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Token sequences of different lengths as one left-padded batch: ids [B, T], per-row positions
 * [B, T] (counting from each row's first real token) and the padding mask [B, T].
 *
 * @param ids       int64 token ids, padding filled with {@code padId}
 * @param positions int64 positions, 0 on padding
 * @param mask      float32, 1 for real tokens and 0 for padding
 * @param lengths   each row's real length
 */
public record Batch(NDArray ids, NDArray positions, NDArray mask, int[] lengths) {

    /** Left-pads {@code rows} to the longest one. */
    public static Batch leftPadded(NDManager manager, int[][] rows, int padId) {
        int width = 0;
        for (int[] r : rows) {
            width = Math.max(width, r.length);
        }
        long[] ids = new long[rows.length * width];
        long[] positions = new long[rows.length * width];
        float[] mask = new float[rows.length * width];
        int[] lengths = new int[rows.length];
        for (int b = 0; b < rows.length; b++) {
            int pad = width - rows[b].length;
            lengths[b] = rows[b].length;
            for (int i = 0; i < width; i++) {
                int at = b * width + i;
                if (i < pad) {
                    ids[at] = padId;
                } else {
                    ids[at] = rows[b][i - pad];
                    positions[at] = i - pad;
                    mask[at] = 1f;
                }
            }
        }
        Shape shape = new Shape(rows.length, width);
        return new Batch(manager.create(ids, shape), manager.create(positions, shape), manager.create(mask, shape),
                lengths);
    }

    /** Rows in the batch. */
    public int size() {
        return lengths.length;
    }

    /** Padded width. */
    public long width() {
        return ids.getShape().get(1);
    }
}
