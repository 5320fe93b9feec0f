package org.stepdpo.pairs;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.model.Mode;
import org.stepdpo.model.ResponseLogps;
import org.stepdpo.model.text.ChatTemplate;
import org.stepdpo.model.text.HfTokenizer;

/**
 * Judge localization ({@code --locate judge}): a language model, served by the project's own
 * engine, gives each step of a wrong solution a verdict in the seed's scheme (correct, neutral or
 * incorrect), given the problem, a correct reference solution when the data has one, and the wrong
 * solution; the first neutral or incorrect step is the error.
 *
 * <p>The verdicts are read by constrained scoring, not parsed from free text, so that any causal LM
 * gives a verdict for every step: after the judge prompt (the judge's own chat template when it has
 * one) and the verdict lines {@code "Step 1: correct\n…Step k-1: correct\n"}, the judge's summed
 * log-probs of the three verdict words after {@code "Step k:"} decide step k (ties go to
 * {@code correct}). Earlier steps are written as correct because only the first non-correct step is
 * wanted, so the verdicts of every step come from one batch of forward passes (in chunks of
 * {@code batchSize} rows, stopping at the first chunk that holds an error).
 */
public final class StepJudge {
    /** A step's verdict. */
    public enum Verdict {
        CORRECT, NEUTRAL, INCORRECT;

        /** The word the judge writes, as in the seed's labels. */
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What the judge said of a solution.
     *
     * @param firstWrong the first neutral or incorrect step (1-based); 0 when every step is correct;
     *                   -1 when the judge prompt does not fit the judge's context
     * @param verdicts   the verdicts of steps 1..firstWrong (of every step when none is wrong)
     */
    public record Judgement(int firstWrong, List<Verdict> verdicts) {
        /** The verdicts as provenance text, e.g. {@code "1:correct,2:incorrect"}. */
        public String describe() {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < verdicts.size(); i++) {
                sb.append(i == 0 ? "" : ",").append(i + 1).append(':').append(verdicts.get(i).word());
            }
            return sb.toString();
        }
    }

    private final LanguageModel judge;
    private final ChatTemplate chat;
    private final int batchSize;
    private final int[][] words;

    /**
     * @param judge     the judge model (may be the policy model itself)
     * @param batchSize rows scored together at most (at least 3: one step's three verdicts)
     */
    public StepJudge(LanguageModel judge, int batchSize) {
        this.judge = judge;
        String template = judge.tokenizer().chatTemplate();
        this.chat = template == null ? null : new ChatTemplate(template, judge.tokenizer().templateVariables());
        this.batchSize = Math.max(3, batchSize - batchSize % 3);
        this.words = verdictIds(judge.tokenizer(), "--judge-model");
    }

    /**
     * The token ids of the three verdict words as the judge writes them after {@code "Step k:"}; an
     * error naming {@code flag} when the tokenizer cannot tell them apart (a task vocabulary without
     * these words maps all three to its unknown token), since such a model cannot give verdicts.
     */
    public static int[][] verdictIds(HfTokenizer tokenizer, String flag) {
        Verdict[] all = Verdict.values();
        int[][] ids = new int[all.length][];
        for (int i = 0; i < all.length; i++) {
            ids[i] = tokenizer.encodeRaw(" " + all[i].word());
        }
        for (int i = 0; i < all.length; i++) {
            for (int j = i + 1; j < all.length; j++) {
                if (Arrays.equals(ids[i], ids[j])) {
                    throw new IllegalArgumentException(flag + ": the tokenizer in " + tokenizer.directory()
                            + " encodes the verdict words '" + all[i].word() + "' and '" + all[j].word()
                            + "' alike (" + Arrays.toString(ids[i]) + "), so this model cannot judge steps;"
                            + " choose a model with a general vocabulary");
                }
            }
        }
        return ids;
    }

    /**
     * The judge's request, in plain words: the task, the problem, the reference solution (when
     * there is one) and the solution to check, with the answer format it is read in.
     */
    public static String instruction(String problem, String reference, String solution) {
        StringBuilder sb = new StringBuilder();
        sb.append("Check a step-by-step solution to a math problem.\n\n");
        sb.append("Problem:\n").append(problem.strip()).append("\n\n");
        if (reference != null && !reference.isBlank()) {
            sb.append("A correct reference solution:\n").append(reference.strip()).append("\n\n");
        }
        sb.append("Solution to check:\n").append(solution.strip()).append("\n\n");
        sb.append("For each step of the solution to check, say whether it is correct (right, and a step towards "
                + "the answer), neutral (not wrong, but no progress) or incorrect (it has a mistake). "
                + "Answer with one line per step, such as \"Step 1: correct\".");
        return sb.toString();
    }

    /** The judge prompt: the instruction in the judge's chat template, or alone with a blank line. */
    public String prompt(String problem, String reference, String solution) {
        String text = instruction(problem, reference, solution);
        return chat == null ? text + "\n\n" : chat.renderUser(text);
    }

    /** Judges {@code steps} of a solution to {@code problem} with the optional {@code reference}. */
    public Judgement judge(String problem, String reference, StepFormat.Steps steps) {
        String head = prompt(problem, reference, steps.text());
        int n = steps.count();
        int maxPositions = judge.decoder().config().maxPositions();
        List<Verdict> verdicts = new ArrayList<>();
        StringBuilder lines = new StringBuilder();
        int perChunk = batchSize / 3;
        for (int from = 1; from <= n; from += perChunk) {
            int to = Math.min(n, from + perChunk - 1);
            int rows = 3 * (to - from + 1);
            int[][] prompts = new int[rows][];
            int[][] responses = new int[rows][];
            for (int k = from; k <= to; k++) {
                int[] context = judge.tokenizer().encode(head + lines + "Step " + k + ":");
                for (int v = 0; v < 3; v++) {
                    if (context.length + words[v].length > maxPositions) {
                        return new Judgement(-1, verdicts);
                    }
                    prompts[3 * (k - from) + v] = context;
                    responses[3 * (k - from) + v] = words[v];
                }
                lines.append("Step ").append(k).append(": ").append(Verdict.CORRECT.word()).append('\n');
            }
            float[] logps = score(prompts, responses);
            for (int k = from; k <= to; k++) {
                int at = 3 * (k - from);
                Verdict best = Verdict.CORRECT;
                float bestLogp = logps[at];
                for (int v = 1; v < 3; v++) {
                    if (logps[at + v] > bestLogp) {
                        best = Verdict.values()[v];
                        bestLogp = logps[at + v];
                    }
                }
                verdicts.add(best);
                if (best != Verdict.CORRECT) {
                    return new Judgement(k, verdicts);
                }
            }
        }
        return new Judgement(0, verdicts);
    }

    private float[] score(int[][] prompts, int[][] responses) {
        // one scoring pass at a time on the judge: the threads of a task's problems share it
        synchronized (judge) {
            return scoreNow(prompts, responses);
        }
    }

    private float[] scoreNow(int[][] prompts, int[][] responses) {
        try (NDManager m = judge.decoder().manager().newSubManager()) {
            return ResponseLogps.summed(judge.decoder(), m, prompts, responses, Mode.INFER).summed().toFloatArray();
        }
    }
}
