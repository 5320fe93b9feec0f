package org.stepdpo.pairs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;

/**
 * The figures of {@code stats.json}, summed on the driver from the saved problem outcomes (sums and
 * counts, never averages of averages). Where the synthetic task's verifier applies, {@code verifier}
 * says how often the located step is the verifier's first wrong step (per located wrong sample, and
 * per pair) and how often the chosen step is correct by the verifier.
 */
final class PairStats {
    private long problems;
    private long samples;
    private long correct;
    private long wrong;
    private long alwaysSolved;
    private long neverSolved;
    private long located;
    private long rollouts;
    private long newTokens;
    private long sameAsRejected;
    private long falseEquation;
    private long verifierChecked;
    private long verifierAgrees;
    private long pairs;
    private long pairsChecked;
    private long pairsAgree;
    private long chosenChecked;
    private long chosenCorrect;
    private double sampleSeconds;
    private double locateSeconds;
    private double rectifySeconds;
    private final Map<Integer, Long> errorSteps = new TreeMap<>();
    private final Map<Integer, Long> pairSteps = new TreeMap<>();
    private final Map<String, Long> unlocated = new TreeMap<>();
    private final Map<String, Long> rejected = new TreeMap<>();

    /** Adds one problem's outcome (a progress row without its pairs). */
    void addProblem(Row r) {
        problems++;
        int s = r.<Integer>getAs("samples");
        int c = r.<Integer>getAs("correct");
        samples += s;
        correct += c;
        wrong += r.<Integer>getAs("wrong");
        alwaysSolved += s > 0 && c == s ? 1 : 0;
        neverSolved += s > 0 && c == 0 ? 1 : 0;
        rollouts += r.<Long>getAs("rollouts");
        newTokens += r.<Long>getAs("new_tokens");
        sameAsRejected += r.<Integer>getAs("same_as_rejected");
        falseEquation += r.<Integer>getAs("false_equation");
        sampleSeconds += r.<Double>getAs("sample_s");
        locateSeconds += r.<Double>getAs("locate_s");
        rectifySeconds += r.<Double>getAs("rectify_s");
        List<Integer> steps = r.getList(r.fieldIndex("error_steps"));
        List<Integer> verifier = r.getList(r.fieldIndex("verifier_steps"));
        for (int i = 0; i < steps.size(); i++) {
            located++;
            errorSteps.merge(steps.get(i), 1L, Long::sum);
            Integer v = verifier.get(i);
            if (v != null) {
                verifierChecked++;
                verifierAgrees += v.equals(steps.get(i)) ? 1 : 0;
            }
        }
        Map<String, Integer> un = r.getJavaMap(r.fieldIndex("unlocated"));
        un.forEach((k, v) -> unlocated.merge(k, (long) v, Long::sum));
    }

    /** Adds one pair's provenance ({@code step, verifier_step, chosen_verified}). */
    void addPair(Row r) {
        pairs++;
        pairSteps.merge(r.getInt(0), 1L, Long::sum);
        if (!r.isNullAt(1)) {
            pairsChecked++;
            pairsAgree += r.getInt(1) == r.getInt(0) ? 1 : 0;
        }
        if (!r.isNullAt(2)) {
            chosenChecked++;
            chosenCorrect += r.getBoolean(2) ? 1 : 0;
        }
    }

    /** Counts one rejected row or sample by its reason code. */
    void addRejection(String code) {
        rejected.merge(code, 1L, Long::sum);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("problems", problems);
        m.put("samples", samples);
        m.put("correct_samples", correct);
        m.put("wrong_samples", wrong);
        m.put("always_solved", alwaysSolved);
        m.put("never_solved", neverSolved);
        m.put("located", located);
        m.put("unlocated", unlocated);
        m.put("pairs", pairs);
        m.put("yield", ratio(pairs, wrong));
        m.put("first_error_histogram", errorSteps);
        m.put("pair_step_histogram", pairSteps);
        m.put("rollouts", rollouts);
        m.put("rollouts_per_located_error", ratio(rollouts, located));
        m.put("new_tokens", newTokens);
        m.put("tokens_per_pair", ratio(newTokens, pairs));
        m.put("rectified_equal_to_rejected", sameAsRejected);
        m.put("rectified_with_false_equation", falseEquation);
        m.put("rejected", rejected);
        if (verifierChecked > 0 || pairsChecked > 0) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("located_checked", verifierChecked);
            v.put("located_agrees", verifierAgrees);
            v.put("located_accuracy", ratio(verifierAgrees, verifierChecked));
            v.put("pairs_checked", pairsChecked);
            v.put("pairs_located_accuracy", ratio(pairsAgree, pairsChecked));
            v.put("chosen_checked", chosenChecked);
            v.put("chosen_correct", chosenCorrect);
            v.put("chosen_accuracy", ratio(chosenCorrect, chosenChecked));
            m.put("verifier", v);
        }
        return m;
    }

    /** Task time summed over problems, by phase. */
    Map<String, Object> timing() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("sample_s", round(sampleSeconds));
        m.put("locate_s", round(locateSeconds));
        m.put("rectify_s", round(rectifySeconds));
        return m;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0.0 : Math.round(a * 10000.0 / b) / 10000.0;
    }

    private static double round(double s) {
        return Math.round(s * 100) / 100.0;
    }
}
