package org.stepdpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HalfFloatsTest {

    private static float f(int bits) {
        return Float.intBitsToFloat(bits);
    }

    private static int bits(float value) {
        return Float.floatToRawIntBits(value);
    }

    @Test
    void bf16WidensByShifting() {
        assertEquals(1.0f, HalfFloats.bf16ToF32((short) 0x3f80));
        assertEquals(-0.255859375f, HalfFloats.bf16ToF32((short) 0xbe83));
        assertEquals(0x80000000, bits(HalfFloats.bf16ToF32((short) 0x8000)), "-0 keeps its sign");
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.bf16ToF32((short) 0x7f80));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.bf16ToF32((short) 0xff80));
        assertTrue(Float.isNaN(HalfFloats.bf16ToF32((short) 0x7fc1)));
        assertEquals(f(0x00010000), HalfFloats.bf16ToF32((short) 0x0001), "subnormal");
    }

    @Test
    void bf16NarrowsToNearestEven() {
        assertEquals((short) 0x3f80, HalfFloats.f32ToBf16(1.0f));
        assertEquals((short) 0x0000, HalfFloats.f32ToBf16(0.0f));
        assertEquals((short) 0x8000, HalfFloats.f32ToBf16(-0.0f));
        assertEquals((short) 0x3f80, HalfFloats.f32ToBf16(f(0x3f808000)), "tie rounds down to even");
        assertEquals((short) 0x3f82, HalfFloats.f32ToBf16(f(0x3f818000)), "tie rounds up to even");
        assertEquals((short) 0x3f81, HalfFloats.f32ToBf16(f(0x3f808001)), "above the tie rounds up");
        assertEquals((short) 0x3f80, HalfFloats.f32ToBf16(f(0x3f807fff)), "below the tie rounds down");
        assertEquals((short) 0x0000, HalfFloats.f32ToBf16(f(0x00008000)), "subnormal tie to even");
        assertEquals((short) 0x0002, HalfFloats.f32ToBf16(f(0x00018000)), "subnormal tie to even");
        assertEquals((short) 0x7f7f, HalfFloats.f32ToBf16(f(0x7f7f7fff)), "largest that stays finite");
        assertEquals((short) 0x7f80, HalfFloats.f32ToBf16(Float.MAX_VALUE), "max float rounds to infinity");
        assertEquals((short) 0xff80, HalfFloats.f32ToBf16(Float.NEGATIVE_INFINITY));
        assertEquals((short) 0x7fc0, HalfFloats.f32ToBf16(Float.NaN));
        short fromSignalling = HalfFloats.f32ToBf16(f(0x7f800001));
        assertTrue(Float.isNaN(HalfFloats.bf16ToF32(fromSignalling)), "NaN with only low payload bits stays NaN");
        assertEquals((short) 0xffc0, HalfFloats.f32ToBf16(f(0xff800001)), "negative NaN keeps its sign");
    }

    @Test
    void f16WidensExactly() {
        assertEquals(0f, HalfFloats.f16ToF32((short) 0x0000));
        assertEquals(0x80000000, bits(HalfFloats.f16ToF32((short) 0x8000)), "-0 keeps its sign");
        assertEquals(1.0f, HalfFloats.f16ToF32((short) 0x3c00));
        assertEquals(-2.0f, HalfFloats.f16ToF32((short) 0xc000));
        assertEquals(65504f, HalfFloats.f16ToF32((short) 0x7bff), "max");
        assertEquals(0x1p-24f, HalfFloats.f16ToF32((short) 0x0001), "smallest subnormal");
        assertEquals(-0x1p-24f, HalfFloats.f16ToF32((short) 0x8001));
        assertEquals(6.097555160522461e-05f, HalfFloats.f16ToF32((short) 0x03ff), "largest subnormal");
        assertEquals(6.103515625e-05f, HalfFloats.f16ToF32((short) 0x0400), "smallest normal");
        assertEquals(Float.POSITIVE_INFINITY, HalfFloats.f16ToF32((short) 0x7c00));
        assertEquals(Float.NEGATIVE_INFINITY, HalfFloats.f16ToF32((short) 0xfc00));
        assertTrue(Float.isNaN(HalfFloats.f16ToF32((short) 0x7e00)));
        assertTrue(Float.isNaN(HalfFloats.f16ToF32((short) 0x7c01)), "signalling NaN stays NaN");
    }

    /** F32 bits and the F16 bits numpy's {@code astype(np.float16)} gives for them. */
    @Test
    void f16NarrowsAsNumpyDoes() {
        int[][] cases = {
            {0x00000000, 0x0000}, {0x80000000, 0x8000}, {0x3f800000, 0x3c00}, {0xc0000000, 0xc000},
            {0x477fe000, 0x7bff}, {0x477feffd, 0x7bff}, {0x477ff000, 0x7c00}, {0x322bcc77, 0x0000},
            {0x33800000, 0x0001}, {0x33000000, 0x0000}, {0x33000001, 0x0001}, {0x33400000, 0x0001},
            {0x38800000, 0x0400}, {0x387fc000, 0x03ff}, {0x3f801000, 0x3c00}, {0x3f803000, 0x3c02},
            {0x3dcccccd, 0x2e66}, {0xc0490fdb, 0xc248}, {0x7f800000, 0x7c00}, {0xff800000, 0xfc00},
            {0x501502f9, 0x7c00}, {0x33c00000, 0x0002}, {0x387fda40, 0x03ff},
        };
        for (int[] c : cases) {
            assertEquals((short) c[1], HalfFloats.f32ToF16(f(c[0])), () -> "f32 0x" + Integer.toHexString(c[0]));
        }
        assertTrue(Float.isNaN(HalfFloats.f16ToF32(HalfFloats.f32ToF16(f(0x7f800001)))), "NaN stays NaN");
    }

    @Test
    void everyF16SurvivesARoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float wide = HalfFloats.f16ToF32((short) h);
            short back = HalfFloats.f32ToF16(wide);
            if (Float.isNaN(wide)) {
                assertTrue(Float.isNaN(HalfFloats.f16ToF32(back)));
            } else {
                assertEquals((short) h, back, "f16 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void f16NarrowingMatchesAPlainNearestSearch() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            // exponents from far below the subnormals to above the F16 range
            int exponent = 127 + random.nextInt(-30, 18);
            float x = f((random.nextInt(2) << 31) | (exponent << 23) | random.nextInt(1 << 23));
            assertEquals(referenceF16(x), HalfFloats.f32ToF16(x), "f32 " + x);
        }
        for (int h = 0; h < 0x7bff; h++) { // every exact midpoint between neighbouring F16 values
            double mid = ((double) HalfFloats.f16ToF32((short) h) + HalfFloats.f16ToF32((short) (h + 1))) / 2;
            if ((float) mid == mid) {
                assertEquals(referenceF16((float) mid), HalfFloats.f32ToF16((float) mid), "midpoint after 0x" + h);
            }
        }
    }

    /** The nearest F16 by binary search over the ordered positive encodings, ties to the even one. */
    private static short referenceF16(float x) {
        int sign = x < 0 || bits(x) == 0x80000000 ? 0x8000 : 0;
        double a = Math.abs((double) x);
        if (a >= 65520) {
            return (short) (sign | 0x7c00);
        }
        int lo = 0;
        int hi = 0x7bff;
        while (lo < hi) { // largest h with value(h) <= a
            int mid = (lo + hi + 1) >>> 1;
            if (HalfFloats.f16ToF32((short) mid) <= a) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        if (lo == 0x7bff) {
            return (short) (sign | lo);
        }
        double below = a - HalfFloats.f16ToF32((short) lo);
        double above = HalfFloats.f16ToF32((short) (lo + 1)) - a;
        int pick = below < above ? lo : above < below ? lo + 1 : (lo % 2 == 0 ? lo : lo + 1);
        return (short) (sign | pick);
    }
}
