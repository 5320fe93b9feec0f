package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A labelled set: for each category, value-preserving rewrites of a reference answer must be
 * equivalent and value-changing edits must not be. Each row is {pred, gold}.
 */
class EquivalenceTest {

    static final String[][] SAME = {
        // numbers, fractions, decimals
        {"5", "5"}, {"5.0", "5"}, {"5.00", "5"}, {"-3", "-3"}, {"+3", "3"}, {"0.5", "\\frac{1}{2}"},
        {"1/2", "\\frac{1}{2}"}, {"\\dfrac{1}{2}", "\\frac12"}, {"\\tfrac12", "0.5"}, {".5", "0.5"},
        {"\\frac{-1}{2}", "-\\frac{1}{2}"}, {"-0.5", "-\\frac{1}{2}"}, {"\\frac{2}{4}", "\\frac{1}{2}"},
        {"0.333", "\\frac{1}{3}"}, {"0.3334", "\\frac13"}, {"1.0005", "1"}, {"0.0001", "0.0000672"}, {"0.6667", "\\frac{2}{3}"}, {"18.90", "18.9"},
        {"1\\frac{2}{3}", "\\frac{5}{3}"}, {"\\frac{25}{13}", "1\\frac{12}{13}"},
        {"1,000", "1000"}, {"1{,}000", "1000"}, {"1\\,000", "1000"}, {"15,\\!000", "15000"},
        {"1,000,000", "10^6"}, {"\\$18", "18"}, {"18 dollars", "18"}, {"\\$1,234.50", "1234.5"},
        {"2^{10}", "1024"}, {"5!", "120"}, {"\\binom{5}{2}", "10"}, {"10^{-3}", "0.001"},
        {"\\frac{1}{3}+\\frac{1}{6}", "\\frac12"}, {"3\\cdot 4", "12"}, {"3 \\times 4", "12"},
        {"12345678901234567890", "12345678901234567890"},
        // units and degrees
        {"5\\text{ cm}", "5"}, {"5 \\text{ cm}^2", "5"}, {"12 inches", "12"}, {"7 sq ft", "7"},
        {"45^\\circ", "45"}, {"45^{\\circ}", "45"}, {"45°", "45"}, {"45 degrees", "45"},
        {"30 \\mbox{ units}", "30"}, {"575\\text{ students}", "575"}, {"12 eggs", "12"},
        // percentages
        {"10\\%", "10"}, {"10%", "10\\%"}, {"0.1", "10\\%"}, {"50\\%", "0.5"}, {"44\\%", "44%"},
        {"25 percent", "0.25"}, {"7.2\\%", "7.2%"},
        // short left sides and equations
        {"x = 5", "5"}, {"x=5", "x = 5"}, {"k = \\frac{3}{2}", "\\frac32"}, {"f(x) = 2x+1", "2x+1"},
        {"y = 2x + 1", "2x - y + 1 = 0"}, {"-2x+y-1=0", "y=2x+1"}, {"2y = 4x + 2", "y = 2x + 1"},
        {"x^2+y^2=13", "y^2 + x^2 = 13"}, {"x \\in [-2,7]", "[-2,7]"}, {"\\theta = \\pi", "\\pi"},
        {"(x, y) = (1, 2)", "(1,2)"},
        // roots, pi, i, functions
        {"2\\sqrt{2}", "\\sqrt{8}"}, {"\\sqrt8", "2\\sqrt2"}, {"2.828", "2\\sqrt{2}"},
        {"\\frac{\\sqrt{3}}{2}", "\\sqrt{3}/2"}, {"\\frac{\\sqrt3}{2}", "0.866"},
        {"\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}"}, {"\\sqrt[3]{8}", "2"}, {"2^{1/3}", "\\sqrt[3]{2}"},
        {"\\sqrt[3]{-8}", "-2"}, {"2\\pi", "\\pi \\cdot 2"}, {"\\frac{\\pi}{4}", "\\frac{1}{4}\\pi"},
        {"5 - 10i", "5-10i"}, {"-10i+5", "5-10i"}, {"\\frac{7}{5}+\\frac{1}{5}i", "\\frac{7+i}{5}"},
        {"\\sqrt{-4}", "2i"}, {"e^{i\\pi}", "-1"}, {"\\log_2 8", "3"}, {"\\ln 1", "0"},
        {"\\sin^2 x + \\cos^2 x", "1"}, {"\\sin \\frac{\\pi}{6}", "\\frac12"}, {"2\\cos15", "2\\cos 15"},
        {"|-3|", "3"}, {"\\lfloor 3.7 \\rfloor", "3"}, {"e^{\\ln 5}", "5"},
        // symbolic expressions
        {"3x+2", "2+3x"}, {"(x+1)^2", "x^2+2x+1"}, {"\\frac{x^2-1}{x-1}", "x+1"},
        {"6p^4+5p^2-4", "5p^2 + 6p^4 - 4"}, {"\\frac{h^2}{m}", "h^2/m"}, {"2\\tan x", "2\\tan{x}"},
        {"x(x+1)", "x^2+x"}, {"\\frac{1}{2}x", "x/2"}, {"0.5x", "\\frac{x}{2}"}, {"ab", "ba"},
        {"\\sqrt{x^2}", "|x|"}, {"2\\pi r", "2r\\pi"}, {"2 pi", "2\\pi"}, {"x^{2/3}", "\\sqrt[3]{x^2}"}, {"a_1 + a_2", "a_2 + a_1"},
        // tuples, intervals, unions
        {"(1,2)", "(1, 2)"}, {"\\left(1,\\frac{9}{2}\\right)", "(1,4.5)"}, {"[1,2)", "\\left[1, 2\\right)"},
        {"(-\\infty, 3)", "(-\\infty,3)"}, {"(-\\infty,-8)\\cup(8,\\infty)", "(8,\\infty)\\cup(-\\infty,-8)"},
        {"[0,\\infty)", "[0, \\infty)"}, {"(1, 000)", "(1,0)"}, {"(\\frac{1}{2}, \\frac{\\sqrt{3}}{2})", "(0.5, \\frac{\\sqrt3}{2})"},
        {"\\{-1\\} \\cup [0,7)", "\\{-1\\}\\cup[0,7)"}, {"\\varnothing", "\\emptyset"}, {"\\{\\}", "\\emptyset"},
        // sets and lists
        {"\\{1,2\\}", "\\{2,1\\}"}, {"1, 2", "2,1"}, {"2, 1", "1,2"}, {"\\{1, 2\\}", "1,2"},
        {"-3, 3", "3,-3"}, {"7, -2, \\text{ and } -5", "-5,7,-2"}, {"19 \\text{ and } 43", "19,43"},
        {"1+\\sqrt{19}, 1-\\sqrt{19}", "1\\pm\\sqrt{19}"}, {"\\text{A, D}", "A,D"},
        // matrices and vectors
        {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"},
        {"\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}", "\\begin{pmatrix}1&2\\\\3&4\\end{pmatrix}"},
        {"\\begin{pmatrix} 0.5 \\\\ \\frac{1}{3} \\end{pmatrix}", "\\begin{pmatrix}1/2\\\\1/3\\end{pmatrix}"},
        {"(1, 2, 3)", "\\begin{pmatrix}1\\\\2\\\\3\\end{pmatrix}"},
        {"\\left(\\begin{matrix} 1 \\\\ 2 \\end{matrix}\\right)", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"},
        // text and multiple choice
        {"\\text{(C)}", "C"}, {"(C)", "\\text{(C)}"}, {"C", "(C)"}, {"\\textbf{(A)}", "A"},
        {"\\text{Saturday}", "Saturday"}, {"saturday", "Saturday"}, {"\\text{even}", "even"},
        {"\\text{June 20}", "June20"}, {"4:30 p.m.", "4:30"}, {"\\text{1:03 PM}", "1:03PM"},
        {"\\mathrm{ellipse}", "ellipse"}, {"\\text{Devon}", "Devon"}, {"(B) 5", "B"}, {"B)", "(B)"},
        // more numbers and expressions a model writes differently from the reference
        {"\\frac{10}{3}", "3\\frac{1}{3}"}, {"3.333", "\\frac{10}{3}"}, {"\\frac{3}{4}", "0.75"},
        {"75\\%", "\\frac{3}{4}"}, {"\\frac{1}{2}", "50\\%"}, {"0.25", "25\\%"}, {"2.50", "\\frac52"},
        {"14,400", "14400"}, {"\\$15,\\!000", "15,000"}, {"-\\$0.50", "-0.5"}, {"\\$0.20", "0.2"},
        {"\\frac{\\pi}{2}", "\\pi/2"}, {"\\pi r^2", "r^2\\pi"}, {"4\\pi", "12.566"},
        {"\\frac{9\\pi}{4}", "2.25\\pi"}, {"2+3i", "3i+2"}, {"(2+i)(2-i)", "5"}, {"\\sqrt{12}", "2\\sqrt3"},
        {"\\frac{2\\sqrt{53}+53}{53}", "1+\\frac{2}{\\sqrt{53}}"}, {"x^{2}", "x^2"}, {"x**2", "x^2"},
        {"\\sqrt{2}/2", "\\frac{1}{\\sqrt{2}}"}, {"\\mathbb{R}", "(-\\infty,\\infty)"},
        {"y = -\\frac{1}{2}x^2 + 4x - 6", "y=-\\frac{1}{2}x^2+4x-6"}, {"x - 3z = 0", "3z - x = 0"},
        {"20x + 23y + 26z - 69 = 0", "40x+46y+52z=138"}, {"-2 \\le x \\le 7", "[-2,7]"},
        {"-2 \\leq x < 7", "[-2,7)"}, {"x > 3", "(3,\\infty)"}, {"x \\ge 3", "[3, \\infty)"},
        {"7 > x > -2", "(-2,7)"}, {"0.\\overline{3}", "\\frac13"}, {"0.1\\overline{6}", "\\frac{1}{6}"},
        {"\\approx 3.142", "\\pi"}, {"1011_{2}", "1011_2"}, {"x = 2 \\text{ or } x = -3", "-3, 2"},
        {"\\frac{3}{4} \\text{ cups}", "0.75"}, {"25^\\circ \\text{C}", "25"}, {"\\frac{1}{5}", "20%"}, {"\\begin{pmatrix} 48/65 \\\\ 6/65 \\end{pmatrix}",
            "\\begin{pmatrix}\\frac{48}{65}\\\\\\frac{6}{65}\\end{pmatrix}"},
    };

    static final String[][] DIFFERENT = {
        // numbers
        {"5", "6"}, {"-5", "5"}, {"4", "5"}, {"0.3", "\\frac{1}{3}"}, {"0.126", "0.125"}, {"-0.0001", "0.0001"}, {"1.001", "1"}, {"0.3323", "\\frac13"}, {"0.33", "\\frac{1}{3}"},
        {"\\frac{1}{999}", "\\frac{1}{1000}"}, 
        {"3.14", "\\pi"}, {"3", "\\pi"}, {"1.41", "\\sqrt{2}"}, {"12345678901234567891", "12345678901234567890"},
        {"1000001", "1000000"}, {"\\frac{1}{2}", "2"}, {"\\frac{2}{1}", "\\frac{1}{2}"}, {"1/2", "2/1"},
        {"23", "2\\cdot3"}, {"2^{40}", "1099511627777"}, {"100", "1000"}, {"1,001", "1000"},
        {"", "5"}, {"5", ""}, {"\\frac{5}{3}", "1\\frac{2}{5}"},
        // percentages need a percent sign
        {"50", "0.5"}, {"0.5", "50"}, {"0.1", "10"}, {"10\\%", "1"}, {"5\\%", "0.5"},
        // equations and left sides
        {"y = 2x + 1", "y = 2x - 1"}, {"y = 2x + 1", "2x + y + 1 = 0"}, {"x = 5", "6"}, {"x = 5", "x = -5"},
        {"x^2+y^2=13", "x^2+y^2=14"}, {"a+b=5", "5"}, {"y = 2x+1", "0 = 0"},
        // roots, pi, i
        {"\\sqrt{3}", "\\sqrt{2}"}, {"2\\sqrt{3}", "3\\sqrt{2}"}, {"\\frac{\\pi}{4}", "\\frac{\\pi}{3}"},
        {"5+10i", "5-10i"}, {"i", "-i"}, {"\\sqrt[3]{2}", "\\sqrt{2}"}, {"e", "2.71"},
        // symbolic
        {"x+1", "x-1"}, {"2x", "x^2"}, {"(x+1)^2", "x^2+1"}, {"x", "y"}, {"3x+2", "2x+3"},
        {"\\frac{x}{2}", "\\frac{2}{x}"}, {"\\sqrt{x^2}", "x"}, {"|x|", "x"}, {"2 pi", "2"}, {"x", "5"}, {"\\sin x", "\\cos x"}, {"abc", "cba"},
        // tuples, intervals, unions
        {"(1,2)", "(2,1)"}, {"(1,2]", "(1,2)"}, {"[1,2)", "(1,2)"}, {"[1,2]", "(1,2)"}, {"(1,2)", "[1,2]"},
        {"(1,2,3)", "(1,2)"}, {"(-\\infty,3)", "(-\\infty,3]"}, {"(-\\infty,3)", "(3,\\infty)"},
        {"(-\\infty,-8)\\cup(8,\\infty)", "(-\\infty,-8]\\cup[8,\\infty)"}, {"(1,2)", "1,2"}, {"(1, 2)", "2, 1"},
        {"(1,000)", "1000"}, {"\\infty", "-\\infty"}, {"(-\\infty,3)\\cup(3,\\infty)", "(-\\infty,3)"},
        // sets and lists
        {"\\{1,2\\}", "\\{1,2,3\\}"}, {"1,2", "1,2,3"}, {"1,2,3", "1,2"}, {"1, 2", "1, -2"},
        {"\\{1,2\\}", "\\{1,3\\}"}, {"1,1", "1,2"}, {"1+\\sqrt{19}", "1\\pm\\sqrt{19}"},
        // matrices
        {"\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\begin{pmatrix}2\\\\1\\end{pmatrix}"},
        {"\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}", "\\begin{pmatrix}1&3\\\\2&4\\end{pmatrix}"},
        {"\\begin{pmatrix} 1 & 2 \\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\\\0\\end{pmatrix}"},
        {"[1, 2]", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"},
        // text and multiple choice
        {"\\text{(C)}", "D"}, {"C", "(D)"}, {"c", "C"}, {"A", "A,B"}, {"\\text{even}", "odd"},
        {"Saturday", "Sunday"}, {"4:30 p.m.", "4:30 a.m."}, {"\\text{neither}", "even"},
        {"MAKE", "KEMA"}, {"5", "\\text{five}"}, {"(B) 5", "C"}, {"Devon", "Evelyn"},
        // more value-changing edits
        {"\\frac{10}{3}", "3.33"}, {"\\frac{3}{4}", "0.7"}, {"75", "\\frac34"}, {"14,401", "14400"},
        {"\\frac{\\pi}{2}", "\\pi"}, {"\\pi r^2", "2\\pi r"}, {"4\\pi", "12.56"}, {"2+3i", "3+2i"},
        {"\\sqrt{12}", "3\\sqrt2"}, {"4400", "44%"}, {"50\\%", "5000"}, {"20", "\\frac15"},
        {"x < 3", "(-\\infty,3]"}, {"-2 \\le x < 7", "[-2,7]"}, {"x > 3", "(-\\infty,3)"},
        {"0.\\overline{3}", "0.3"}, {"x = 2 \\text{ or } x = -3", "2"}, {"1011_2", "1011_3"}, {"x^3", "x^2"}, {"-x^2", "x^2"}, {"\\frac{1}{x}", "x"},
        {"y = -\\frac{1}{2}x^2 + 4x - 6", "y=\\frac{1}{2}x^2+4x-6"}, {"x - 3z = 0", "x + 3z = 0"},
        {"\\begin{pmatrix} 48/65 \\\\ 6/65 \\end{pmatrix}", "\\begin{pmatrix}48/65\\\\5/65\\end{pmatrix}"},
    };

    static Stream<Arguments> same() {
        return Stream.of(SAME).map(r -> Arguments.of(r[0], r[1]));
    }

    static Stream<Arguments> different() {
        return Stream.of(DIFFERENT).map(r -> Arguments.of(r[0], r[1]));
    }

    @ParameterizedTest(name = "{0} == {1}")
    @MethodSource("same")
    void valuePreservingRewritesAreEquivalent(String pred, String gold) {
        assertEquals(true, Equivalence.equivalent(pred, gold), pred + " vs " + gold);
    }

    @ParameterizedTest(name = "{0} != {1}")
    @MethodSource("different")
    void valueChangingEditsAreNotEquivalent(String pred, String gold) {
        assertEquals(false, Equivalence.equivalent(pred, gold), pred + " vs " + gold);
    }

    @Test
    void labelledSetHasNoFalsePositivesAndFewFalseNegatives() {
        List<String> wrong = new ArrayList<>();
        for (String[] r : SAME) {
            if (!Equivalence.equivalent(r[0], r[1])) {
                wrong.add("missed " + r[0] + " == " + r[1]);
            }
        }
        for (String[] r : DIFFERENT) {
            if (Equivalence.equivalent(r[0], r[1])) {
                wrong.add("false positive " + r[0] + " == " + r[1]);
            }
        }
        assertEquals(List.of(), wrong);
        assertEquals(true, SAME.length >= 150 && DIFFERENT.length >= 100,
                "labelled set sizes " + SAME.length + "/" + DIFFERENT.length);
    }

    @Test
    void equivalenceIsSymmetricOnTheLabelledSet() {
        for (String[] r : SAME) {
            assertEquals(true, Equivalence.equivalent(r[1], r[0]), r[1] + " vs " + r[0]);
        }
        for (String[] r : DIFFERENT) {
            assertEquals(false, Equivalence.equivalent(r[1], r[0]), r[1] + " vs " + r[0]);
        }
    }
}
