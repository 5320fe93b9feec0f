package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class EquationCheckTest {
    @Test
    void flagsFalseLoneEquationsOnly() {
        assertEquals("51 + 198 = 259", EquationCheck.firstFalse(" 51 + 198 = 259 dollars."));
        assertEquals("1366 + 114 = 1430", EquationCheck.firstFalse("Step 3: 1366 + 114 = 1430 marbles."));
        assertEquals("9 × 3 = 28", EquationCheck.firstFalse("So 2 + 2 = 4 and 9 × 3 = 28."));
        assertEquals("1,200 - 300 = 800", EquationCheck.firstFalse("1,200 - 300 = 800"));
        assertNull(EquationCheck.firstFalse(" 51 + 198 = 249 dollars.\nStep 2: 249 / 3 = 83 each."));
        assertNull(EquationCheck.firstFalse("1,200 - 300 = 900 and 0.5 * 3 = 1.5"));
        assertNull(EquationCheck.firstFalse("10 / 3 = 3.33 per person"), "a rounded quotient");
        assertNull(EquationCheck.firstFalse("2 + 3 * 4 = 14"), "part of a longer expression: not judged");
        assertNull(EquationCheck.firstFalse("x = 2 + 3 = 5 + 1 = 6"), "a chain: not judged");
        assertNull(EquationCheck.firstFalse("$5 + 3 = $8"));
        assertNull(EquationCheck.firstFalse("There are 12 apples."));
        assertNull(EquationCheck.firstFalse(null));
    }
}
