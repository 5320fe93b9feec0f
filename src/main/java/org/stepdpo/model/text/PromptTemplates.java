package org.stepdpo.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The seed's prompt templates, byte for byte (Step-DPO {@code train.py} for training,
 * {@code eval_math.py} for generation), plus {@code plain} and {@code chat}.
 *
 * <p>Training prompts are the template followed by the pair's {@code initial_reason_steps}, joined
 * as the seed joins them: {@code alpaca} with {@code "\n"}, {@code deepseek-math} with a space,
 * {@code qwen2-boxed} with nothing, and the bare template when there are no steps. Generation adds
 * the {@code -step} variants (… {@code "Let's think step by step.\nStep 1: "}) and {@code -prefix}
 * variants (… {@code "Let's think step by step.\n"} + a given prefix); the generation {@code alpaca}
 * differs from training ({@code "### Response: Let's think step by step."}).
 *
 * <p>{@code plain} is the bare instruction (then {@code "\n"} + steps or prefix, when given), for
 * models with no template. {@code chat} is the model's own chat template: it needs a
 * {@link ChatTemplate}, so the two-argument forms refuse it and the overloads taking one accept it;
 * its training prompt is the rendered user turn with the steps appended directly (the turn ends
 * with the assistant header), its generation prompt the same with the prefix, if any.
 */
public final class PromptTemplates {

    /** Names accepted by {@link #training}. */
    public static final List<String> TRAINING_NAMES = List.of("alpaca", "deepseek-math", "qwen2-boxed", "plain", "chat");

    /** Names accepted by {@link #generation}. */
    public static final List<String> GENERATION_NAMES = List.of("alpaca", "alpaca-cot-step", "alpaca-cot-prefix",
            "deepseek-math", "deepseek-math-step", "deepseek-math-prefix", "qwen2-boxed", "qwen2-boxed-step",
            "qwen2-boxed-prefix", "plain", "chat");

    /** Every name accepted by {@link #training} or {@link #generation}. */
    public static final List<String> NAMES = GENERATION_NAMES;

    private static final String ALPACA_HEAD = "Below is an instruction that describes a task. "
            + "Write a response that appropriately completes the request.\n\n### Instruction:\n";
    private static final String BOXED = "\nPlease reason step by step, and put your final answer within \\boxed{}.";
    private static final String QWEN_SYSTEM = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n";
    private static final String THINK = "Let's think step by step.\n";
    private static final String STEP_1 = THINK + "Step 1: ";

    private PromptTemplates() {}

    /** Training prompt (Step-DPO pairs): template + initial_reason_steps joined exactly as the seed does. */
    public static String training(String name, String instruction, String initialReasonSteps) {
        return training(name, instruction, initialReasonSteps, null);
    }

    /**
     * Training prompt, with the model's chat template for the name {@code chat} (null otherwise).
     *
     * @param initialReasonSteps the pair's initial steps; null or empty means none
     */
    public static String training(String name, String instruction, String initialReasonSteps, ChatTemplate chat) {
        requireInstruction(instruction);
        String steps = initialReasonSteps == null ? "" : initialReasonSteps;
        boolean hasSteps = !steps.isEmpty();
        switch (checkName(name, TRAINING_NAMES, "training")) {
            case "alpaca":
                return alpaca(instruction) + (hasSteps ? "\n" + steps : "");
            case "deepseek-math":
                return deepseekMath(instruction) + (hasSteps ? " " + steps : "");
            case "qwen2-boxed":
                return qwen2Boxed(instruction) + steps;
            case "plain":
                return instruction + (hasSteps ? "\n" + steps : "");
            default:
                return requireChat(chat).renderUser(instruction) + steps;
        }
    }

    /** Generation prompt for sampling/eval: for -prefix names, prefix is appended; other names ignore prefix (may be null). */
    public static String generation(String name, String instruction, String prefix) {
        return generation(name, instruction, prefix, null);
    }

    /**
     * Generation prompt, with the model's chat template for the name {@code chat} (null otherwise).
     *
     * @param prefix required (may be empty) for {@code -prefix} names; appended after {@code "\n"} for
     *               {@code plain} and directly for {@code chat} when non-empty; ignored otherwise
     */
    public static String generation(String name, String instruction, String prefix, ChatTemplate chat) {
        requireInstruction(instruction);
        String checked = checkName(name, GENERATION_NAMES, "generation");
        if (checked.endsWith("-prefix") && prefix == null) {
            throw new IllegalArgumentException("prompt '" + checked + "' needs a prefix (the correct steps "
                    + "to continue from); got none");
        }
        boolean hasPrefix = prefix != null && !prefix.isEmpty();
        switch (checked) {
            case "alpaca":
                return ALPACA_HEAD + instruction + "\n\n### Response: Let's think step by step.";
            case "alpaca-cot-step":
                return alpaca(instruction) + "\n" + STEP_1;
            case "alpaca-cot-prefix":
                return alpaca(instruction) + "\n" + THINK + prefix;
            case "deepseek-math":
                return deepseekMath(instruction);
            case "deepseek-math-step":
                return deepseekMath(instruction) + " " + STEP_1;
            case "deepseek-math-prefix":
                return deepseekMath(instruction) + " " + THINK + prefix;
            case "qwen2-boxed":
                return qwen2Boxed(instruction);
            case "qwen2-boxed-step":
                return qwen2Boxed(instruction) + STEP_1;
            case "qwen2-boxed-prefix":
                return qwen2Boxed(instruction) + THINK + prefix;
            case "plain":
                return instruction + (hasPrefix ? "\n" + prefix : "");
            default:
                return requireChat(chat).renderUser(instruction) + (hasPrefix ? prefix : "");
        }
    }

    /** The model's own chat template applied to one user message with add_generation_prompt=true (name "chat"). */
    public static String chat(String chatTemplate, String instruction, Map<String, Object> extraVariables) {
        requireInstruction(instruction);
        return new ChatTemplate(chatTemplate, extraVariables).renderUser(instruction);
    }

    /**
     * The template a job uses when {@code --prompt} is omitted: {@code chat} when the model directory
     * records its prompt format as HF does (a {@code chat_template} in {@code tokenizer_config.json},
     * or {@code chat_template.jinja}), otherwise {@code fallback} (which may be null: none).
     */
    public static String defaultFor(Path modelDir, String fallback) {
        if (Files.isRegularFile(modelDir.resolve("chat_template.jinja"))) {
            return "chat";
        }
        Path config = modelDir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(config)) {
            return fallback;
        }
        try {
            JsonNode template = new ObjectMapper().readTree(config.toFile()).get("chat_template");
            boolean has = template != null && (template.isArray() ? !template.isEmpty() : !template.asText().isBlank());
            return has ? "chat" : fallback;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + config + ": " + e.getMessage(), e);
        }
    }

    private static String alpaca(String instruction) {
        return ALPACA_HEAD + instruction + "\n\n### Response:";
    }

    private static String deepseekMath(String instruction) {
        return "User: " + instruction + BOXED + "\n\nAssistant:";
    }

    private static String qwen2Boxed(String instruction) {
        return QWEN_SYSTEM + "<|im_start|>user\n" + instruction + BOXED + "<|im_end|>\n<|im_start|>assistant\n";
    }

    private static String checkName(String name, List<String> valid, String kind) {
        if (name == null || !valid.contains(name)) {
            throw new IllegalArgumentException("unknown " + kind + " prompt template '" + name + "': expected one of "
                    + String.join(", ", valid));
        }
        return name;
    }

    private static ChatTemplate requireChat(ChatTemplate chat) {
        if (chat == null) {
            throw new IllegalArgumentException("prompt template 'chat' needs the model's chat_template: pass a "
                    + "ChatTemplate (e.g. new ChatTemplate(tokenizer.chatTemplate(), tokenizer.templateVariables())) "
                    + "or call PromptTemplates.chat(...)");
        }
        return chat;
    }

    private static void requireInstruction(String instruction) {
        if (instruction == null) {
            throw new IllegalArgumentException("instruction is null: expected the problem text");
        }
    }
}
