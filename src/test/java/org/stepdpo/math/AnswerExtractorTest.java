package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerExtractorTest {

    @Test
    void minervaFormatComesFirst() {
        String text = "So $\\boxed{3}$.\nFinal Answer: The final answer is $\\frac{1}{2}$. I hope it is correct.";
        assertEquals(List.of("\\frac{1}{2}"), AnswerExtractor.extract(text));
    }

    @Test
    void everyBoxedAnswerInOrder() {
        String text = "First $\\boxed{3}$, then \\fbox{x+1} and $\\boxed{(1, 2]}$.";
        assertEquals(List.of("3", "x+1", "(1, 2]"), AnswerExtractor.extract(text));
    }

    @Test
    void nestedBracesAreMatched() {
        assertEquals(List.of("\\frac{\\sqrt{3}}{2}"), AnswerExtractor.extract("is $\\boxed{\\frac{\\sqrt{3}}{2}}$."));
        assertEquals(List.of("\\text{(A)}"), AnswerExtractor.extract("Answer: \\boxed{\\text{(A)}}"));
        assertEquals(List.of("\\{1,2\\}"), AnswerExtractor.extract("\\boxed{\\{1,2\\}}"));
        assertEquals(List.of("\\boxed{5}"), AnswerExtractor.extract("\\boxed{\\boxed{5}}"));
    }

    @Test
    void percentAfterTheBoxStaysWithTheAnswer() {
        assertEquals(List.of("50\\%"), AnswerExtractor.extract("The rate is $\\boxed{50}\\%$."));
        assertEquals(List.of("45^\\circ"), AnswerExtractor.extract("$\\boxed{45}^\\circ$"));
    }

    @Test
    void boxedWithoutBraces() {
        assertEquals(List.of("5"), AnswerExtractor.extract("so the answer is $\\boxed 5$."));
        assertEquals(List.of("5"), AnswerExtractor.extract("so \\boxed 5. Done"));
    }

    @Test
    void unclosedBoxFallsBackToLaterRules() {
        assertEquals(List.of("2"), AnswerExtractor.extract("so we get \\boxed{\\frac{1}{2}"));
    }

    @Test
    void answerIsPhrase() {
        assertEquals(List.of("18"), AnswerExtractor.extract("She makes 18.\nThe answer is: 18"));
        assertEquals(List.of("\\frac{1}{2}"), AnswerExtractor.extract("Thus the answer is $\\frac{1}{2}$."));
        assertEquals(List.of("7"), AnswerExtractor.extract("the answer is 3.\nNo wait, the answer is 7."));
    }

    @Test
    void gsm8kHashes() {
        assertEquals(List.of("1,000"), AnswerExtractor.extract("He pays 10*100 = <<10*100=1000>>1000.\n#### 1,000"));
    }

    @Test
    void lastNumberAsTheLastResort() {
        assertEquals(List.of("7.5"), AnswerExtractor.extract("He had 5 apples and then 7.5 pears."));
        assertEquals(List.of("-3"), AnswerExtractor.extract("x ends at -3"));
        assertEquals(List.of("1,234"), AnswerExtractor.extract("a total of 1,234 people"));
    }

    @Test
    void nothingFound() {
        assertEquals(List.of(), AnswerExtractor.extract("I do not know."));
        assertEquals(List.of(), AnswerExtractor.extract(""));
        assertEquals(List.of(), AnswerExtractor.extract(null));
        assertEquals(List.of(), AnswerExtractor.extract("\\boxed{}"));
    }
}
