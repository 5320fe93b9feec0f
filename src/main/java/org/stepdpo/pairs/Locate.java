package org.stepdpo.pairs;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How BuildPairsJob finds the first wrong step of a wrong solution ({@code --locate}). */
public enum Locate {
    /**
     * Monte-Carlo rollouts: the first step after which continuations no longer reach the gold
     * answer while they did from the step before (no external judge).
     */
    ROLLOUT,
    /**
     * A judge model's per-step verdicts (correct / neutral / incorrect) given the problem, the
     * reference solution when there is one and the wrong solution ({@link StepJudge}).
     */
    JUDGE,
    /** The task's exact step verifier (the synthetic task has one). */
    VERIFIER;

    /** The name on the command line. */
    public String flag() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The method named {@code value}, or an error naming {@code --locate} and the choices. */
    public static Locate parse(String value) {
        for (Locate l : values()) {
            if (l.flag().equals(value)) {
                return l;
            }
        }
        throw new IllegalArgumentException("--locate must be one of "
                + Arrays.stream(values()).map(Locate::flag).collect(Collectors.joining(", ")) + ", got '" + value + "'");
    }

    /** How rollout localization searches the prefixes of a solution ({@code --search}). */
    public enum Search {
        /** Bisect the prefixes (OmegaPRM): about log2(n) probes for n steps. */
        BINARY,
        /** Probe prefixes 1, 2, … until one can no longer reach the answer. */
        LINEAR;

        public String flag() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Search parse(String value) {
            for (Search s : values()) {
                if (s.flag().equals(value)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("--search must be binary or linear, got '" + value + "'");
        }
    }
}
