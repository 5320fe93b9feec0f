package org.stepdpo.math;

/** A point in time after which a symbolic comparison gives up; checked by parser and evaluator. */
final class Deadline {

    private final long endNanos;

    private Deadline(long endNanos) {
        this.endNanos = endNanos;
    }

    /** A deadline {@code millis} milliseconds from now. */
    static Deadline afterMillis(long millis) {
        return new Deadline(System.nanoTime() + Math.max(0, millis) * 1_000_000L);
    }

    /** Milliseconds left before the deadline, 0 once it has passed. */
    long remainingMillis() {
        return Math.max(0, (endNanos - System.nanoTime()) / 1_000_000L);
    }

    /** Throws {@link Exceeded} once the deadline has passed. */
    void check() {
        if (System.nanoTime() - endNanos > 0) {
            throw new Exceeded();
        }
    }

    /** Thrown when a comparison runs past its deadline; it carries no stack trace. */
    static final class Exceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Exceeded() {
            super("symbolic comparison ran past its time limit", null, false, false);
        }
    }
}
