package org.stepdpo.model.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * Element types of a safetensors file, named as in its JSON header ({@code "dtype": "BF16"}).
 * Only the types that HF causal-LM checkpoints use are known; any other name is refused.
 */
public enum DType {
    F32(4), F16(2), BF16(2), F64(8), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link Checkpoint#readF32} can convert this type to F32. */
    public boolean isFloat() {
        return this == F32 || this == F16 || this == BF16 || this == F64;
    }

    /**
     * The type a header names.
     *
     * @param headerName the header's spelling, e.g. {@code "F32"}
     * @param where      what to name in the error, e.g. {@code tensor x in /m/model.safetensors}
     * @throws IllegalArgumentException for a name that is not one of these types
     */
    public static DType parse(String headerName, String where) {
        for (DType t : values()) {
            if (t.name().equals(headerName)) {
                return t;
            }
        }
        throw new IllegalArgumentException(where + " has unknown dtype \"" + headerName + "\": expected one of "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
