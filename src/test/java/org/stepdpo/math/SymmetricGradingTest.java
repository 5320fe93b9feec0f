package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Grading with the reference and the prediction read alike ({@link Grader#gradeSymmetric}), and the
 * forms of answers that other projects' test cases showed missing: each pair has a near miss that
 * must stay unequal.
 */
class SymmetricGradingTest {

    @ParameterizedTest(name = "{0} | {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            # solution sets listed in another order, and repeated
            (3,37,3,13),(3,17,3,7),(3,3,2,3)           | (3,3,2,3),(3,17,3,7),(3,37,3,13) | true
            (3,37,3,13),(3,17,3,7)                     | (3,37,3,13),(3,7,3,17)           | false
            $-2, 1, -2, 1$                             | $1,-2$                           | true
            $-2, 1, -2$                                | $1,-2,3$                         | false
            # several boxed answers forming one set
            \\boxed{1}, \\boxed{2}, \\boxed{3}         | $\\{1,2,3\\}$                    | true
            \\boxed{1}, \\boxed{2}                     | $\\{1,2,3\\}$                    | false
            $1$ and $2$ and $3$                        | $\\boxed{1,2,3}$                 | true
            # inequalities and intervals, and the ways of writing relations
            $x \\in [-2,7]$                            | $-2 \\le x \\le 7$               | true
            $x \\in [-2,7]$                            | $-2 < x \\le 7$                  | false
            $x < 3$                                    | We find that $x \\lt 3$          | true
            $x < 3$                                    | We find that $x \\le 3$          | false
            $x \\neq 3$                                | $x != 3$                         | true
            $x <= 1$                                   | $-x >= -1$                       | true
            $x < 1$                                    | $-x < -1$                        | false
            $(0,1)$                                    | $0<f(x)<1$                       | true
            # an equation chain whose last side is the answer; an approximation after the exact value
            $11$                                       | $x = 5+5+1 = 11$                 | true
            $12$                                       | $x = 5+5+1 = 11$                 | false
            $\\frac{1}{3}$                             | $x=1/3\\approx0.33$              | true
            $11$                                       | $x\\approx11$                    | true
            # a labelled answer; a number on the left is not a label, nor is a sum
            $11:21$                                    | $V_1:V_2 = 11:21$                | true
            $11:20$                                    | $V_1:V_2 = 11:21$                | false
            $1$                                        | $A:B = 1$                        | true
            $11a+c$                                    | $7 = 11a+c$                      | false
            $5$                                        | $x+y = 5$                        | false
            # answers stated in prose at the end
            $34$                                       | Final Answer: The largest $n$ is 34. | true
            $35$                                       | Final Answer: The largest $n$ is 34. | false
            $120$                                      | Final Answer: The volume is 120. I hope it is correct. | true
            $\\frac{2}{3}$                             | so the probability that Alice wins is 2/3. | true
            $9$                                        | Answer \\( 9 \\)                 | true
            $9$                                        | Answer \\( 8 \\)                 | false
            """)
    void goldAndPredictionReadAlike(String gold, String pred, boolean equal) {
        Grade g = Grader.gradeSymmetric(gold.replace("\\\\", "\\"), pred.replace("\\\\", "\\"));
        assertEquals(equal, g.correct(), "extracted " + g.extracted() + " from " + pred + " against "
                + AnswerExtractor.extractAnswers(gold.replace("\\\\", "\\")));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            The answer is $\\frac{1}{2}$.              | \\frac{1}{2}
            $$ 9 $$                                    | 9
            \\[ x = 2 \\]                              | x = 2
            7425000                                    | 7425000
            the result is 1,000.99 meters              | 1,000.99
            """)
    void answersComeOutOfTextsAndBareAnswersAlike(String text, String answer) {
        assertEquals(List.of(answer.replace("\\\\", "\\")), AnswerExtractor.extractAnswers(text.replace("\\\\", "\\")));
    }
}
