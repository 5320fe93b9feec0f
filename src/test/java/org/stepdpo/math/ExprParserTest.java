package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ExprParserTest {

    private static final Deadline NONE = Deadline.afterMillis(60_000);

    private static Complex eval(String text, Map<String, Complex> env) {
        return ExprParser.parse(text, NONE).eval(env, NONE);
    }

    private static double value(String text) {
        Complex c = eval(text, Map.of());
        assertEquals(0, c.im(), 1e-12, text + " has an imaginary part");
        return c.re();
    }

    @Test
    void arithmeticAndPrecedence() {
        assertEquals(7, value("1+2*3"), 1e-12);
        assertEquals(-8, value("-2^3"), 1e-12);
        assertEquals(-9, value("-3^2"), 1e-12);
        assertEquals(512, value("2^3^2"), 1e-9);
        assertEquals(2.5, value("5/2"), 1e-12);
        assertEquals(1024, value("2^10"), 1e-9);
        assertEquals(8, value("2**3"), 1e-12);
        assertEquals(12, value("3\\cdot4"), 1e-12);
        assertEquals(12, value("3\\times 4"), 1e-12);
        assertEquals(2, value("6\\div3"), 1e-12);
    }

    @Test
    void latexCommands() {
        assertEquals(0.5, value("\\frac{1}{2}"), 1e-12);
        assertEquals(0.5, value("\\frac12"), 1e-12);
        assertEquals(Math.sqrt(3) / 2, value("\\frac{\\sqrt{3}}{2}"), 1e-12);
        assertEquals(2, value("\\sqrt[3]{8}"), 1e-12);
        assertEquals(-2, value("\\sqrt[3]{-8}"), 1e-12);
        assertEquals(10, value("\\binom{5}{2}"), 1e-12);
        assertEquals(120, value("5!"), 1e-12);
        assertEquals(3, value("\\lfloor \\pi \\rfloor"), 1e-12);
        assertEquals(4, value("\\lceil \\pi \\rceil"), 1e-12);
        assertEquals(3, value("|-3|"), 1e-12);
        assertEquals(3, value("\\log_2 8"), 1e-12);
        assertEquals(3, value("\\log_{2}(8)"), 1e-12);
        assertEquals(1, value("\\ln e"), 1e-12);
        assertEquals(0.5, value("\\sin\\frac{\\pi}{6}"), 1e-12);
        assertEquals(1, value("\\sin^2(2) + \\cos^2(2)"), 1e-12);
        assertEquals(2 * Math.PI, value("2\\pi"), 1e-12);
        assertEquals(Math.sqrt(2), value("sqrt(2)"), 1e-12);
    }

    @Test
    void implicitMultiplication() {
        Map<String, Complex> env = Map.of("x", Complex.real(2), "y", Complex.real(3), "r", Complex.real(5));
        assertEquals(6, eval("3x", env).re(), 1e-12);
        assertEquals(12, eval("2xy", env).re(), 1e-12);
        assertEquals(2 * Math.sqrt(3) * 2, eval("2\\sqrt{3}x", env).re(), 1e-12);
        assertEquals(Math.sin(2) * Math.cos(2), eval("\\sin x\\cos x", env).re(), 1e-12);
        assertEquals(Math.sin(6), eval("\\sin 3x", env).re(), 1e-12);
        assertEquals(10 * Math.PI, eval("2\\pir", env).re(), 1e-12);
        assertEquals(15, eval("(x+1)(y+2)", env).re(), 1e-12);
    }

    @Test
    void complexNumbers() {
        Complex z = eval("5-10i", Map.of());
        assertEquals(5, z.re(), 1e-12);
        assertEquals(-10, z.im(), 1e-12);
        Complex euler = eval("e^{i\\pi}", Map.of());
        assertEquals(-1, euler.re(), 1e-12);
        assertEquals(0, euler.im(), 1e-12);
        assertEquals(2, eval("\\sqrt{-4}", Map.of()).im(), 1e-12);
    }

    @Test
    void variablesIncludeSubscriptsAndGreekLetters() {
        Set<String> vars = new TreeSet<>();
        ExprParser.parse("a_1 + x_{10}\\theta + \\alpha", NONE).variables(vars);
        assertEquals(Set.of("a_1", "x_10", "\\theta", "\\alpha"), vars);
    }

    @Test
    void decimalLiteralsMakeAnApproximation() {
        assertEquals(false, ExprParser.parse("\\frac{1}{3}", NONE).approximate());
        assertEquals(true, ExprParser.parse("0.866", NONE).approximate());
        assertEquals(true, ExprParser.parse("x+1.25", NONE).approximate());
    }

    @Test
    void overflowIsUndefinedNotZero() {
        assertEquals(false, eval("\\frac{1}{2004!}", Map.of()).finite());
    }

    @Test
    void rejectsWhatIsNotAnExpression() {
        for (String bad : new String[] {"", "1,2", "x=", "(1", "\\foo{1}", "4:30", "1..2", "\\infty",
            "a<b", "(".repeat(500) + "1" + ")".repeat(500), "1+".repeat(1000) + "1"}) {
            assertThrows(IllegalArgumentException.class, () -> ExprParser.parse(bad, NONE), bad);
        }
    }
}
