package org.stepdpo.train;

import java.util.Arrays;
import java.util.Optional;
import org.stepdpo.generate.PairRow;
import org.stepdpo.model.text.ChatTemplate;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.spark.Rejection;
import org.stepdpo.train.PairParser.Parsed;

/**
 * Renders and tokenizes pairs and SFT examples exactly as TRL 0.8.5's {@code DPOTrainer.tokenize_row}
 * (with {@code build_tokenized_answer}) does for the seed, with the seed's change of no EOS after a
 * single step.
 *
 * <ol>
 *   <li>prompt text = {@link PromptTemplates#training} of the template, problem and
 *       {@code initial_reason_steps} (for both objectives and for SFT);</li>
 *   <li>{@code p = encode(prompt_text)}, and for each response {@code full = encode(prompt_text +
 *       response)}, with no special tokens added; the response starts at {@code len(p)}, or one
 *       token earlier when {@code full} does not begin with {@code p} (the tokenizer merged across the
 *       boundary): see {@link #responseStart};</li>
 *   <li>BOS in front of the prompt when the tokenizer config names a {@code bos_token}; EOS after
 *       each response for {@code dpo} and SFT when it names an {@code eos_token}, never for
 *       {@code step-dpo};</li>
 *   <li>truncation as TRL's {@code keep_end}: see {@link #truncate}.</li>
 * </ol>
 *
 * <p>A pair has one prompt for both responses. When only one side merged at the boundary, TRL keeps a
 * prompt one token longer on the other side; here the shared prompt is the shorter one and the other
 * response starts one token earlier (so it also scores that token). The token sequences are TRL's
 * exactly. When the two sides disagree on the shorter prompt's ids themselves, the pair is rejected
 * ({@code prompt-mismatch}); TRL would stop training with a ValueError on such a pair.
 */
public final class PairEncoder {
    private final HfTokenizer tokenizer;
    private final EncodeSpec spec;
    private final ChatTemplate chat;

    /**
     * An encoder for {@code spec} with {@code tokenizer} (not closed here).
     *
     * @throws IllegalArgumentException when the template is {@code chat} and the tokenizer has none
     */
    public PairEncoder(HfTokenizer tokenizer, EncodeSpec spec) {
        this.tokenizer = tokenizer;
        this.spec = spec;
        if (spec.template().equals("chat")) {
            if (tokenizer.chatTemplate() == null) {
                throw new IllegalArgumentException("--prompt chat: " + tokenizer.directory()
                        + " has no chat_template in tokenizer_config.json; choose a named template");
            }
            this.chat = new ChatTemplate(tokenizer.chatTemplate(), tokenizer.templateVariables());
        } else {
            this.chat = null;
        }
    }

    /** The prompt text of a problem and its initial steps (null or empty for none). */
    public String promptText(String problem, String initialReasonSteps) {
        return PromptTemplates.training(spec.template(), problem, initialReasonSteps, chat);
    }

    /**
     * The pair as ids, or a rejection ({@code prompt-mismatch}, {@code empty-response}).
     *
     * @throws IllegalStateException when the spec has no objective (it describes SFT data)
     */
    public Parsed<EncodedPair> encode(PairRow row) {
        Objective objective = spec.objective();
        if (objective == null) {
            throw new IllegalStateException("EncodeSpec has no objective: pairs need --loss step-dpo or dpo");
        }
        String text = promptText(row.prompt(), row.initialReasonSteps());
        Object built = build(text, objective.appendsEos(), new String[] {objective.chosenField(),
            objective.rejectedField()}, objective.chosen(row), objective.rejected(row));
        if (built instanceof String reason) {
            return new Parsed<>(null, new Rejection(row.file(), row.line(), reason, row.toJson()));
        }
        Truncated t = (Truncated) built;
        return new Parsed<>(new EncodedPair(row.id(), t.prompt(), t.responses()[0], t.responses()[1]), null);
    }

    /** The SFT example as ids (EOS after the response when the tokenizer has one), or a rejection. */
    public Parsed<EncodedExample> encode(SftExample example) {
        String text = promptText(example.prompt(), example.initialReasonSteps());
        Object built = build(text, true, new String[] {"response"}, example.response());
        if (built instanceof String reason) {
            return new Parsed<>(null, new Rejection(example.file(), example.line(), reason, example.toJson()));
        }
        Truncated t = (Truncated) built;
        return new Parsed<>(new EncodedExample(example.id(), t.prompt(), t.responses()[0]), null);
    }

    /** A {@link Truncated}, or the rejection reason. */
    private Object build(String promptText, boolean appendEos, String[] names, String... responses) {
        int[][] fulls = new int[responses.length][];
        for (int i = 0; i < responses.length; i++) {
            fulls[i] = tokenizer.encodeRaw(promptText + responses[i]);
        }
        Optional<Split> split = split(tokenizer.encodeRaw(promptText), fulls);
        if (split.isEmpty()) {
            return "prompt-mismatch: the prompt encodes differently before '" + String.join("' and '", names)
                    + "' (a tokenizer merge reaches past the last prompt token)";
        }
        int[] prompt = split.get().prompt();
        int[][] answers = split.get().responses();
        if (tokenizer.bosId().isPresent()) {
            prompt = prepend(tokenizer.bosId().getAsInt(), prompt);
        }
        if (appendEos && tokenizer.eosId().isPresent()) {
            for (int i = 0; i < answers.length; i++) {
                answers[i] = append(answers[i], tokenizer.eosId().getAsInt());
            }
        }
        Truncated t = truncate(prompt, answers, spec.maxLength(), spec.maxPromptLength());
        for (int i = 0; i < names.length; i++) {
            if (t.responses()[i].length == 0) {
                return "empty-response: '" + names[i] + "' adds no tokens after the prompt";
            }
        }
        return t;
    }

    /**
     * Where the response begins in {@code full} = encode(prompt_text + response), given
     * {@code promptIds} = encode(prompt_text): {@code len(promptIds)} when {@code full} begins with
     * {@code promptIds}, else one less (the last prompt token merged with the response's first
     * characters), never past the end of {@code full}.
     */
    public static int responseStart(int[] promptIds, int[] full) {
        int start = promptIds.length;
        if (full.length < start || !Arrays.equals(full, 0, start, promptIds, 0, start)) {
            start -= 1;
        }
        return Math.max(0, Math.min(start, full.length));
    }

    /** A prompt and the responses that follow it. */
    public record Split(int[] prompt, int[][] responses) {}

    /**
     * Splits each {@code fulls[i]} = encode(prompt_text + response_i) into one shared prompt and the
     * responses: the prompt is the first {@code s} ids, where {@code s} is the smallest
     * {@link #responseStart} over the responses; empty when the {@code fulls} disagree on those ids.
     */
    public static Optional<Split> split(int[] promptIds, int[]... fulls) {
        int start = Integer.MAX_VALUE;
        for (int[] full : fulls) {
            start = Math.min(start, responseStart(promptIds, full));
        }
        int[] prompt = Arrays.copyOf(fulls[0], start);
        int[][] responses = new int[fulls.length][];
        for (int i = 0; i < fulls.length; i++) {
            if (!Arrays.equals(fulls[i], 0, start, prompt, 0, start)) {
                return Optional.empty();
            }
            responses[i] = Arrays.copyOfRange(fulls[i], start, fulls[i].length);
        }
        return Optional.of(new Split(prompt, responses));
    }

    /** A prompt and its responses after truncation. */
    public record Truncated(int[] prompt, int[][] responses) {}

    /**
     * TRL's truncation ({@code truncation_mode="keep_end"}): when the prompt plus the longest response
     * exceeds {@code maxLength}, the prompt keeps its last {@code maxPromptLength} tokens; if that is
     * still too long, every response keeps its first {@code maxLength - maxPromptLength} tokens.
     * The inputs are not modified.
     */
    public static Truncated truncate(int[] prompt, int[][] responses, int maxLength, int maxPromptLength) {
        int longest = 0;
        for (int[] r : responses) {
            longest = Math.max(longest, r.length);
        }
        int[] p = prompt;
        if (p.length + longest > maxLength && p.length > maxPromptLength) {
            p = Arrays.copyOfRange(p, p.length - maxPromptLength, p.length);
        }
        int[][] out = new int[responses.length][];
        boolean cut = p.length + longest > maxLength;
        for (int i = 0; i < responses.length; i++) {
            int keep = cut ? Math.min(responses[i].length, maxLength - maxPromptLength) : responses[i].length;
            out[i] = Arrays.copyOf(responses[i], keep);
        }
        return new Truncated(p == prompt ? prompt.clone() : p, out);
    }

    private static int[] prepend(int id, int[] ids) {
        int[] out = new int[ids.length + 1];
        out[0] = id;
        System.arraycopy(ids, 0, out, 1, ids.length);
        return out;
    }

    private static int[] append(int[] ids, int id) {
        int[] out = Arrays.copyOf(ids, ids.length + 1);
        out[ids.length] = id;
        return out;
    }
}
