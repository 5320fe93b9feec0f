package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model outputs are graded as they come, whatever they hold: each case below goes through the whole
 * path (extraction from a completion, then comparison) within the grade's time budget and comes back
 * as a grade, and nothing in an answer is run except arithmetic on numbers.
 */
class HostileAnswersTest {
    /** A whole grade's budget plus scheduling slack on a busy two-core machine. */
    private static final long BOUND_MILLIS = Grader.TIME_LIMIT_MILLIS + 2_000;

    private static Grade grade(String completion, String gold) {
        long start = System.nanoTime();
        Grade g = assertTimeoutPreemptively(Duration.ofMillis(BOUND_MILLIS * 2), () ->
                Grader.gradeCompletion(completion, List.of(gold)));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < BOUND_MILLIS, "took " + millis + " ms: " + completion.substring(0, Math.min(40, completion.length())));
        return g;
    }

    private static String boxed(String answer) {
        return "Step 1: so the answer is found.\nThe final answer is $\\boxed{" + answer + "}$. I hope it is correct.";
    }

    @Test
    void deeplyNestedBracesAreGradedWithinTheBudget() {
        assertFalse(grade(boxed("{".repeat(50_000) + "1" + "}".repeat(50_000)), "2").correct());
        assertFalse(grade(boxed("\\frac{".repeat(5_000) + "1}{2" + "}".repeat(5_000)), "1").correct());
        assertFalse(grade(boxed("(".repeat(20_000) + "x"), "x").correct()); // unbalanced
        // 30,000 unclosed boxes: whatever is extracted, a grade comes back in time
        assertTrue(grade("\\boxed{".repeat(30_000) + "3", "4") != null);
        // a balanced, shallow nesting still grades as usual
        assertTrue(grade(boxed("{{{\\frac{1}{2}}}}"), "0.5").correct());
    }

    @Test
    void giganticExponentsAndFactorialsAreNeverComputedInFull() {
        assertFalse(grade(boxed("10^{10^{10}}"), "5").correct());
        assertFalse(grade(boxed("10^{10^{10^{10}}}"), "10^{10^{10}}").correct());
        assertFalse(grade(boxed("(10^{100})!"), "1").correct());
        assertFalse(grade(boxed("9^{9^{9^{9}}} - 9^{9^{9^{9}}} + 1"), "2").correct());
        assertFalse(grade(boxed("1e999999999"), "1").correct());
        // ordinary powers still compare
        assertTrue(grade(boxed("2^{10}"), "1024").correct());
    }

    @Test
    void hundredThousandCharacterAnswersComeBackAsAGrade() {
        String digits = "7".repeat(100_000);
        assertFalse(grade(boxed(digits), "7").correct());
        assertFalse(grade(boxed("x+".repeat(50_000) + "1"), "1").correct());
        assertFalse(grade("The answer is " + "1, ".repeat(50_000), "1").correct());
        // a completion of 100,000 characters with a normal answer at its end is graded on that answer
        assertTrue(grade("a".repeat(100_000) + "\n" + boxed("42"), "42").correct());
        // and the grader's own length cap is what stops the long ones, not a crash
        assertTrue(digits.length() > Equivalence.MAX_ANSWER_LENGTH);
    }

    @Test
    void answersThatLookLikeCodeAreTextNotInstructions(@TempDir Path dir) {
        Path marker = dir.resolve("ran");
        String touch = marker.toString();
        List<String> code = List.of(
                "Runtime.getRuntime().exec(\"touch " + touch + "\")",
                "__import__('os').system('touch " + touch + "')",
                "${jndi:ldap://127.0.0.1:1389/a}",
                "java.lang.System.exit(3)",
                "#{T(java.lang.Runtime).getRuntime().exec('touch " + touch + "')}",
                "$(touch " + touch + ")",
                "eval('1+1')");
        for (String c : code) {
            assertFalse(grade(boxed(c), "2").correct(), c);
            assertFalse(grade(boxed(c), "49").correct(), c);
        }
        assertFalse(Files.exists(marker), "an answer ran a command");
        // arithmetic is what gets evaluated
        assertTrue(grade(boxed("\\frac{98}{2}"), "49").correct());
        assertEquals(true, Equivalence.equivalent("7 \\cdot 7", "49"));
        assertTrue(grade(boxed("{{ 7*7 }}"), "49").correct(), "braces group arithmetic, they are no template");
    }
}
