package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LossScalerTest {
    @Test
    void overflowHalvesAndAWindowOfGoodStepsDoubles() {
        LossScaler s = new LossScaler(8, 3);
        s.update(false);
        s.update(false);
        assertEquals(8, s.scale());
        assertEquals(2, s.goodSteps());
        s.update(true);
        assertEquals(4, s.scale());
        assertEquals(0, s.goodSteps(), "an overflow restarts the window");
        s.update(false);
        s.update(false);
        s.update(false);
        assertEquals(8, s.scale());
        assertEquals(0, s.goodSteps());
    }

    @Test
    void theScaleStopsAtOneAndResumesWhereItWas() {
        LossScaler s = new LossScaler(2, 1000);
        assertTrue(s.canLower());
        s.update(true);
        assertEquals(1, s.scale());
        assertFalse(s.canLower());
        s.update(true);
        assertEquals(LossScaler.MIN_SCALE, s.scale());
        LossScaler r = LossScaler.resumed(512, 999, 1000);
        r.update(false);
        assertEquals(1024, r.scale());
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(0.5, 10));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(Double.POSITIVE_INFINITY, 10));
        assertThrows(IllegalArgumentException.class, () -> new LossScaler(4, 0));
    }
}
