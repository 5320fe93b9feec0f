package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class GraderTest {

    @Test
    void gradesACompletion() {
        Grade g = Grader.gradeCompletion("So $x = \\boxed{\\dfrac{1}{2}}$.", List.of("\\frac{1}{2}"));
        assertEquals(new Grade(List.of("\\dfrac{1}{2}"), true), g);
        assertEquals("\\dfrac{1}{2}", g.extractedText());
        assertEquals(true, g.valid());
    }

    @Test
    void noAnswerIsInvalidAndWrong() {
        Grade g = Grader.gradeCompletion("I cannot solve this.", List.of("5"));
        assertEquals(false, g.valid());
        assertEquals(false, g.correct());
        assertEquals("", g.extractedText());
        assertEquals(false, Grader.gradeAnswer(" ", List.of("5")).valid());
    }

    @Test
    void oneGoldEveryExtractedAnswerMustMatch() {
        assertEquals(true, Grader.gradeCompletion("\\boxed{5} and again \\boxed{5.0}", List.of("5")).correct());
        assertEquals(false, Grader.gradeCompletion("\\boxed{5} or \\boxed{6}", List.of("5")).correct());
        assertEquals(true, Grader.gradeCompletion("\\boxed{4} and \\boxed{0}", List.of("0,4")).correct());
        assertEquals(false, Grader.gradeCompletion("\\boxed{4}", List.of("0,4")).correct());
    }

    @Test
    void severalGoldsMatchBothWays() {
        List<String> golds = List.of("-\\frac{3}{2}", "-1", "7");
        assertEquals(true, Grader.gradeAnswer("7, -1, -\\frac32", golds).correct());
        assertEquals(true, Grader.gradeCompletion("\\boxed{-1.5}, \\boxed{-1}, \\boxed{7}", golds).correct());
        assertEquals(false, Grader.gradeAnswer("7, -1", golds).correct());
        assertEquals(false, Grader.gradeAnswer("7, -1, -\\frac32, 2", golds).correct());
        assertEquals(true, Grader.gradeAnswer("70, 110", List.of("70", "110")).correct());
        assertEquals(true, Grader.gradeAnswer("70,110", List.of("70", "110")).correct());
        assertEquals(true, Grader.gradeAnswer("35", List.of("35", "35")).correct());
        assertEquals(true, Grader.gradeAnswer("\\text{A, D}", List.of("A", "D")).correct());
        assertEquals(true, Grader.gradeAnswer("7, -2, \\text{ and } -5", List.of("7", "-2", "\\text{and}-5")).correct());
    }

    @Test
    void gsm8kStyle() {
        assertEquals(true, Grader.gradeCompletion("3 + 15 = 18\nThe answer is: 18", List.of("18")).correct());
        assertEquals(true, Grader.gradeCompletion("so $1,200 in total.\n#### 1,200", List.of("1200")).correct());
        assertEquals(false, Grader.gradeCompletion("The answer is: 17", List.of("18")).correct());
    }

    @Test
    void emptyOrMissingGoldsNeverMatch() {
        assertEquals(false, Grader.gradeAnswer("5", List.of()).correct());
        assertEquals(false, Grader.gradeAnswer("5", List.of("")).correct());
        assertEquals(false, Grader.gradeAnswer("5", null).correct());
    }

    @Test
    void percentRequiresASign() {
        assertEquals(false, Grader.gradeAnswer("50", List.of("0.5")).correct());
        assertEquals(true, Grader.gradeAnswer("50\\%", List.of("0.5")).correct());
        assertEquals(true, Grader.gradeCompletion("It is $\\boxed{50}\\%$.", List.of("0.5")).correct());
    }

    @Test
    void concurrentGradingGivesTheSameResultsAsSequential() throws Exception {
        List<String[]> pairs = new ArrayList<>(List.of(EquivalenceTest.SAME));
        pairs.addAll(List.of(EquivalenceTest.DIFFERENT));
        List<Boolean> sequential = new ArrayList<>();
        for (String[] p : pairs) {
            sequential.add(Grader.gradeAnswer(p[0], List.of(p[1])).correct());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<List<Boolean>>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    List<Boolean> out = new ArrayList<>();
                    for (String[] p : pairs) {
                        out.add(Grader.gradeAnswer(p[0], List.of(p[1])).correct());
                    }
                    return out;
                }));
            }
            for (Future<List<Boolean>> run : runs) {
                assertEquals(sequential, run.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
