package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class StepPlanTest {
    @Test
    void everyEpochVisitsEveryExampleOnce() {
        StepPlan plan = new StepPlan(10, 2, 2, 1, 3, 0, 42);
        assertEquals(4, plan.globalBatch());
        assertEquals(3, plan.stepsPerEpoch());
        assertEquals(9, plan.totalSteps());
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] seen = IntStream.range(epoch * 3, epoch * 3 + 3).flatMap(s -> Arrays.stream(plan.globalIndices(s)))
                    .sorted().toArray();
            assertArrayEquals(IntStream.range(0, 10).toArray(), seen, "epoch " + epoch);
        }
        assertEquals(2, plan.globalIndices(2).length, "the last batch of an epoch is short");
        assertNotEquals(Arrays.toString(plan.order(0)), Arrays.toString(plan.order(1)), "each epoch reshuffles");
    }

    @Test
    void theGlobalBatchDoesNotDependOnHowItIsSplit() {
        StepPlan one = new StepPlan(12, 1, 4, 1, 1, 0, 7);
        StepPlan two = new StepPlan(12, 2, 2, 1, 1, 0, 7);
        StepPlan accum = new StepPlan(12, 2, 1, 2, 1, 0, 7);
        for (int s = 0; s < one.totalSteps(); s++) {
            assertArrayEquals(one.globalIndices(s), two.globalIndices(s));
            assertArrayEquals(one.globalIndices(s), accum.globalIndices(s));
            int[] g = two.globalIndices(s);
            int[] joined = IntStream.concat(Arrays.stream(two.share(g, 0)), Arrays.stream(two.share(g, 1))).toArray();
            assertArrayEquals(g, joined, "the shares partition the batch in order");
        }
    }

    @Test
    void sharesOfAShortBatchDifferByAtMostOne() {
        StepPlan plan = new StepPlan(5, 3, 1, 1, 1, 0, 1);
        int[] global = {10, 11, 12, 13, 14};
        assertArrayEquals(new int[] {10, 11}, plan.share(global, 0));
        assertArrayEquals(new int[] {12, 13}, plan.share(global, 1));
        assertArrayEquals(new int[] {14}, plan.share(global, 2));
        assertArrayEquals(new int[] {}, plan.share(new int[] {1, 2}, 2));
    }

    @Test
    void maxStepsOverridesEpochsAndWrapsAround() {
        StepPlan plan = new StepPlan(4, 1, 2, 1, 1, 5, 3);
        assertEquals(5, plan.totalSteps());
        assertArrayEquals(plan.globalIndices(0), new StepPlan(4, 1, 2, 1, 9, 0, 3).globalIndices(0));
        assertEquals(2, plan.globalIndices(4).length);
        assertEquals(2.0, plan.epochAt(4));
    }

    @Test
    void noExamplesIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> new StepPlan(0, 1, 1, 1, 1, 0, 0));
    }
}
