package org.stepdpo.pairs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.stepdpo.generate.Problem;

/**
 * What pair building did with one problem: its pairs and the counts behind the run's stats. Saved
 * as one JSON line per problem under {@code OUT/progress/} as problems finish (so {@code --resume}
 * skips them), then read back with {@link #SCHEMA}.
 *
 * @param problem      the problem
 * @param samples      solutions sampled
 * @param correct      of those, reaching the gold answer
 * @param wrong        of those, not reaching it
 * @param pairs        the pairs built
 * @param errorSteps   the located first wrong step of each located wrong sample
 * @param verifierSteps the verifier's first wrong step of the same samples (null entries where it has none)
 * @param unlocated    wrong samples whose error was not located, by reason
 * @param rejections   samples set aside, with reasons ({@code code: detail})
 * @param rollouts     continuations spent on localization
 * @param sameAsRejected rectified steps dropped because they equal the rejected step
 * @param falseEquation rectified steps dropped because their written equation is false
 * @param newTokens    tokens generated for this problem
 * @param sampleNanos  time spent sampling solutions
 * @param locateNanos  time spent locating errors
 * @param rectifyNanos time spent rectifying
 */
public record PairOutcome(Problem problem, int samples, int correct, int wrong, List<Pair> pairs,
        List<Integer> errorSteps, List<Integer> verifierSteps, Map<String, Integer> unlocated, List<String> rejections,
        long rollouts, int sameAsRejected, int falseEquation, long newTokens, long sampleNanos, long locateNanos, long rectifyNanos) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One pair with its provenance.
     *
     * @param initialReasonSteps head + steps 1..k-1 + {@code "Step k:"}
     * @param chosen             the rectified step k
     * @param rejected           the sampled wrong step k
     * @param fullChosen         the whole rectified continuation after {@code "Step k:"}
     * @param fullRejected       the whole wrong continuation after {@code "Step k:"}
     * @param sample             which sample of the problem the wrong step comes from
     * @param step               k
     * @param steps              how many steps the wrong solution has
     * @param locate             how k was found
     * @param prefixSuccess      rollout estimates probed, {@code j:share} for the prefix through step j (or
     *                           {@code reached} when a solution known to reach the answer starts with it);
     *                           with a judge, its verdicts, {@code j:correct|neutral|incorrect}
     * @param verifierStep       the exact verifier's first wrong step, or null where there is none
     * @param chosenVerified     whether the verifier finds steps 1..k correct with the chosen step, or null
     * @param rollouts           continuations spent locating this sample's error
     */
    public record Pair(String initialReasonSteps, String chosen, String rejected, String fullChosen,
            String fullRejected, int sample, int step, int steps, String locate, String prefixSuccess,
            Integer verifierStep, Boolean chosenVerified, long rollouts) {}

    /** The pair columns of {@code pairs.jsonl} / Parquet, in order: the Math-Step-DPO-10K schema, then provenance. */
    public static final StructType PAIR_SCHEMA = new StructType()
            .add("dataset", DataTypes.StringType)
            .add("prompt", DataTypes.StringType)
            .add("initial_reason_steps", DataTypes.StringType)
            .add("chosen", DataTypes.StringType)
            .add("rejected", DataTypes.StringType)
            .add("full_chosen", DataTypes.StringType)
            .add("full_rejected", DataTypes.StringType)
            .add("answer", DataTypes.StringType)
            .add("idx", DataTypes.StringType)
            .add("sample", DataTypes.IntegerType)
            .add("step", DataTypes.IntegerType)
            .add("steps", DataTypes.IntegerType)
            .add("locate", DataTypes.StringType)
            .add("prefix_success", DataTypes.StringType)
            .add("verifier_step", DataTypes.IntegerType)
            .add("chosen_verified", DataTypes.BooleanType)
            .add("rollouts", DataTypes.LongType);

    /** Columns of a progress line. */
    public static final StructType SCHEMA = new StructType()
            .add("file", DataTypes.StringType)
            .add("line", DataTypes.LongType)
            .add("idx", DataTypes.StringType)
            .add("dataset", DataTypes.StringType)
            .add("level", DataTypes.StringType)
            .add("samples", DataTypes.IntegerType)
            .add("correct", DataTypes.IntegerType)
            .add("wrong", DataTypes.IntegerType)
            .add("pairs", DataTypes.createArrayType(PAIR_SCHEMA))
            .add("error_steps", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("verifier_steps", DataTypes.createArrayType(DataTypes.IntegerType))
            .add("unlocated", DataTypes.createMapType(DataTypes.StringType, DataTypes.IntegerType))
            .add("rejections", DataTypes.createArrayType(DataTypes.StringType))
            .add("rollouts", DataTypes.LongType)
            .add("same_as_rejected", DataTypes.IntegerType)
            .add("false_equation", DataTypes.IntegerType)
            .add("new_tokens", DataTypes.LongType)
            .add("sample_s", DataTypes.DoubleType)
            .add("locate_s", DataTypes.DoubleType)
            .add("rectify_s", DataTypes.DoubleType);

    /** This outcome as one progress line. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("file", problem.file());
        o.put("line", problem.line());
        o.put("idx", problem.idx());
        o.put("dataset", problem.dataset());
        o.put("level", problem.level());
        o.put("samples", samples);
        o.put("correct", correct);
        o.put("wrong", wrong);
        ArrayNode ps = o.putArray("pairs");
        for (Pair p : pairs) {
            ObjectNode j = ps.addObject();
            j.put("dataset", problem.dataset());
            j.put("prompt", problem.instruction());
            j.put("initial_reason_steps", p.initialReasonSteps());
            j.put("chosen", p.chosen());
            j.put("rejected", p.rejected());
            j.put("full_chosen", p.fullChosen());
            j.put("full_rejected", p.fullRejected());
            j.put("answer", problem.answers().get(0));
            j.put("idx", problem.idx());
            j.put("sample", p.sample());
            j.put("step", p.step());
            j.put("steps", p.steps());
            j.put("locate", p.locate());
            j.put("prefix_success", p.prefixSuccess());
            j.put("verifier_step", p.verifierStep());
            j.put("chosen_verified", p.chosenVerified());
            j.put("rollouts", p.rollouts());
        }
        errorSteps.forEach(o.putArray("error_steps")::add);
        ArrayNode vs = o.putArray("verifier_steps");
        verifierSteps.forEach(v -> {
            if (v == null) {
                vs.addNull();
            } else {
                vs.add(v);
            }
        });
        ObjectNode un = o.putObject("unlocated");
        unlocated.forEach(un::put);
        rejections.forEach(o.putArray("rejections")::add);
        o.put("rollouts", rollouts);
        o.put("same_as_rejected", sameAsRejected);
        o.put("false_equation", falseEquation);
        o.put("new_tokens", newTokens);
        o.put("sample_s", sampleNanos / 1e9);
        o.put("locate_s", locateNanos / 1e9);
        o.put("rectify_s", rectifyNanos / 1e9);
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Collects a problem's outcome while {@link PairBuilder} works on it. */
    static final class Builder {
        private final Problem problem;
        int samples;
        int correct;
        int wrong;
        final List<Pair> pairs = new ArrayList<>();
        private final List<Integer> errorSteps = new ArrayList<>();
        private final List<Integer> verifierSteps = new ArrayList<>();
        private final Map<String, Integer> unlocated = new TreeMap<>();
        private final List<String> rejections = new ArrayList<>();
        long rollouts;
        int sameAsRejected;
        int falseEquation;
        long newTokens;
        long sampleNanos;
        long locateNanos;
        long rectifyNanos;

        Builder(Problem problem) {
            this.problem = problem;
        }

        void reject(String reason) {
            rejections.add(reason);
        }

        void unlocated(String reason) {
            unlocated.merge(reason, 1, Integer::sum);
        }

        void located(int step, Integer verifierStep) {
            errorSteps.add(step);
            verifierSteps.add(verifierStep);
        }

        PairOutcome build() {
            return new PairOutcome(problem, samples, correct, wrong, List.copyOf(pairs), List.copyOf(errorSteps),
                    java.util.Collections.unmodifiableList(new ArrayList<>(verifierSteps)), Map.copyOf(unlocated),
                    List.copyOf(rejections), rollouts, sameAsRejected, falseEquation, newTokens, sampleNanos, locateNanos,
                    rectifyNanos);
        }
    }
}
