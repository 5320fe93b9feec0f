package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;

/**
 * Grades completions and final answers against reference answers.
 *
 * <p>With one reference answer, every extracted answer must equal it (a wrong extra boxed answer
 * makes the completion wrong); several extracted answers may also match it together as a list.
 * With several reference answers (one per {@code \boxed} of the reference solution), the two
 * lists must match both ways: every extracted answer equals some reference answer and every
 * reference answer equals some extracted answer, taken whole or, failing that, with comma lists
 * on either side counted element by element.
 *
 * <p>All comparisons of one grade share a time budget of {@link #TIME_LIMIT_MILLIS}, each one also
 * limited to {@link Equivalence#DEFAULT_TIME_LIMIT_MILLIS}; a comparison that runs out counts as a
 * mismatch. Stateless and thread-safe.
 */
public final class Grader {

    /** Time budget of one grade, across all its comparisons, in milliseconds. */
    public static final long TIME_LIMIT_MILLIS = 5_000;

    private Grader() {
    }

    /** Extracts the final answers of {@code completion} and compares them with {@code golds}. */
    public static Grade gradeCompletion(String completion, List<String> golds) {
        List<String> extracted = AnswerExtractor.extract(completion);
        return new Grade(extracted, matches(extracted, golds));
    }

    /** Compares {@code pred}, already a final answer, with {@code golds}. */
    public static Grade gradeAnswer(String pred, List<String> golds) {
        List<String> extracted = pred == null || pred.isBlank() ? List.of() : List.of(pred.strip());
        return new Grade(extracted, matches(extracted, golds));
    }

    /**
     * Grades with the reference and the prediction read alike, as Math-Verify does: each may be a
     * whole solution or only an answer ({@link AnswerExtractor#extractAnswers}); the answers taken
     * from {@code goldText} are the references.
     */
    public static Grade gradeSymmetric(String goldText, String predText) {
        List<String> golds = AnswerExtractor.extractAnswers(goldText);
        List<String> extracted = AnswerExtractor.extractAnswers(predText);
        return new Grade(extracted, matches(extracted, golds));
    }

    static boolean matches(List<String> preds, List<String> golds) {
        if (preds.isEmpty() || golds == null) {
            return false;
        }
        List<String> refs = golds.stream().filter(g -> g != null && !g.isBlank()).toList();
        if (refs.isEmpty()) {
            return false;
        }
        Deadline budget = Deadline.afterMillis(TIME_LIMIT_MILLIS);
        if (refs.size() == 1) {
            String gold = refs.get(0);
            if (preds.stream().allMatch(p -> equal(p, gold, budget))) {
                return true;
            }
            return preds.size() > 1 && equal(String.join(",", preds), gold, budget);
        }
        return bothWays(preds, refs, budget)
                || bothWays(flatten(preds, true), flatten(refs, true), budget)
                || bothWays(flatten(preds, false), flatten(refs, false), budget);
    }

    private static boolean equal(String pred, String gold, Deadline budget) {
        long limit = Math.min(Equivalence.DEFAULT_TIME_LIMIT_MILLIS, budget.remainingMillis());
        return limit > 0 && Equivalence.equivalent(pred, gold, limit);
    }

    /** Every prediction equals some reference and every reference equals some prediction. */
    private static boolean bothWays(List<String> p, List<String> g, Deadline budget) {
        return p.stream().allMatch(x -> g.stream().anyMatch(y -> equal(x, y, budget)))
                && g.stream().allMatch(y -> p.stream().anyMatch(x -> equal(x, y, budget)));
    }

    /**
     * Splits bare comma lists into their elements, reading {@code 70,110} as one number or as
     * two; a percent sign stays with each element.
     */
    private static List<String> flatten(List<String> answers, boolean collapseThousands) {
        List<String> out = new ArrayList<>();
        for (String a : answers) {
            List<String> items = Structures.listItems(Structures.unwrapSet(AnswerNormalizer.clean(a, collapseThousands)));
            if (items.size() == 1) {
                out.add(a);
            } else {
                String suffix = a.contains("%") ? "\\%" : "";
                items.forEach(item -> out.add(item + suffix));
            }
        }
        return out;
    }
}
