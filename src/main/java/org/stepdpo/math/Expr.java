package org.stepdpo.math;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** A parsed math expression that evaluates to a complex number for given variable values. */
sealed interface Expr {

    /** The value of an expression that is undefined or overflowed somewhere inside. */
    Complex UNDEFINED = Complex.real(Double.NaN);

    /**
     * The value with {@code env} giving each variable; {@link #UNDEFINED} when it is undefined
     * or any part of it overflows (so {@code 1/2004!} is not taken for 0).
     */
    Complex eval(Map<String, Complex> env, Deadline deadline);

    /** Adds the names of the free variables to {@code into}. */
    void variables(Set<String> into);

    /** Whether a decimal literal ({@code 0.866}) appears: the value is then an approximation. */
    boolean approximate();

    /** A number literal or constant; approximate when written with a decimal point. */
    record Num(Complex value, boolean approximate) implements Expr {
        @Override
        public Complex eval(Map<String, Complex> env, Deadline deadline) {
            return value;
        }

        @Override
        public void variables(Set<String> into) {
        }
    }

    /** A free variable such as {@code x}, {@code a_1} or {@code \theta}. */
    record Var(String name) implements Expr {
        @Override
        public Complex eval(Map<String, Complex> env, Deadline deadline) {
            Complex v = env.get(name);
            return v == null ? Complex.real(Double.NaN) : v;
        }

        @Override
        public void variables(Set<String> into) {
            into.add(name);
        }

        @Override
        public boolean approximate() {
            return false;
        }
    }

    /** A binary operation: one of {@code + - * / ^}. */
    record Op(char op, Expr left, Expr right) implements Expr {
        @Override
        public Complex eval(Map<String, Complex> env, Deadline deadline) {
            deadline.check();
            Complex a = left.eval(env, deadline);
            Complex b = right.eval(env, deadline);
            if (!a.finite() || !b.finite()) {
                return UNDEFINED;
            }
            return switch (op) {
                case '+' -> a.add(b);
                case '-' -> a.sub(b);
                case '*' -> a.mul(b);
                case '/' -> a.div(b);
                case '^' -> a.pow(b);
                default -> throw new IllegalStateException("unknown operator " + op);
            };
        }

        @Override
        public void variables(Set<String> into) {
            left.variables(into);
            right.variables(into);
        }

        @Override
        public boolean approximate() {
            return left.approximate() || right.approximate();
        }
    }

    /** A named function applied to its arguments (see {@link Functions}). */
    record Call(String name, List<Expr> args) implements Expr {
        @Override
        public Complex eval(Map<String, Complex> env, Deadline deadline) {
            deadline.check();
            Complex[] values = new Complex[args.size()];
            for (int k = 0; k < values.length; k++) {
                values[k] = args.get(k).eval(env, deadline);
                if (!values[k].finite()) {
                    return UNDEFINED;
                }
            }
            return Functions.apply(name, values);
        }

        @Override
        public void variables(Set<String> into) {
            for (Expr a : args) {
                a.variables(into);
            }
        }

        @Override
        public boolean approximate() {
            return args.stream().anyMatch(Expr::approximate);
        }
    }
}
