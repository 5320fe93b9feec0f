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
 * wanted, so the verdicts of every step come from one batch of forward passes (in chunks of at most
 * {@code batchSize} rows and {@link #ATTENTION_CELLS} attention scores, stopping at the first chunk
 * that holds an error).
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
    private final long attentionCells;
    private final int[][] words;

    /**
     * Attention-score cells (rows x width^2 x heads) one scoring pass may hold, about 512 MiB of
     * FP32 scores: long solutions are scored in fewer rows at a time, so the judge's memory stays
     * bounded whatever the solutions' lengths (a step's three rows always go together).
     */
    public static final long ATTENTION_CELLS = 1L << 27;

    /**
     * @param judge     the judge model (may be the policy model itself)
     * @param batchSize rows scored together at most (at least 3: one step's three verdicts)
     */
    public StepJudge(LanguageModel judge, int batchSize) {
        this(judge, batchSize, ATTENTION_CELLS);
    }

    /** As above, with {@code attentionCells} in place of {@link #ATTENTION_CELLS}. */
    StepJudge(LanguageModel judge, int batchSize, long attentionCells) {
        this.judge = judge;
        this.attentionCells = attentionCells;
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
        int heads = judge.decoder().config().numHeads();
        int longestWord = 0;
        for (int[] w : words) {
            longestWord = Math.max(longestWord, w.length);
        }
        List<Verdict> verdicts = new ArrayList<>();
        StringBuilder lines = new StringBuilder();
        int k = 1;
        while (k <= n) {
            // one chunk: up to batchSize rows (three per step) whose attention scores fit the budget
            List<int[]> contexts = new ArrayList<>();
            boolean tooLong = false;
            while (k <= n && 3 * (contexts.size() + 1) <= batchSize) {
                int[] context = judge.tokenizer().encode(head + lines + "Step " + k + ":");
                long width = context.length + longestWord;
                if (width > maxPositions) {
                    tooLong = true;
                    break;
                }
                if (!contexts.isEmpty() && 3L * (contexts.size() + 1) * width * width * heads > attentionCells) {
                    break;
                }
                contexts.add(context);
                lines.append("Step ").append(k).append(": ").append(Verdict.CORRECT.word()).append('\n');
                k++;
            }
            if (!contexts.isEmpty()) {
                int from = k - contexts.size();
                Judgement found = scoreSteps(from, contexts, verdicts);
                if (found != null) {
                    return found;
                }
            }
            if (tooLong) {
                return new Judgement(-1, verdicts);
            }
        }
        return new Judgement(0, verdicts);
    }

    /** Scores steps {@code from..} with their contexts, adds their verdicts; the judgement at the first error. */
    private Judgement scoreSteps(int from, List<int[]> contexts, List<Verdict> verdicts) {
        int rows = 3 * contexts.size();
        int[][] prompts = new int[rows][];
        int[][] responses = new int[rows][];
        for (int i = 0; i < contexts.size(); i++) {
            for (int v = 0; v < 3; v++) {
                prompts[3 * i + v] = contexts.get(i);
                responses[3 * i + v] = words[v];
            }
        }
        float[] logps = score(prompts, responses);
        for (int i = 0; i < contexts.size(); i++) {
            Verdict best = Verdict.CORRECT;
            float bestLogp = logps[3 * i];
            for (int v = 1; v < 3; v++) {
                if (logps[3 * i + v] > bestLogp) {
                    best = Verdict.values()[v];
                    bestLogp = logps[3 * i + v];
                }
            }
            verdicts.add(best);
            if (best != Verdict.CORRECT) {
                return new Judgement(from + i, verdicts);
            }
        }
        return null;
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
