package org.stepdpo.generate;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.stepdpo.model.Generator;
import org.stepdpo.model.text.ChatTemplate;
import org.stepdpo.model.text.PromptTemplates;

/**
 * Draws {@code n} samples of a prompt with an executor's model, for BuildPairsJob (several per
 * problem and per step prefix), on the generation engine: one prefill of the prompt shared by its
 * samples, and finished rows refilled while samples wait. A draw runs the engine on its own, or
 * through a {@link GenerationQueue} whose engine batches the draws of several threads (problems
 * worked on side by side). Each sample has its own seeded stream, so a problem's samples are the
 * same however the problems are batched or partitioned (up to the float rounding of different
 * batch shapes).
 */
public final class Sampling {
    /**
     * Serializable sampling settings.
     *
     * @param batchSize    sequences generated together at most
     * @param maxNewTokens tokens to generate at most per sample
     * @param temperature  0 for greedy
     * @param topP         nucleus mass (1: off)
     * @param topK         candidate count (0: off)
     * @param kvCacheTokens the KV cache budget in tokens (0: {@code batchSize} x the model's context)
     */
    public record Settings(int batchSize, int maxNewTokens, double temperature, double topP, int topK,
            long kvCacheTokens) implements java.io.Serializable {
        /** Settings with the default KV cache budget. */
        public Settings(int batchSize, int maxNewTokens, double temperature, double topP, int topK) {
            this(batchSize, maxNewTokens, temperature, topP, topK, 0);
        }

        /**
         * The engine's batching for a model of {@code context} positions: {@code batchSize} rows,
         * shared prefills, slot refill and the KV cache budget.
         */
        public Generator.Batching batching(int context) {
            return Generator.Batching.continuous(batchSize,
                    kvCacheTokens > 0 ? kvCacheTokens : (long) batchSize * context);
        }

        public Settings {
            if (kvCacheTokens < 0) {
                throw new IllegalArgumentException("--kv-cache-tokens must be >= 0 (0: batch size x the model's"
                        + " context), got " + kvCacheTokens);
            }
            if (batchSize < 1) {
                throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
            }
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
            }
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("--temperature must be a finite number >= 0, got " + temperature);
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("--top-p must be in (0, 1], got " + topP);
            }
            if (topK < 0) {
                throw new IllegalArgumentException("--top-k must be >= 0 (0: off), got " + topK);
            }
        }
    }

    /** One generated continuation: its text (special tokens skipped), token count and why it ended. */
    public record Sample(String text, int newTokens, Generator.Finish finish) {
        /** Whether the prompt did not fit the model's context, so nothing was generated. */
        public boolean promptTooLong() {
            return finish == Generator.Finish.PROMPT_TOO_LONG;
        }
    }

    private final LanguageModel lm;
    private final Settings settings;
    private final Generator.Options options;
    private final int pad;
    private final ChatTemplate chat;
    private final GenerationQueue queue;
    private long newTokens;

    /** Draws that each run the engine on their own requests. */
    public Sampling(LanguageModel lm, Settings settings) {
        this(lm, settings, null);
    }

    /**
     * Draws submitted to {@code queue}, whose engine (running in another thread) batches them with
     * other threads' draws; null: each draw runs the engine on its own.
     */
    public Sampling(LanguageModel lm, Settings settings, GenerationQueue queue) {
        this.queue = queue;
        this.lm = lm;
        this.settings = settings;
        Set<Integer> stop = new HashSet<>(lm.decoder().config().eosTokenIds());
        lm.tokenizer().eosId().ifPresent(stop::add);
        this.options = new Generator.Options(settings.maxNewTokens(), settings.temperature(), settings.topP(),
                settings.topK(), stop, null);
        this.pad = lm.tokenizer().padId().orElse(0);
        String template = lm.tokenizer().chatTemplate();
        this.chat = template == null ? null : new ChatTemplate(template, lm.tokenizer().templateVariables());
    }

    /**
     * {@code n} samples of {@code prompt}; sample {@code k} has its own stream derived from
     * {@code seed} and {@code k}, so it is the same however many samples are drawn.
     */
    public List<Sample> draw(String prompt, long seed, int n) {
        int[] ids = lm.tokenizer().encode(prompt);
        List<Generator.Request> requests = Generator.Request.samples(ids, seed, n);
        List<Sample> out = new ArrayList<>(n);
        List<Generator.Result> results = queue != null ? queue.submit(requests)
                : Generator.generate(lm.decoder(), requests, pad, options,
                        settings.batching(lm.decoder().config().maxPositions()));
        for (Generator.Result r : results) {
            newTokens += r.ids().length;
            out.add(new Sample(lm.tokenizer().decode(r.ids(), true), r.ids().length, r.finish()));
        }
        return out;
    }

    /** The generation options of these settings for this model (what a shared engine must run with). */
    public Generator.Options options() {
        return options;
    }

    /** The padding token id. */
    public int padId() {
        return pad;
    }

    /** Tokens generated by this sampler so far. */
    public long newTokens() {
        return newTokens;
    }

    /** The generation prompt {@code template} for {@code instruction} and an optional step prefix. */
    public String prompt(String template, String instruction, String prefix) {
        return PromptTemplates.generation(template, instruction, prefix, chat);
    }
}
