package org.stepdpo.synthetic;

/** The four operations a step of the synthetic task performs, on non-negative whole numbers. */
public enum Op {
    ADD("+"), SUB("-"), MUL("*"), DIV("/");

    /** How the operation is written in a step ({@code 12 * 5 = 60}). */
    public final String symbol;

    Op(String symbol) {
        this.symbol = symbol;
    }

    /**
     * The result, or -1 when it is not a whole non-negative number (a negative difference, a
     * division with a remainder or by zero).
     */
    public long apply(long a, long b) {
        switch (this) {
            case ADD:
                return a + b;
            case SUB:
                return a >= b ? a - b : -1;
            case MUL:
                return a * b;
            default:
                return b != 0 && a % b == 0 ? a / b : -1;
        }
    }

    /** Whether swapping the operands keeps the result ({@code +} and {@code *}). */
    public boolean commutative() {
        return this == ADD || this == MUL;
    }

    /** The operation written as {@code symbol}, or null. */
    public static Op of(String symbol) {
        for (Op op : values()) {
            if (op.symbol.equals(symbol)) {
                return op;
            }
        }
        return null;
    }
}
