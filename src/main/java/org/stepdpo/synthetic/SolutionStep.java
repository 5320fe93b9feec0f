package org.stepdpo.synthetic;

/**
 * One step of a gold solution: {@code left op right = result}, written as
 * {@code "Step k: left op right = result unit."}.
 */
public record SolutionStep(Op op, long left, long right, long result, String unit) {

    public SolutionStep {
        if (op.apply(left, right) != result || result < 0) {
            throw new IllegalArgumentException("not a valid step: " + left + " " + op.symbol + " " + right + " = " + result);
        }
    }

    /** The step's line, numbered from 1. */
    public String text(int number) {
        return "Step " + number + ": " + left + " " + op.symbol + " " + right + " = " + result + " " + unit + ".";
    }

    /** Whether {@code (op, a, b)} is this step's computation (operands in either order when commutative). */
    public boolean sameComputation(Op otherOp, long a, long b) {
        return otherOp == op && ((a == left && b == right) || (op.commutative() && a == right && b == left));
    }
}
