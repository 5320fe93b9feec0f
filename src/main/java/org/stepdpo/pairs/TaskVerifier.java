package org.stepdpo.pairs;

import java.util.List;
import org.stepdpo.generate.Problem;
import org.stepdpo.synthetic.StepVerifier;

/**
 * The exact step verifier where a problem has one: rows of the synthetic task ({@code dataset}
 * {@code synthetic}) whose reference solution ({@code output}) is a gold step solution.
 */
final class TaskVerifier {
    /** The dataset name of the synthetic task's rows. */
    static final String SYNTHETIC = "synthetic";

    private TaskVerifier() {}

    /** The verifier's verdict on {@code solution}, or null when the problem has no verifier. */
    static StepVerifier.Verdict verify(Problem problem, String solution) {
        List<StepVerifier.Calc> gold = gold(problem);
        return gold == null ? null : StepVerifier.verify(problem.instruction(), gold, solution);
    }

    /** Whether {@code problem} has an exact step verifier. */
    static boolean applies(Problem problem) {
        return gold(problem) != null;
    }

    private static List<StepVerifier.Calc> gold(Problem problem) {
        if (!SYNTHETIC.equals(problem.dataset()) || problem.reference() == null) {
            return null;
        }
        try {
            return StepVerifier.goldCalcs(problem.reference());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
