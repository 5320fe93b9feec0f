package org.stepdpo.math;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * Symbolic equality by evaluation: two expressions with free variables are equal when they agree
 * at several pseudo-random points (fixed seed, so results are deterministic); equations are equal
 * when their sides' differences are proportional. Every evaluation checks the deadline.
 */
final class Symbolic {

    private static final long SEED = 20240623L;
    private static final int POINTS = 6;
    private static final int MAX_TRIES = 16;

    private Symbolic() {
    }

    /** Whether {@code a} and {@code b} have the same value (see {@link Numbers}) or function. */
    static boolean same(Expr a, Expr b, Deadline deadline) {
        Set<String> vars = variables(a, b);
        if (vars.isEmpty()) {
            Complex va = a.eval(Map.of(), deadline);
            Complex vb = b.eval(Map.of(), deadline);
            return Numbers.close(va, vb, a.approximate() || b.approximate());
        }
        Random random = new Random(SEED);
        int agreed = 0;
        for (int t = 0; t < MAX_TRIES && agreed < POINTS; t++) {
            Map<String, Complex> env = point(vars, random, t);
            Complex va = a.eval(env, deadline);
            Complex vb = b.eval(env, deadline);
            if (!va.finite() || !vb.finite()) {
                continue;
            }
            if (!Numbers.closeAtPoint(va, vb)) {
                return false;
            }
            agreed++;
        }
        return agreed >= 3;
    }

    /**
     * Whether {@code lhsA = rhsA} and {@code lhsB = rhsB} are the same equation: the differences
     * of their sides are proportional with a non-zero constant factor at every sample point.
     */
    static boolean sameEquation(Expr lhsA, Expr rhsA, Expr lhsB, Expr rhsB, Deadline deadline) {
        Expr f = new Expr.Op('-', lhsA, rhsA);
        Expr g = new Expr.Op('-', lhsB, rhsB);
        Set<String> vars = variables(f, g);
        if (vars.isEmpty()) {
            return false;
        }
        Random random = new Random(SEED);
        Complex ratio = null;
        int agreed = 0;
        for (int t = 0; t < MAX_TRIES && agreed < POINTS; t++) {
            Map<String, Complex> env = point(vars, random, t);
            Complex vf = f.eval(env, deadline);
            Complex vg = g.eval(env, deadline);
            if (!vf.finite() || !vg.finite() || vg.abs() < 1e-9) {
                continue;
            }
            Complex r = vf.div(vg);
            if (r.abs() < 1e-9) {
                return false;
            }
            if (ratio == null) {
                ratio = r;
            } else if (!Numbers.closeAtPoint(ratio, r)) {
                return false;
            }
            agreed++;
        }
        return agreed >= 3;
    }

    private static Set<String> variables(Expr a, Expr b) {
        Set<String> vars = new TreeSet<>();
        a.variables(vars);
        b.variables(vars);
        return vars;
    }

    /**
     * Pseudo-random values for every variable, of magnitude 0.3 to 2.8: all positive at the first
     * two points, all negative at the third (so that {@code |x|} and {@code x} differ), of random
     * signs after that.
     */
    private static Map<String, Complex> point(Set<String> vars, Random random, int index) {
        Map<String, Complex> env = new HashMap<>();
        for (String v : vars) {
            double magnitude = 0.3 + 2.5 * random.nextDouble();
            boolean negative = index == 2 || (index > 2 && random.nextBoolean());
            env.put(v, Complex.real(negative ? -magnitude : magnitude));
        }
        return env;
    }
}
