package org.stepdpo.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.stepdpo.synthetic.StepVerifier.Kind;
import org.stepdpo.synthetic.StepVerifier.Verdict;

class StepVerifierTest {
    private static final String PROBLEM = "Mia has 34 marbles. She buys 5 bags with 12 marbles in each bag. "
            + "She gives 27 marbles to a friend. How many marbles does Mia have now?";
    private static final String GOLD = "Step 1: 5 * 12 = 60 marbles.\nStep 2: 34 + 60 = 94 marbles.\n"
            + "Step 3: 94 - 27 = 67 marbles.\nThe answer is \\boxed{67}.";

    private static Verdict check(String candidate) {
        return StepVerifier.verify(PROBLEM, GOLD, candidate);
    }

    @Test
    void goldAndItsHarmlessVariantsAreCorrect() {
        assertTrue(check(GOLD).correct());
        assertEquals(3, check(GOLD).steps());
        // operands of + and * in either order, other words, a preamble, no unit
        assertTrue(check("Let's think step by step.\nStep 1: 12 * 5 = 60.\nStep 2: She has 60 + 34 = 94 now.\n"
                + "Step 3: 94 - 27 = 67 marbles.\nThe answer is \\boxed{67}.").correct());
    }

    @Test
    void eachKindOfMistakeIsFoundAtItsStep() {
        Verdict arithmetic = check(GOLD.replace("= 94", "= 96"));
        assertEquals(2, arithmetic.firstWrong());
        assertEquals(Kind.ARITHMETIC, arithmetic.kind());

        Verdict unknown = check(GOLD.replace("34 + 60 = 94", "35 + 60 = 95"));
        assertEquals(2, unknown.firstWrong());
        assertEquals(Kind.UNKNOWN_OPERAND, unknown.kind());

        Verdict needless = check(GOLD.replace("34 + 60 = 94", "34 + 12 = 46"));
        assertEquals(2, needless.firstWrong(), "true arithmetic on stated numbers, but not a step of the solution");
        assertEquals(Kind.NOT_NEEDED, needless.kind());

        Verdict reversed = check(GOLD.replace("94 - 27 = 67", "27 - 94 = 67"));
        assertEquals(3, reversed.firstWrong());

        Verdict unparseable = check(GOLD.replace("34 + 60 = 94", "34 + 60 is ninety-four"));
        assertEquals(2, unparseable.firstWrong());
        assertEquals(Kind.UNPARSEABLE, unparseable.kind());

        Verdict twoOps = check(GOLD.replace("Step 2: 34 + 60 = 94 marbles.", "Step 2: 34 + 60 - 27 = 67 marbles."));
        assertEquals(Kind.UNPARSEABLE, twoOps.kind());

        Verdict renumbered = check(GOLD.replace("Step 3:", "Step 4:"));
        assertEquals(3, renumbered.firstWrong());
        assertEquals(Kind.UNPARSEABLE, renumbered.kind());
    }

    @Test
    void theFinalAnswerMustBeStatedFollowAndBeTheAnswer() {
        Verdict wrong = check(GOLD.replace("\\boxed{67}", "\\boxed{76}"));
        assertEquals(4, wrong.firstWrong());
        assertEquals(Kind.FINAL_ANSWER, wrong.kind());

        Verdict early = check("Step 1: 5 * 12 = 60 marbles.\nStep 2: 34 + 60 = 94 marbles.\nThe answer is \\boxed{94}.");
        assertEquals(3, early.firstWrong(), "stopping early is wrong at the final-answer line");
        assertEquals(Kind.FINAL_ANSWER, early.kind());

        Verdict missing = check("Step 1: 5 * 12 = 60 marbles.\nStep 2: 34 + 60 = 94 marbles.\nStep 3: 94 - 27 = 67");
        assertEquals(4, missing.firstWrong(), "a solution cut off before its answer");

        Verdict unsupported = check("Step 1: 5 * 12 = 60 marbles.\nThe answer is \\boxed{67}.");
        assertEquals(2, unsupported.firstWrong(), "the gold answer without the steps that reach it");
    }

    @Test
    void independentStepsMayComeInAnyOrderThatKeepsTheirInputs() {
        String problem = "Ana buys 3 books for $12 each. She also buys 4 mugs for $5 each. "
                + "How much does Ana spend in all?";
        String gold = "Step 1: 3 * 12 = 36 dollars.\nStep 2: 4 * 5 = 20 dollars.\nStep 3: 36 + 20 = 56 dollars.\n"
                + "The answer is \\boxed{56}.";
        String swapped = "Step 1: 4 * 5 = 20 dollars.\nStep 2: 3 * 12 = 36 dollars.\nStep 3: 20 + 36 = 56 dollars.\n"
                + "The answer is \\boxed{56}.";
        assertTrue(StepVerifier.verify(problem, gold, swapped).correct());
        String early = "Step 1: 36 + 20 = 56 dollars.\nThe answer is \\boxed{56}.";
        Verdict v = StepVerifier.verify(problem, gold, early);
        assertEquals(1, v.firstWrong(), "a step before the steps it needs");
        assertEquals(Kind.UNKNOWN_OPERAND, v.kind());
        String repeated = "Step 1: 3 * 12 = 36 dollars.\nStep 2: 3 * 12 = 36 dollars.\nStep 3: 4 * 5 = 20 dollars.\n"
                + "Step 4: 36 + 20 = 56 dollars.\nThe answer is \\boxed{56}.";
        assertEquals(2, StepVerifier.verify(problem, gold, repeated).firstWrong());
    }

    /** Corrupted gold solutions of generated problems: the verifier must find the planted position. */
    @Test
    void findsThePlantedFirstWrongStepInThousandsOfCorruptedSolutions() {
        SyntheticTask task = new SyntheticTask(99, Difficulty.DEFAULT);
        SplittableRandom random = new SplittableRandom(7);
        Map<Corruption, int[]> found = new EnumMap<>(Corruption.class); // {planted, found}
        int clean = 0;
        for (int i = 0; i < 1500; i++) {
            SyntheticProblem p = task.candidate(i);
            assertTrue(StepVerifier.verify(p, p.solution()).correct(), () -> "gold flagged: " + p.solution());
            clean++;
            for (Corruption c : Corruption.values()) {
                Planted planted = c.apply(p, random);
                if (planted == null) {
                    continue;
                }
                int[] counts = found.computeIfAbsent(c, k -> new int[2]);
                counts[0]++;
                Verdict v = StepVerifier.verify(p, planted.text());
                if (v.firstWrong() == planted.position()) {
                    counts[1]++;
                }
            }
        }
        assertEquals(1500, clean);
        int planted = 0;
        int hits = 0;
        for (Map.Entry<Corruption, int[]> e : found.entrySet()) {
            assertTrue(e.getValue()[0] >= 500, e.getKey() + " planted only " + e.getValue()[0] + " times");
            planted += e.getValue()[0];
            hits += e.getValue()[1];
            double rate = (double) e.getValue()[1] / e.getValue()[0];
            assertTrue(rate >= 0.99, e.getKey() + ": found " + e.getValue()[1] + " of " + e.getValue()[0]);
        }
        assertEquals(4, found.size());
        assertTrue(planted >= 4000, "planted " + planted);
        assertTrue((double) hits / planted >= 0.99, hits + " of " + planted);
    }

    /** A corrupted solution and the position of its first real mistake. */
    record Planted(String text, int position) {}

    /** The kinds of corruption, each knowing where its first mistake lands. */
    enum Corruption {
        WRONG_RESULT {
            @Override
            Planted apply(SyntheticProblem p, SplittableRandom r) {
                int k = r.nextInt(p.level());
                List<String> lines = lines(p);
                SolutionStep s = p.steps().get(k);
                long wrong = s.result() + (r.nextBoolean() ? 1 : -1) * (1 + r.nextInt(s.result() > 20 ? 20 : 1));
                if (wrong < 0 || wrong == s.result()) {
                    wrong = s.result() + 10;
                }
                lines.set(k, lines.get(k).replace("= " + s.result() + " ", "= " + wrong + " "));
                return new Planted(String.join("\n", lines), k + 1);
            }
        },
        SWAPPED_OPERAND {
            @Override
            Planted apply(SyntheticProblem p, SplittableRandom r) {
                int k = r.nextInt(p.level());
                SolutionStep s = p.steps().get(k);
                List<Long> available = new ArrayList<>(StepVerifier.problemNumbers(p.text()));
                for (int j = 0; j < k; j++) {
                    available.add(p.steps().get(j).result());
                }
                java.util.Collections.sort(available);
                for (int tries = 0; tries < 20; tries++) {
                    long other = available.get(r.nextInt(available.size()));
                    boolean left = r.nextBoolean();
                    long a = left ? other : s.left();
                    long b = left ? s.right() : other;
                    long c = s.op().apply(a, b);
                    if (c < 0 || isGold(p, s.op(), a, b)) {
                        continue;
                    }
                    List<String> lines = lines(p);
                    lines.set(k, new SolutionStep(s.op(), a, b, c, s.unit()).text(k + 1));
                    return new Planted(String.join("\n", lines), k + 1);
                }
                return null;
            }
        },
        SKIPPED_STEP {
            @Override
            Planted apply(SyntheticProblem p, SplittableRandom r) {
                int k = r.nextInt(p.level());
                int n = p.level();
                if (k < n - 1) {
                    // skip only a step whose result the next step needs and nothing else provides
                    SolutionStep s = p.steps().get(k);
                    SolutionStep next = p.steps().get(k + 1);
                    Set<Long> other = new HashSet<>(StepVerifier.problemNumbers(p.text()));
                    for (int j = 0; j < k; j++) {
                        other.add(p.steps().get(j).result());
                    }
                    boolean needed = (next.left() == s.result() || next.right() == s.result()) && !other.contains(s.result());
                    if (!needed) {
                        return null;
                    }
                }
                List<String> out = new ArrayList<>();
                for (int j = 0, num = 1; j < n; j++) {
                    if (j != k) {
                        out.add(p.steps().get(j).text(num++));
                    }
                }
                out.add(SyntheticProblem.answerLine(p.answer()));
                return new Planted(String.join("\n", out), k + 1);
            }
        },
        WRONG_FINAL_ANSWER {
            @Override
            Planted apply(SyntheticProblem p, SplittableRandom r) {
                List<String> lines = lines(p);
                long wrong = p.answer() + 1 + r.nextInt(9);
                lines.set(p.level(), SyntheticProblem.answerLine(wrong));
                return new Planted(String.join("\n", lines), p.level() + 1);
            }
        };

        abstract Planted apply(SyntheticProblem p, SplittableRandom r);

        static List<String> lines(SyntheticProblem p) {
            return new ArrayList<>(List.of(p.solution().split("\n")));
        }

        static boolean isGold(SyntheticProblem p, Op op, long a, long b) {
            for (SolutionStep s : p.steps()) {
                if (s.sameComputation(op, a, b)) {
                    return true;
                }
            }
            return false;
        }
    }
}
