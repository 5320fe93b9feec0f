package org.stepdpo.train;

import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.spark.LocalPaths;

/**
 * How training data becomes token ids: the tokenizer's model directory, the prompt template, the
 * objective and the length limits. Serializable; executors load the tokenizer from {@code modelDir}.
 *
 * @param modelDir        the model directory holding {@code tokenizer.json} (a local path or
 *                        {@code file:} URI that every executor can read)
 * @param template        a training prompt template ({@code --prompt}, one of
 *                        {@link PromptTemplates#TRAINING_NAMES})
 * @param objective       the pair objective ({@code --loss}), or null for SFT examples
 * @param maxLength       most tokens of prompt + response ({@code --max-length}, TRL's default 1024)
 * @param maxPromptLength most prompt tokens kept when a sequence is too long
 *                        ({@code --max-prompt-length}, TRL's default 512)
 */
public record EncodeSpec(String modelDir, String template, Objective objective, int maxLength, int maxPromptLength)
        implements Serializable {

    /** TRL's {@code max_length} default. */
    public static final int DEFAULT_MAX_LENGTH = 1024;
    /** TRL's {@code max_prompt_length} default. */
    public static final int DEFAULT_MAX_PROMPT_LENGTH = 512;

    /** Checks every setting, naming its flag when one is wrong. */
    public EncodeSpec {
        if (modelDir == null || modelDir.isBlank()) {
            throw new IllegalArgumentException("--model: no model directory given: expected the directory "
                    + "holding tokenizer.json");
        }
        if (template == null || !PromptTemplates.TRAINING_NAMES.contains(template)) {
            throw new IllegalArgumentException("--prompt must be one of " + String.join(", ",
                    PromptTemplates.TRAINING_NAMES) + ", got '" + template + "'");
        }
        if (maxLength <= 0) {
            throw new IllegalArgumentException("--max-length must be positive, got " + maxLength);
        }
        if (maxPromptLength <= 0) {
            throw new IllegalArgumentException("--max-prompt-length must be positive, got " + maxPromptLength);
        }
        if (maxPromptLength >= maxLength) {
            throw new IllegalArgumentException("--max-prompt-length (" + maxPromptLength
                    + ") must be less than --max-length (" + maxLength + ") to leave room for the response");
        }
    }

    /** A spec for preference pairs with TRL's default lengths. */
    public static EncodeSpec pairs(String modelDir, String template, Objective objective) {
        if (objective == null) {
            throw new IllegalArgumentException("--loss: no objective given: expected step-dpo or dpo");
        }
        return new EncodeSpec(modelDir, template, objective, DEFAULT_MAX_LENGTH, DEFAULT_MAX_PROMPT_LENGTH);
    }

    /** A spec for SFT examples (no objective) with TRL's default lengths. */
    public static EncodeSpec sft(String modelDir, String template) {
        return new EncodeSpec(modelDir, template, null, DEFAULT_MAX_LENGTH, DEFAULT_MAX_PROMPT_LENGTH);
    }

    /** The model directory as a local path ({@code file:} URIs accepted). */
    public Path modelPath() {
        return LocalPaths.of(modelDir);
    }

    /** Loads the tokenizer of {@link #modelDir}; the caller closes it. */
    public HfTokenizer loadTokenizer() {
        return HfTokenizer.load(modelPath());
    }

    /**
     * Checks on the driver, before any task starts, that the tokenizer loads and, for the
     * {@code chat} template, has a chat template.
     *
     * @throws IllegalArgumentException naming {@code --model} or {@code --prompt}
     */
    public void check() {
        HfTokenizer tokenizer;
        try {
            tokenizer = loadTokenizer();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e);
        }
        try (tokenizer) {
            new PairEncoder(tokenizer, this);
        }
    }
}
