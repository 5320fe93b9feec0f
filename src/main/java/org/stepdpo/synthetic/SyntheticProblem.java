package org.stepdpo.synthetic;

import java.util.ArrayList;
import java.util.List;

/**
 * A generated word problem: its family, its English text and its gold steps. The answer is the
 * last step's result; the level is the number of steps.
 */
public record SyntheticProblem(String family, String text, List<SolutionStep> steps) {

    public SyntheticProblem {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a problem needs at least one step");
        }
    }

    public long answer() {
        return steps.get(steps.size() - 1).result();
    }

    public int level() {
        return steps.size();
    }

    /** The gold solution: one line per step, then {@code The answer is \boxed{N}.} */
    public String solution() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < steps.size(); i++) {
            lines.add(steps.get(i).text(i + 1));
        }
        lines.add(answerLine(answer()));
        return String.join("\n", lines);
    }

    /** The closing line of a solution. */
    public static String answerLine(long answer) {
        return "The answer is \\boxed{" + answer + "}.";
    }
}
