package org.stepdpo.model.io;

/**
 * Conversions between F32 and the two 16-bit float formats of checkpoints: IEEE binary16 (F16) and
 * bfloat16 (BF16, the top half of an F32). Narrowing rounds to nearest, ties to even, as PyTorch does;
 * values beyond the range become infinities and NaN stays NaN. Bits travel as {@code short}.
 */
public final class HalfFloats {

    private HalfFloats() {}

    /** BF16 to F32: exact, the 16 bits become the top half of the F32. */
    public static float bf16ToF32(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** F32 to BF16, rounding to nearest even; NaN becomes a quiet NaN of the same sign. */
    public static short f32ToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Adding 0x7fff plus the lowest kept bit rounds half-way cases to the even neighbour;
        // a carry out of the mantissa moves to the next exponent (or to infinity), as it should.
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** F16 to F32: exact, subnormals, infinities and NaN payloads included. */
    public static float f16ToF32(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            // Zero or subnormal: mant * 2^-24, exact in F32.
            float magnitude = mant * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** F32 to F16, rounding to nearest even; beyond 65504 rounds to infinity, NaN stays a quiet NaN. */
    public static short f32ToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            // Subnormal F16 (or zero): keep the top bits of the 24-bit significand.
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal
            }
            int significand = mant | 0x800000;
            int shift = 14 - e;
            return (short) (sign | roundShift(significand, shift));
        }
        // Normal: a carry from rounding may step into the next exponent or to infinity (0x7c00).
        return (short) (sign | roundShift((e << 23) | mant, 13));
    }

    /** {@code value >>> shift}, rounded to nearest even on the dropped bits. */
    private static int roundShift(int value, int shift) {
        int kept = value >>> shift;
        int dropped = value & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (dropped > half || (dropped == half && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
