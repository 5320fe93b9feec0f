package org.stepdpo.model;

import java.nio.FloatBuffer;

/** Where a decoder's weights come from: tensors by HF name, widened to F32. */
public interface WeightSource {
    /** Whether a tensor of that name exists. */
    boolean has(String name);

    /**
     * The tensor's values, row-major, after checking its shape.
     *
     * @throws IllegalArgumentException naming the tensor when it is missing or its shape differs
     */
    FloatBuffer read(String name, long[] expectedShape);
}
