package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
    private static final double LR = 5e-7;
    private static final double TOL = 1e-20;

    @Test
    void cosineWithOneWarmupStep() {
        LrSchedule s = LrSchedule.of("cosine", LR, 10, 0.1);
        assertEquals(1, s.warmupSteps());
        assertEquals(0.0, s.at(0), TOL); // the first update warms up from 0, as HF's LambdaLR
        assertEquals(LR, s.at(1), TOL);
        assertEquals(0.75 * LR, s.at(4), TOL); // progress 3/9: 0.5 * (1 + cos(pi/3))
        assertEquals(0.25 * LR, s.at(7), TOL); // progress 6/9: 0.5 * (1 + cos(2pi/3))
        assertEquals(0.0, s.at(10), TOL);
    }

    @Test
    void linearWithTwoWarmupSteps() {
        LrSchedule s = LrSchedule.of("linear", 1.0, 10, 0.2);
        assertEquals(2, s.warmupSteps());
        assertEquals(0.0, s.at(0));
        assertEquals(0.5, s.at(1));
        assertEquals(1.0, s.at(2)); // (10 - 2) / (10 - 2)
        assertEquals(0.5, s.at(6)); // (10 - 6) / 8
        assertEquals(0.125, s.at(9));
        assertEquals(0.0, s.at(10));
    }

    @Test
    void constantAfterWarmup() {
        LrSchedule s = LrSchedule.of("constant", 2.0, 8, 0.25);
        assertEquals(2, s.warmupSteps());
        assertEquals(0.0, s.at(0));
        assertEquals(1.0, s.at(1));
        assertEquals(2.0, s.at(2));
        assertEquals(2.0, s.at(8));
        assertEquals(2.0, LrSchedule.of("constant_with_warmup", 2.0, 8, 0).at(0));
    }

    @Test
    void withoutWarmupTheFirstUpdateUsesTheBaseRate() {
        assertEquals(3.0, LrSchedule.of("cosine", 3.0, 4, 0).at(0));
        assertEquals(1.5, LrSchedule.of("cosine", 3.0, 4, 0).at(2), 1e-15); // progress 1/2: cos(pi/2) = 0
        assertEquals(3.0, LrSchedule.of("linear", 3.0, 4, 0).at(0));
        assertEquals(0.75, LrSchedule.of("linear", 3.0, 4, 0).at(3));
    }

    @Test
    void warmupStepsRoundUpInDoubleArithmeticAsHf() {
        assertEquals(8, LrSchedule.of("cosine", LR, 100, 0.07).warmupSteps()); // 100 * 0.07 = 7.000000000000001
        assertEquals(1, LrSchedule.of("cosine", LR, 10, 0.1).warmupSteps());
        assertEquals(1, LrSchedule.of("cosine", LR, 7, 0.1).warmupSteps()); // ceil(0.7)
        assertEquals(0, LrSchedule.of("cosine", LR, 7, 0).warmupSteps());
        assertEquals(7, LrSchedule.of("linear", LR, 7, 1).warmupSteps());
        assertEquals(6.0 / 7, LrSchedule.of("linear", 1.0, 7, 1).at(6), 1e-15); // all warm-up
    }

    @Test
    void refusesBadValuesNamingThem() {
        String msg = assertThrows(IllegalArgumentException.class, () -> LrSchedule.Kind.parse("polynomial")).getMessage();
        assertTrue(msg.contains("--lr-scheduler") && msg.contains("polynomial") && msg.contains("cosine, linear, constant"), msg);
        assertEquals(LrSchedule.Kind.COSINE, LrSchedule.Kind.parse(" Cosine "));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("cosine", LR, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("cosine", LR, 10, 1.5));
        assertThrows(IllegalArgumentException.class, () -> LrSchedule.of("cosine", -LR, 10, 0.1));
        LrSchedule s = LrSchedule.of("cosine", LR, 10, 0.1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> s.at(11)).getMessage().contains("11"));
        assertThrows(IllegalArgumentException.class, () -> s.at(-1));
    }
}
