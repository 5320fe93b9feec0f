package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AnswerNormalizerTest {

    private static void check(String expected, String raw) {
        assertEquals(expected, AnswerNormalizer.normalize(raw), raw);
    }

    @Test
    void unwrapsTextCommands() {
        check("(A)", "\\text{(A)}");
        check("(B)", "\\textbf{(B)}");
        check("Saturday", "\\mbox{Saturday}");
        check("June20", "\\text{June 20}");
        check("ellipse", "\\mathrm{ellipse}");
        check("5", "\\boxed{\\boxed{5}}");
    }

    @Test
    void fractionsAndRoots() {
        check("\\frac{1}{2}", "\\dfrac{1}{2}");
        check("\\frac{1}{2}", "\\tfrac12");
        check("\\frac{1}{2}", "1/2");
        check("-\\frac{3}{4}", "-3/4");
        check("\\frac{\\sqrt{6}}{3}", "\\frac{\\sqrt6}3");
        check("\\frac{\\pi}{4}", "\\frac\\pi4");
        check("\\frac{1}{72}", "\\frac 1{72}");
        check("10\\sqrt{2}", "10\\sqrt 2");
        check("\\sqrt[3]{2}", "\\sqrt[3]2");
        check("\\frac{31}{5}", "6\\frac{1}{5}");
    }

    @Test
    void dropsSpacingSizingDollarsAndDegrees() {
        check("(1,\\frac{9}{2})", "\\left( 1, \\frac{9}{2} \\right)");
        check("\\sqrt{33}", "\\!\\sqrt{33}");
        check("40", "\\$40");
        check("45", "45^\\circ");
        check("45", "45^{\\circ}");
        check("45", "45°");
        check("50", "50\\%");
        check("2*3", "2 \\cdot 3");
    }

    @Test
    void dropsUnits() {
        check("5", "5\\text{ cm}");
        check("440", "440\\text{ cm}^2");
        check("864", "864 \\mbox{ inches}^2");
        check("8\\sqrt{3}", "8\\sqrt{3} \\text { square inches}");
        check("18", "18 inches");
        check("7", "7 sq ft");
        check("12", "12 eggs");
        check("2x", "2 x");
        check("(E)", "(\\text{E})");
    }

    @Test
    void thousandsSeparatorsOutsideBrackets() {
        check("1000", "1,000");
        check("1000", "1{,}000");
        check("1000", "1\\,000");
        check("11111111100", "11,\\! 111,\\! 111,\\! 100");
        check("\\frac{12}{5525}", "\\frac{12}{5,525}");
        check("(1,000)", "(1,000)");
        check("7,9,12,13", "7,9,12,13");
        check("1,2", "1, 2");
    }

    @Test
    void numbersAndLeftSides() {
        check("5", "5.0");
        check("5", "5.00");
        check("0.5", ".5");
        check("18.90", "18.90");
        check("5", "x = 5");
        check("2x+1", "f(x) = 2x + 1");
        check("\\pi", "\\theta = \\pi");
        check("(1,2)", "(x, y) = (1, 2)");
        check("[-2,7]", "x \\in [-2,7]");
        check("a+b=5", "a + b = 5");
        check("7,-2,-5", "7, -2, \\text{ and } -5");
        check("19,43", "19 \\text{ and }43");
        check("(-\\infty,\\infty)", "\\mathbb{R}");
        check("", null);
    }
}
