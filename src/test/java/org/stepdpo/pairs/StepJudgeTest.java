package org.stepdpo.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.Scoring;
import org.stepdpo.model.text.HfTokenizer;

/**
 * The step judge's verdicts against the judge model's log-probs recomputed one sequence at a time
 * with {@link Scoring}, on the random {@code qwen2-tiny} fixture with the real Qwen3 tokenizer.
 */
class StepJudgeTest {
    private static final String PROBLEM =
            "Ana has 12 apples. She buys 3 bags of 5 apples. How many apples does she have?";
    private static final String REFERENCE = "Step 1: 3 * 5 = 15 apples.\nStep 2: 12 + 15 = 27 apples.\n"
            + "The answer is \\boxed{27}.";
    private static final String WRONG = "Step 1: 3 * 5 = 15 apples.\nStep 2: 12 + 15 = 28 apples.\n"
            + "Step 3: 28 - 0 = 28 apples.\nThe answer is \\boxed{28}.";
    @TempDir
    static Path shared;
    private static LanguageModel judge;

    /** A judge model folder: the random qwen2-tiny weights with the Qwen3 tokenizer and chat template. */
    static Path qwenJudge(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(Fixtures.model("qwen2-tiny").resolve(f), dir.resolve(f));
        }
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(Fixtures.tokenizer("qwen3").resolve(f), dir.resolve(f));
        }
        return dir;
    }

    @BeforeAll
    static void load() throws Exception {
        judge = new LanguageModel.Spec(qwenJudge(shared.resolve("judge")).toString(), "float32").load(Device.cpu());
    }

    @AfterAll
    static void close() {
        judge.close();
    }

    @Test
    void verdictsAreTheJudgesLikeliestWordsStepByStep() {
        StepFormat.Steps steps = StepFormat.steps(WRONG);
        // batch 3 scores one step per chunk; batch 16 scores five steps together: the same verdicts
        StepJudge.Judgement one = new StepJudge(judge, 3).judge(PROBLEM, REFERENCE, steps);
        StepJudge.Judgement many = new StepJudge(judge, 16).judge(PROBLEM, REFERENCE, steps);
        assertEquals(one.firstWrong(), many.firstWrong());
        assertEquals(one.verdicts(), many.verdicts());
        // an attention budget below one step's rows scores one step per chunk, whatever the batch size
        StepJudge.Judgement budgeted = new StepJudge(judge, 16, 1).judge(PROBLEM, REFERENCE, steps);
        assertEquals(one, budgeted);

        String head = new StepJudge(judge, 3).prompt(PROBLEM, REFERENCE, WRONG);
        StringBuilder lines = new StringBuilder();
        int expectedFirstWrong = 0;
        for (int k = 1; k <= steps.count() && expectedFirstWrong == 0; k++) {
            int[] context = judge.tokenizer().encode(head + lines + "Step " + k + ":");
            StepJudge.Verdict best = null;
            double bestLogp = Double.NEGATIVE_INFINITY;
            for (StepJudge.Verdict v : StepJudge.Verdict.values()) {
                double logp = logp(context, judge.tokenizer().encodeRaw(" " + v.word()));
                if (logp > bestLogp + 1e-4) { // ties within float noise go to the earlier verdict
                    best = v;
                    bestLogp = logp;
                }
            }
            assertEquals(best, one.verdicts().get(k - 1), "step " + k);
            if (best != StepJudge.Verdict.CORRECT) {
                expectedFirstWrong = k;
            }
            lines.append("Step ").append(k).append(": correct\n");
        }
        assertEquals(expectedFirstWrong, one.firstWrong());
        assertEquals(expectedFirstWrong == 0 ? steps.count() : expectedFirstWrong, one.verdicts().size());
        assertTrue(one.describe().startsWith("1:"), one.describe());
    }

    /** Summed log-prob of {@code word} after {@code context}, from one whole-sequence forward pass. */
    private static double logp(int[] context, int[] word) {
        int[] ids = new int[context.length + word.length];
        System.arraycopy(context, 0, ids, 0, context.length);
        System.arraycopy(word, 0, ids, context.length, word.length);
        float[] perToken = Scoring.score(judge.decoder(), ids, 1).tokenLogprobs();
        double sum = 0;
        for (int i = perToken.length - word.length; i < perToken.length; i++) {
            sum += perToken[i];
        }
        return sum;
    }

    @Test
    void thePromptCarriesTheReferenceOnlyWhenThereIsOne() {
        String with = StepJudge.instruction(PROBLEM, REFERENCE, WRONG);
        assertTrue(with.contains(PROBLEM) && with.contains(REFERENCE) && with.contains(WRONG), with);
        assertTrue(with.indexOf(REFERENCE) < with.indexOf(WRONG));
        String without = StepJudge.instruction(PROBLEM, null, WRONG);
        assertFalse(without.contains("reference"), without);
        // the judge's own chat template wraps it as a user turn
        String prompt = new StepJudge(judge, 3).prompt(PROBLEM, null, WRONG);
        assertTrue(prompt.startsWith("<|im_start|>user\n") && prompt.contains(without), prompt);
    }

    @Test
    void aPromptPastTheJudgesContextIsReportedNotScored() {
        String huge = "Ana has 12 apples. ".repeat(800);
        StepJudge.Judgement j = new StepJudge(judge, 6).judge(huge, null, StepFormat.steps(WRONG));
        assertEquals(-1, j.firstWrong());
    }

    @Test
    void aTaskVocabularyWithoutTheVerdictWordsIsRefusedNamingTheFlag() {
        try (HfTokenizer tiny = HfTokenizer.load(Path.of("data/models/arith-tiny"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> StepJudge.verdictIds(tiny, "--judge-model"));
            assertTrue(e.getMessage().startsWith("--judge-model") && e.getMessage().contains("cannot judge"),
                    e.getMessage());
        }
    }
}
