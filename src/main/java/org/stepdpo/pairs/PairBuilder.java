package org.stepdpo.pairs;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.stepdpo.generate.GenerateCompletions;
import org.stepdpo.generate.Problem;
import org.stepdpo.generate.Sampling;
import org.stepdpo.math.EquationCheck;
import org.stepdpo.math.Grader;
import org.stepdpo.synthetic.StepVerifier;

/**
 * Builds the Step-DPO pairs of one problem, in the seed's three phases:
 * <ol>
 *   <li><b>error collection</b>: {@code samplesPerProblem} solutions, graded against the gold answer;</li>
 *   <li><b>localization</b> of each wrong solution's first wrong step k ({@link Locate});</li>
 *   <li><b>rectification</b>: {@code rectifySamples} continuations of steps 1..k-1 + {@code "Step k:"};
 *       each one that reaches the gold answer gives a pair (its first step chosen, the wrong step k
 *       rejected), identical chosen steps once.</li>
 * </ol>
 * Every random draw has a stream seeded by the run seed, the problem's id and the draw's purpose, so
 * a problem's pairs do not depend on the partition or the other problems around it. Plain logic: no
 * Spark.
 */
public final class PairBuilder {
    /**
     * The knobs of pair building.
     *
     * @param format            how the prompt family frames solutions
     * @param samplesPerProblem solutions sampled per problem
     * @param rectifySamples    continuations sampled from each correct prefix
     * @param rollouts          continuations per probed prefix (rollout localization)
     * @param locate            localization method
     * @param search            prefix search of rollout localization
     * @param checkEquations    count a step whose written equation ({@code a op b = c}) is false as wrong:
     *                          rollout localization searches only the steps before the first such step,
     *                          and rectified steps with one are not chosen
     * @param seed              run seed
     */
    public record Settings(StepFormat format, int samplesPerProblem, int rectifySamples, int rollouts, Locate locate,
            Locate.Search search, boolean checkEquations, long seed) implements java.io.Serializable {
        public Settings {
            if (samplesPerProblem < 1) {
                throw new IllegalArgumentException("--samples-per-problem must be at least 1, got " + samplesPerProblem);
            }
            if (rectifySamples < 1) {
                throw new IllegalArgumentException("--rectify-samples must be at least 1, got " + rectifySamples);
            }
            if (rollouts < 1) {
                throw new IllegalArgumentException("--rollouts must be at least 1, got " + rollouts);
            }
        }
    }

    private final Settings settings;
    private final Sampling sampler;
    private final StepJudge judge;

    /** A builder that locates errors by rollouts or with the verifier (no judge model). */
    public PairBuilder(Settings settings, Sampling sampler) {
        this(settings, sampler, null);
    }

    /**
     * @param judge the judge model's step judge; required for {@code --locate judge}, unused otherwise
     */
    public PairBuilder(Settings settings, Sampling sampler, StepJudge judge) {
        if (settings.locate() == Locate.JUDGE && judge == null) {
            throw new IllegalArgumentException("--locate judge needs a judge model (--judge-model)");
        }
        this.settings = settings;
        this.sampler = sampler;
        this.judge = judge;
    }

    /** Builds the pairs of {@code problem} and reports what it took. */
    public PairOutcome build(Problem problem) {
        PairOutcome.Builder out = new PairOutcome.Builder(problem);
        long tokens0 = sampler.newTokens();
        StepFormat format = settings.format();
        long t0 = System.nanoTime();
        List<Sampling.Sample> samples = sampler.draw(sampler.prompt(format.sampleTemplate(), problem.instruction(), null),
                seed(problem, "sample"), settings.samplesPerProblem());
        List<Integer> wrong = new ArrayList<>();
        List<String> solutions = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            Sampling.Sample s = samples.get(i);
            String solution = format.solution(s.text());
            solutions.add(solution);
            if (s.promptTooLong()) {
                out.reject("prompt-too-long: the problem's prompt does not fit the model's context");
                break;
            }
            if (grade(problem, solution)) {
                out.correct++;
            } else {
                wrong.add(i);
            }
            out.samples++;
        }
        out.wrong = wrong.size();
        out.sampleNanos = System.nanoTime() - t0;
        Rollouts rollouts = new Rollouts(problem);
        for (int i = 0; i < samples.size(); i++) {
            if (!wrong.contains(i) && i < out.samples) {
                rollouts.reached.add(solutions.get(i));
            }
        }
        Set<String> seen = new LinkedHashSet<>();
        for (int i : wrong) {
            buildFromSample(problem, i, solutions.get(i), samples.get(i), rollouts, seen, out);
        }
        out.rollouts = rollouts.spent;
        out.newTokens = sampler.newTokens() - tokens0;
        return out.build();
    }

    private void buildFromSample(Problem problem, int sample, String solution, Sampling.Sample drawn,
            Rollouts rollouts, Set<String> seen, PairOutcome.Builder out) {
        if (drawn.text().isBlank()) {
            out.reject("empty-solution: sample " + sample + " is empty");
            return;
        }
        StepFormat.Steps steps = StepFormat.steps(solution);
        if (steps.count() == 0) {
            out.reject("unparseable-solution: sample " + sample + " has no 'Step k:' labels");
            return;
        }
        long t0 = System.nanoTime();
        StepVerifier.Verdict verdict = TaskVerifier.verify(problem, solution);
        Integer verifierStep = verdict == null || verdict.correct() ? null
                : Math.min(verdict.firstWrong(), steps.count());
        int k;
        long spent = rollouts.spent;
        String evidence = ""; // what located step k: rollout estimates or the judge's verdicts
        if (settings.locate() == Locate.VERIFIER) {
            if (verdict == null) {
                throw new IllegalArgumentException("--locate verifier: problem " + problem.idx()
                        + " has no exact step verifier (only the synthetic task has one, with its 'output' solution)");
            }
            if (verifierStep == null) {
                out.unlocated("verifier-passes");
                return;
            }
            k = verifierStep;
        } else if (settings.locate() == Locate.JUDGE) {
            StepJudge.Judgement judgement = judge.judge(problem.instruction(), problem.reference(), steps);
            k = judgement.firstWrong();
            evidence = judgement.describe();
        } else {
            Map<Integer, String> estimates = new TreeMap<>();
            k = rollouts.locate(steps, firstFalseEquation(steps), estimates);
            evidence = format(estimates);
        }
        out.locateNanos += System.nanoTime() - t0;
        if (k <= 0) {
            out.unlocated(settings.locate() == Locate.JUDGE
                    ? (k == 0 ? "judge-finds-no-error" : "judge-prompt-too-long")
                    : (k == 0 ? "never-reaches-answer" : "prefix-too-long"));
            return;
        }
        out.located(k, verifierStep);
        long t1 = System.nanoTime();
        String prefix = steps.upToLabel(k);
        List<Sampling.Sample> fixes = sampler.draw(sampler.prompt(settings.format().prefixTemplate(),
                problem.instruction(), prefix), seed(problem, "rectify|" + sample), settings.rectifySamples());
        String rejected = steps.body(k);
        for (Sampling.Sample fix : fixes) {
            if (fix.promptTooLong()) {
                out.reject("prefix-too-long: the prefix of sample " + sample + " through step " + k
                        + " does not fit the model's context");
                break;
            }
            if (!grade(problem, prefix + fix.text())) {
                continue;
            }
            String chosen = StepFormat.firstStep(fix.text());
            if (chosen.strip().equals(rejected.strip())) {
                out.sameAsRejected++;
                continue;
            }
            if (settings.checkEquations() && EquationCheck.firstFalse(chosen) != null) {
                out.falseEquation++;
                continue;
            }
            String key = prefix + "\u0000" + chosen + "\u0000" + rejected;
            if (!seen.add(key)) {
                continue;
            }
            Boolean chosenVerified = null;
            if (verdict != null) {
                StepVerifier.Verdict v = TaskVerifier.verify(problem, prefix + fix.text());
                chosenVerified = v.correct() || v.firstWrong() > k;
            }
            out.pairs.add(new PairOutcome.Pair(settings.format().head() + prefix, chosen, rejected, fix.text(),
                    steps.after(k), sample, k, steps.count(), settings.locate().flag(), evidence,
                    verifierStep, chosenVerified, rollouts.spent - spent));
        }
        out.rectifyNanos += System.nanoTime() - t1;
    }

    /** The first step whose written equation is false (the step count when none, or when not checking). */
    private int firstFalseEquation(StepFormat.Steps steps) {
        if (settings.checkEquations()) {
            for (int k = 1; k < steps.count(); k++) {
                if (EquationCheck.firstFalse(steps.body(k)) != null) {
                    return k;
                }
            }
        }
        return steps.count();
    }

    private static boolean grade(Problem problem, String solution) {
        return Grader.gradeCompletion(solution, problem.answers()).correct();
    }

    private long seed(Problem problem, String purpose) {
        return GenerateCompletions.seedOf(settings.seed(), problem.idx() + "|" + purpose);
    }

    private static String format(Map<Integer, String> estimates) {
        StringBuilder sb = new StringBuilder();
        estimates.forEach((j, s) -> sb.append(sb.length() == 0 ? "" : ",").append(j).append(':').append(s));
        return sb.toString();
    }

    /**
     * Rollout localization for one problem: a prefix's success estimate is the share of
     * {@code rollouts} continuations from it that reach the gold answer. A prefix that a solution
     * known to reach the answer (a correct sample, or an earlier successful rollout) starts with
     * needs no rollouts: it can reach the answer. Estimates are shared by the problem's wrong
     * samples (equal prefixes are probed once).
     */
    private final class Rollouts {
        private final Problem problem;
        private final Map<String, Double> cache = new HashMap<>();
        /** Whole solutions known to reach the gold answer. */
        final List<String> reached = new ArrayList<>();
        long spent;

        Rollouts(Problem problem) {
            this.problem = problem;
        }

        /**
         * The first step k after which the prefix cannot reach the answer while the prefix before it
         * could, searched among steps 1..knownWrong (a step known to be wrong, or the last);
         * 0 when not even the empty prefix reaches it, -1 when a prefix does not fit the context.
         */
        int locate(StepFormat.Steps steps, int knownWrong, Map<Integer, String> estimates) {
            int n = knownWrong;
            if (reached.isEmpty()) {
                double s0 = estimate(steps, 0, estimates);
                if (s0 <= 0) {
                    return s0 < 0 ? -1 : 0;
                }
            }
            // free evidence first: the longest prefix a solution known to reach the answer starts with
            int good = 0;
            while (good + 1 < n && knownToReach(steps.through(good + 1))) {
                good++;
                estimates.put(good, "reached");
            }
            if (settings.search() == Locate.Search.LINEAR) {
                for (int j = good + 1; j < n; j++) {
                    double s = estimate(steps, j, estimates);
                    if (s <= 0) {
                        return s < 0 ? -1 : j;
                    }
                }
                return n;
            }
            // bisection, probing the step just past the frontier first (where errors most often are)
            if (good + 1 < n) {
                double s = estimate(steps, good + 1, estimates);
                if (s <= 0) {
                    return s < 0 ? -1 : good + 1;
                }
                good++;
            }
            int bad = n; // the solution through step n is wrong
            while (bad - good > 1) {
                int mid = (good + bad) >>> 1;
                double s = estimate(steps, mid, estimates);
                if (s < 0) {
                    return -1;
                }
                if (s > 0) {
                    good = mid;
                } else {
                    bad = mid;
                }
            }
            return bad;
        }

        private boolean knownToReach(String prefix) {
            for (String solution : reached) {
                if (solution.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        /** Share of rollouts from steps 1..j that reach the answer; -1 when the prefix is too long. */
        private double estimate(StepFormat.Steps steps, int j, Map<Integer, String> estimates) {
            String prefix = steps.through(j);
            if (knownToReach(prefix)) {
                estimates.put(j, "reached");
                return 1;
            }
            Double known = cache.get(prefix);
            if (known == null) {
                List<Sampling.Sample> runs = sampler.draw(sampler.prompt(settings.format().prefixTemplate(),
                        problem.instruction(), prefix), seed(problem, "rollout|" + prefix.hashCode() + "|" + j),
                        settings.rollouts());
                spent += runs.size();
                int ok = 0;
                boolean tooLong = false;
                for (Sampling.Sample r : runs) {
                    tooLong |= r.promptTooLong();
                    if (grade(problem, prefix + r.text())) {
                        ok++;
                        reached.add(prefix + r.text());
                    }
                }
                known = tooLong ? -1.0 : ok / (double) runs.size();
                cache.put(prefix, known);
            }
            estimates.put(j, String.format(java.util.Locale.ROOT, "%.3f", known));
            return known;
        }
    }
}
