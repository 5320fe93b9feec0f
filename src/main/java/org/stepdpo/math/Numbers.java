package org.stepdpo.math;

import java.math.BigDecimal;
import java.util.regex.Pattern;

/**
 * Numeric closeness. Exact values (no decimal literal on either side) must agree up to rounding
 * error; plain integers exactly. A decimal is an approximation: it matches a value less than
 * 1e-3 away (or 1e-7 relative, for large numbers) and of the same sign: {@code 0.333} matches
 * {@code 1/3}, but {@code 0.126} does not match {@code 0.125} and {@code -0.0001} does not match
 * {@code 0.0001}.
 */
final class Numbers {

    /** Absolute tolerance for approximate values (strict: a difference of 1e-3 is too much). */
    static final double ABS_TOL = 1e-3;
    /** Relative tolerance for large approximate values. */
    static final double REL_TOL = 1e-7;
    private static final double EXACT_REL_TOL = 1e-13;
    private static final double EXACT_ABS_TOL = 1e-14;
    private static final Pattern PLAIN = Pattern.compile("-?(\\d{1,400}(\\.\\d{0,400})?|\\.\\d{1,400})");

    private Numbers() {
    }

    /** The value of a plain decimal literal ({@code -12}, {@code 0.5}, {@code .25}), or null. */
    static BigDecimal plain(String s) {
        return PLAIN.matcher(s).matches() ? new BigDecimal(s) : null;
    }

    /** Whether either literal has digits after its point. */
    static boolean approximate(BigDecimal a, BigDecimal b) {
        return a.scale() > 0 || b.scale() > 0;
    }

    /** Whether two decimal values are equal: exactly, or within tolerance when approximate. */
    static boolean closeDecimals(BigDecimal a, BigDecimal b, boolean approximate) {
        if (!approximate) {
            return a.compareTo(b) == 0;
        }
        if (a.signum() * b.signum() < 0) {
            return false;
        }
        double diff = a.subtract(b).abs().doubleValue();
        return withinTolerance(diff, Math.max(a.abs().doubleValue(), b.abs().doubleValue()));
    }

    /**
     * Whether two evaluated constants are equal: within tolerance when {@code approximate} (a
     * decimal literal took part), up to rounding error otherwise.
     */
    static boolean close(Complex a, Complex b, boolean approximate) {
        if (!a.finite() || !b.finite()) {
            return false;
        }
        double diff = a.sub(b).abs();
        double scale = Math.max(a.abs(), b.abs());
        if (approximate) {
            return Math.signum(a.re()) * Math.signum(b.re()) >= 0
                    && Math.signum(a.im()) * Math.signum(b.im()) >= 0 && withinTolerance(diff, scale);
        }
        return diff <= EXACT_ABS_TOL || diff <= EXACT_REL_TOL * scale;
    }

    private static boolean withinTolerance(double diff, double scale) {
        return diff < ABS_TOL * (1 - 1e-9) || diff <= REL_TOL * scale;
    }

    /** Whether {@code a} and {@code b} agree as values of a function at one point. */
    static boolean closeAtPoint(Complex a, Complex b) {
        double diff = a.sub(b).abs();
        return diff <= 1e-12 || diff <= 1e-8 * Math.max(a.abs(), b.abs());
    }
}
