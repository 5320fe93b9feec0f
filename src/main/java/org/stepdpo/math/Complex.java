package org.stepdpo.math;

/** A complex number in double precision, with the few functions the evaluator needs. */
record Complex(double re, double im) {

    static final Complex ZERO = new Complex(0, 0);
    static final Complex ONE = new Complex(1, 0);
    static final Complex I = new Complex(0, 1);

    static Complex real(double x) {
        return new Complex(x, 0);
    }

    double abs() {
        return Math.hypot(re, im);
    }

    boolean finite() {
        return Double.isFinite(re) && Double.isFinite(im);
    }

    /** Whether the imaginary part is negligible next to the real part. */
    boolean isReal() {
        return Math.abs(im) <= 1e-12 * Math.max(1, Math.abs(re));
    }

    /** Whether this is (within rounding) the integer it is closest to. */
    boolean isInteger() {
        return isReal() && Math.abs(re - Math.rint(re)) <= 1e-9 * Math.max(1, Math.abs(re));
    }

    Complex add(Complex o) {
        return new Complex(re + o.re, im + o.im);
    }

    Complex sub(Complex o) {
        return new Complex(re - o.re, im - o.im);
    }

    Complex neg() {
        return new Complex(-re, -im);
    }

    Complex mul(Complex o) {
        return new Complex(re * o.re - im * o.im, re * o.im + im * o.re);
    }

    Complex scale(double k) {
        return new Complex(re * k, im * k);
    }

    Complex div(Complex o) {
        if (o.im == 0) {
            return new Complex(re / o.re, im / o.re);
        }
        double d = o.re * o.re + o.im * o.im;
        return new Complex((re * o.re + im * o.im) / d, (im * o.re - re * o.im) / d);
    }

    Complex exp() {
        double m = Math.exp(re);
        return im == 0 ? real(m) : new Complex(m * Math.cos(im), m * Math.sin(im));
    }

    /** The principal natural logarithm. */
    Complex log() {
        if (im == 0 && re > 0) {
            return real(Math.log(re));
        }
        return new Complex(Math.log(abs()), Math.atan2(im, re));
    }

    /** The principal square root ({@code sqrt(-4) = 2i}). */
    Complex sqrt() {
        if (im == 0) {
            return re >= 0 ? real(Math.sqrt(re)) : new Complex(0, Math.sqrt(-re));
        }
        double m = abs();
        double r = Math.sqrt((m + re) / 2);
        double i = Math.copySign(Math.sqrt((m - re) / 2), im);
        return new Complex(r, i);
    }

    /**
     * This number to the power {@code e}. Real bases keep real results where one exists: a
     * negative base with an integer exponent, or with a rational exponent of odd denominator
     * ({@code (-8)^(1/3) = -2}); other cases take the principal value.
     */
    Complex pow(Complex e) {
        if (isReal() && e.isReal()) {
            double b = re;
            double x = e.re;
            if (b >= 0 || e.isInteger()) {
                return real(Math.pow(b, e.isInteger() ? Math.rint(x) : x));
            }
            for (int q = 3; q <= 15; q += 2) {
                double p = x * q;
                if (Math.abs(p - Math.rint(p)) < 1e-9) {
                    double mag = Math.pow(-b, x);
                    return real(((long) Math.rint(p)) % 2 == 0 ? mag : -mag);
                }
            }
        }
        if (re == 0 && im == 0) {
            return e.re > 0 ? ZERO : e.re == 0 && e.im == 0 ? ONE : real(Double.NaN);
        }
        if (e.isInteger() && Math.abs(e.re) <= 64) {
            Complex out = ONE;
            for (int k = 0; k < (int) Math.abs(Math.rint(e.re)); k++) {
                out = out.mul(this);
            }
            return e.re < 0 ? ONE.div(out) : out;
        }
        return e.mul(log()).exp();
    }

    Complex sin() {
        return new Complex(Math.sin(re) * Math.cosh(im), Math.cos(re) * Math.sinh(im));
    }

    Complex cos() {
        return new Complex(Math.cos(re) * Math.cosh(im), -Math.sin(re) * Math.sinh(im));
    }
}
