package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Pathological input must come back within its time limit, as a mismatch. */
class TimeLimitTest {

    private static String list(IntStream range) {
        return range.mapToObj(k -> k + "x").collect(Collectors.joining(","));
    }

    /**
     * 1000 symbolic elements against the same list reversed with one element changed: finding
     * that out takes ~500,000 symbolic comparisons, far more than the limit allows.
     */
    @Test
    void slowComparisonStopsAtItsTimeLimit() {
        String pred = list(IntStream.rangeClosed(1, 1000).map(k -> k % 1000));
        String gold = list(IntStream.range(1, 1000).map(k -> 1000 - k)) + ",y";
        long start = System.nanoTime();
        boolean result = Equivalence.equivalent(pred, gold, 100);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(false, result);
        assertEquals(true, millis < 600, "took " + millis + " ms for a 100 ms limit");
    }

    @Test
    void theDeadlineIsCheckedInsideEvaluation() {
        assertEquals(true, Equivalence.equivalent("(x+1)^2", "x^2+2x+1", 1_000));
        assertEquals(false, Equivalence.equivalent("(x+1)^2", "x^2+2x+1", 0));
    }

    @Test
    void hugeAndDeepInputsReturnQuickly() {
        List<String[]> cases = List.of(
                new String[] {"(".repeat(5000) + "x" + ")".repeat(5000), "x"},
                new String[] {"\\sqrt{".repeat(3000) + "2" + "}".repeat(3000), "1"},
                new String[] {"10^{10^{10^{10}}}!", "5"},
                new String[] {"2^{2^{2^{2^{2^{2}}}}}", "2"},
                new String[] {"\\binom{10^{9}}{5*10^8}", "3"},
                new String[] {"x".repeat(50_000), "x".repeat(49_999) + "y"},
                new String[] {"{".repeat(20_000), "1"},
                new String[] {"5 " + "cm ".repeat(3000), "5"});
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (String[] c : cases) {
                long start = System.nanoTime();
                Equivalence.equivalent(c[0], c[1]);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(true, millis <= Equivalence.DEFAULT_TIME_LIMIT_MILLIS + 200,
                        "took " + millis + " ms: " + c[0].substring(0, Math.min(20, c[0].length())));
            }
        });
    }

    @Test
    void aGradeHasABudgetAcrossComparisons() {
        String slow = list(IntStream.rangeClosed(1, 1000).map(k -> k % 1000));
        String completion = ("\\boxed{" + slow + "} ").repeat(20);
        String gold = list(IntStream.range(1, 1000).map(k -> 1000 - k)) + ",y";
        long start = System.nanoTime();
        Grade g = Grader.gradeCompletion(completion, List.of(gold, "1"));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(false, g.correct());
        assertEquals(true, millis < Grader.TIME_LIMIT_MILLIS + 1_000, "took " + millis + " ms");
    }
}
