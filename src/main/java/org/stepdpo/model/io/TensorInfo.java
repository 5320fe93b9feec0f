package org.stepdpo.model.io;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where one tensor of a safetensors file lies: its type, shape and byte range.
 *
 * @param name       the tensor's name, e.g. {@code model.layers.0.self_attn.q_proj.weight}
 * @param dtype      element type
 * @param shape      dimensions (empty for a scalar); copied in and out
 * @param file       the file that holds the tensor
 * @param dataStart  absolute byte offset of the first element in {@code file}
 * @param byteLength bytes of data ({@code elements() * dtype.bytes()})
 */
public record TensorInfo(String name, DType dtype, long[] shape, Path file, long dataStart, long byteLength) {

    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long elements() {
        return elements(shape);
    }

    /** The product of {@code shape}, refusing negative dimensions and overflow. */
    static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && file.equals(t.file) && dataStart == t.dataStart && byteLength == t.byteLength;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), file, dataStart, byteLength);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " in " + file + " at " + dataStart;
    }
}
