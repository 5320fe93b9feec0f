package org.stepdpo.pairs;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a prompt family frames a step-by-step solution, and how a solution is cut into steps.
 *
 * <p>For the seed's families ({@code qwen2-boxed}, {@code deepseek-math}, {@code alpaca}) solutions
 * are sampled with the {@code -step} template, whose prompt ends in
 * {@code "Let's think step by step.\nStep 1: "}, and continued from a prefix with the {@code -prefix}
 * template (template + {@code "Let's think step by step.\n"} + prefix); the pair's
 * {@code initial_reason_steps} is then {@code "Let's think step by step.\n"} + steps 1..k-1 +
 * {@code "Step k:"}, exactly what the training template appends. For {@code chat} (the model's own
 * template) the model writes {@code "Step 1: …"} itself and the steps follow the rendered turn
 * directly.
 *
 * @param family         the training template name ({@code --prompt} of TrainStepDpoJob)
 * @param sampleTemplate generation template that starts a solution
 * @param prefixTemplate generation template that continues a given prefix
 * @param head           text between the template and the solution ({@code "Let's think step by step.\n"} or "")
 * @param opening        what the sample template already wrote of the solution ({@code "Step 1: "} or "")
 */
public record StepFormat(String family, String sampleTemplate, String prefixTemplate, String head, String opening)
        implements java.io.Serializable {
    private static final String THINK = "Let's think step by step.\n";
    private static final Pattern LABEL = Pattern.compile("(?m)^[ \\t]*Step\\s+(\\d+)\\s*:");

    /** Families BuildPairsJob accepts for {@code --prompt}. */
    public static final List<String> FAMILIES = List.of("chat", "qwen2-boxed", "deepseek-math", "alpaca");

    /** The format of a family, or an error naming {@code --prompt}. */
    public static StepFormat of(String family) {
        return switch (family == null ? "" : family) {
            case "chat" -> new StepFormat("chat", "chat", "chat", "", "");
            case "qwen2-boxed" -> new StepFormat(family, "qwen2-boxed-step", "qwen2-boxed-prefix", THINK, "Step 1: ");
            case "deepseek-math" -> new StepFormat(family, "deepseek-math-step", "deepseek-math-prefix", THINK,
                    "Step 1: ");
            case "alpaca" -> new StepFormat(family, "alpaca-cot-step", "alpaca-cot-prefix", THINK, "Step 1: ");
            default -> throw new IllegalArgumentException("--prompt: BuildPairsJob samples step by step with one of "
                    + String.join(", ", FAMILIES) + " (default: chat when the model has a chat_template), got '"
                    + family + "'");
        };
    }

    /** The solution a sampled completion stands for: what the template opened it with, then the completion. */
    public String solution(String completion) {
        return opening + completion;
    }

    /**
     * A solution cut at its {@code Step k:} labels. Step {@code k} (1-based) runs from its label to
     * the newline before the next label; the last step runs to the end, final answer included (as in
     * the seed, where a step is the text before the next {@code "\nStep "}).
     *
     * @param text        the solution
     * @param labelStarts where each label starts
     * @param labelEnds   just after each label's colon
     */
    public record Steps(String text, int[] labelStarts, int[] labelEnds) {
        /** How many steps. */
        public int count() {
            return labelStarts.length;
        }

        /** The solution through step {@code j} (0: only what precedes step 1), ending where step j+1 begins. */
        public String through(int j) {
            return j >= count() ? text : text.substring(0, labelStarts[j]);
        }

        /** The solution up to and including the label of step {@code k}: {@code "…Step k:"}. */
        public String upToLabel(int k) {
            return text.substring(0, labelEnds[k - 1]);
        }

        /** The text of step {@code k} after its label (e.g. {@code " 5 * 3 = 15 apples."}). */
        public String body(int k) {
            int end = k < count() ? labelStarts[k] : text.length();
            if (k < count() && end > 0 && text.charAt(end - 1) == '\n') {
                end--;
            }
            return text.substring(labelEnds[k - 1], end);
        }

        /** Everything after the label of step {@code k}. */
        public String after(int k) {
            return text.substring(labelEnds[k - 1]);
        }
    }

    /** Cuts {@code solution} at its step labels; {@link Steps#count()} is 0 when it has none. */
    public static Steps steps(String solution) {
        Matcher m = LABEL.matcher(solution);
        List<int[]> found = new ArrayList<>();
        while (m.find()) {
            found.add(new int[] {m.start(), m.end()});
        }
        int[] starts = new int[found.size()];
        int[] ends = new int[found.size()];
        for (int i = 0; i < found.size(); i++) {
            starts[i] = found.get(i)[0];
            ends[i] = found.get(i)[1];
        }
        return new Steps(solution, starts, ends);
    }

    /**
     * The first step of a continuation generated after {@code "Step k:"}: its text before the first
     * {@code "\nStep "} (the whole continuation when there is none).
     */
    public static String firstStep(String continuation) {
        int next = continuation.indexOf("\nStep ");
        return next < 0 ? continuation : continuation.substring(0, next);
    }
}
