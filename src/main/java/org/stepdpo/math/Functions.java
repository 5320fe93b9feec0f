package org.stepdpo.math;

import java.util.Set;

/**
 * The functions an {@link Expr.Call} can name. Trigonometric, exponential, logarithm and root
 * functions take complex arguments; the others are defined for real arguments only and give NaN
 * otherwise. Every function runs in constant time whatever its argument.
 */
final class Functions {

    /** Functions of one argument written as commands or plain words ({@code \sin}, {@code ln}). */
    static final Set<String> UNARY = Set.of("sin", "cos", "tan", "cot", "sec", "csc", "arcsin",
            "arccos", "arctan", "sinh", "cosh", "tanh", "exp", "ln", "log", "sqrt");

    private static final Complex NAN = Complex.real(Double.NaN);
    private static final double[] LANCZOS = {0.99999999999980993, 676.5203681218851,
        -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
        -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7};

    private Functions() {
    }

    /** Applies the function {@code name} to {@code a}. */
    static Complex apply(String name, Complex... a) {
        Complex x = a[0];
        return switch (name) {
            case "sin" -> x.sin();
            case "cos" -> x.cos();
            case "tan" -> x.sin().div(x.cos());
            case "cot" -> x.cos().div(x.sin());
            case "sec" -> Complex.ONE.div(x.cos());
            case "csc" -> Complex.ONE.div(x.sin());
            case "exp" -> x.exp();
            case "ln", "log" -> x.log();
            case "logb" -> a[1].log().div(x.log());
            case "sqrt" -> x.sqrt();
            case "root" -> a[1].pow(Complex.ONE.div(x));
            case "neg" -> x.neg();
            case "abs" -> Complex.real(x.abs());
            default -> real(name, a);
        };
    }

    private static Complex real(String name, Complex[] a) {
        for (Complex c : a) {
            if (!c.isReal()) {
                return NAN;
            }
        }
        double x = a[0].re();
        double v = switch (name) {
            case "arcsin" -> Math.asin(x);
            case "arccos" -> Math.acos(x);
            case "arctan" -> Math.atan(x);
            case "sinh" -> Math.sinh(x);
            case "cosh" -> Math.cosh(x);
            case "tanh" -> Math.tanh(x);
            case "floor" -> Math.floor(x + 1e-12 * Math.max(1, Math.abs(x)));
            case "ceil" -> Math.ceil(x - 1e-12 * Math.max(1, Math.abs(x)));
            case "fact" -> factorial(x);
            case "binom" -> binomial(x, a[1].re());
            default -> throw new IllegalArgumentException("unknown function " + name);
        };
        return Complex.real(v);
    }

    /** {@code x!} for integers 0..170 exactly (in double), Gamma(x + 1) otherwise. */
    static double factorial(double x) {
        if (Math.abs(x - Math.rint(x)) < 1e-9) {
            long n = Math.round(x);
            if (n < 0) {
                return Double.NaN;
            }
            if (n > 170) {
                return Double.POSITIVE_INFINITY;
            }
            double out = 1;
            for (long k = 2; k <= n; k++) {
                out *= k;
            }
            return out;
        }
        return gamma(x + 1);
    }

    /** {@code n choose k}, exact for small integers, through Gamma otherwise. */
    static double binomial(double n, double k) {
        boolean integers = Math.abs(n - Math.rint(n)) < 1e-9 && Math.abs(k - Math.rint(k)) < 1e-9;
        if (integers) {
            long nn = Math.round(n);
            long kk = Math.round(k);
            if (kk < 0 || (nn >= 0 && kk > nn)) {
                return 0;
            }
            kk = nn >= 0 ? Math.min(kk, nn - kk) : kk;
            if (kk <= 1000) {
                double out = 1;
                for (long j = 1; j <= kk; j++) {
                    out = out * (nn - kk + j) / j;
                }
                return Math.abs(out) < 1e15 ? Math.rint(out) : out;
            }
        }
        return gamma(n + 1) / (gamma(k + 1) * gamma(n - k + 1));
    }

    /** The Gamma function (Lanczos approximation, reflection below 1/2). */
    static double gamma(double x) {
        if (x < 0.5) {
            return Math.PI / (Math.sin(Math.PI * x) * gamma(1 - x));
        }
        if (x > 171.7) {
            return Double.POSITIVE_INFINITY;
        }
        double z = x - 1;
        double sum = LANCZOS[0];
        double t = z + 7.5;
        for (int k = 1; k < LANCZOS.length; k++) {
            sum += LANCZOS[k] / (z + k);
        }
        return Math.sqrt(2 * Math.PI) * Math.pow(t, z + 0.5) * Math.exp(-t) * sum;
    }
}
