package org.stepdpo.synthetic;

import java.util.List;

/**
 * The knobs of the synthetic task: how many steps a problem needs, how many digits its base
 * quantities have, the largest multiplier or divisor, and which families are drawn.
 *
 * @param minSteps  fewest steps of a problem (at least 2)
 * @param maxSteps  most steps of a problem (at most 8)
 * @param maxDigits digits of the base quantities (2 to 4); intermediate results stay below
 *                  {@code 10^(maxDigits + 1)}
 * @param maxFactor largest multiplier or divisor (2 to 99)
 * @param families  the families drawn, each with the same probability (see {@link Families#NAMES})
 */
public record Difficulty(int minSteps, int maxSteps, int maxDigits, int maxFactor, List<String> families) {

    /** The embedded default: 2 to 6 steps, three-digit quantities, factors up to 9, every family. */
    public static final Difficulty DEFAULT = new Difficulty(2, 6, 3, 9, Families.NAMES);

    public Difficulty {
        if (minSteps < 2 || maxSteps > 8 || minSteps > maxSteps) {
            throw new IllegalArgumentException("steps: expected 2 <= min <= max <= 8, got " + minSteps + ".." + maxSteps);
        }
        if (maxDigits < 2 || maxDigits > 4) {
            throw new IllegalArgumentException("digits: expected 2 to 4, got " + maxDigits);
        }
        if (maxFactor < 2 || maxFactor > 99) {
            throw new IllegalArgumentException("max factor: expected 2 to 99, got " + maxFactor);
        }
        families = List.copyOf(families);
        if (families.isEmpty()) {
            throw new IllegalArgumentException("families: give at least one of " + Families.NAMES);
        }
        for (String f : families) {
            if (!Families.NAMES.contains(f)) {
                throw new IllegalArgumentException("unknown family '" + f + "': expected one of " + Families.NAMES);
            }
        }
    }

    /** Largest base quantity ({@code 10^maxDigits - 1}). */
    long maxBase() {
        return (long) Math.pow(10, maxDigits) - 1;
    }

    /** Intermediate results stay at or below this ({@code 10^(maxDigits + 1) - 1}). */
    long maxValue() {
        return (long) Math.pow(10, maxDigits + 1) - 1;
    }
}
