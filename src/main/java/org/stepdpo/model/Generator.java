package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Autoregressive generation with a preallocated KV cache: one prefill pass over the left-padded
 * prompts, then one token per step for every unfinished row. Rows that finish leave the batch, so a
 * long tail does not keep paying for short ones. Each request samples from its own seeded stream,
 * so results do not depend on how requests are batched or partitioned.
 */
public final class Generator {
    /** Decides from the tokens generated so far that a row is done (e.g. a stop string appeared). */
    @FunctionalInterface
    public interface StopCheck {
        boolean done(int[] generated);
    }

    /**
     * @param maxNewTokens tokens to generate at most per request
     * @param temperature  0 for greedy decoding
     * @param topP         nucleus mass for sampling (1 keeps every token)
     * @param topK         sample among the k most likely tokens (0 keeps every token)
     * @param stopIds      tokens that end a request (EOS); empty to ignore EOS
     * @param stopCheck    an extra stop rule on the generated tokens, or null
     */
    public record Options(int maxNewTokens, double temperature, double topP, int topK, Set<Integer> stopIds,
            StopCheck stopCheck) {
        public Options {
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
            }
            stopIds = Set.copyOf(stopIds);
            new Sampler(temperature, topP, topK, 0); // validates the sampling settings
        }

        /** Greedy decoding of {@code maxNewTokens}, stopping at {@code stopIds}. */
        public static Options greedy(int maxNewTokens, Set<Integer> stopIds) {
            return new Options(maxNewTokens, 0, 1, 0, stopIds, null);
        }
    }

    /** One sequence to continue, with the seed of its own sampling stream. */
    public record Request(int[] prompt, long seed) {
        /**
         * {@code n} samples of one prompt, each with its own stream derived from {@code seed} and
         * its sample number (so sample k is the same however many samples are drawn).
         */
        public static List<Request> samples(int[] prompt, long seed, int n) {
            if (n < 1) {
                throw new IllegalArgumentException("samples per prompt must be at least 1, got " + n);
            }
            List<Request> out = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                out.add(new Request(prompt, new java.util.SplittableRandom(seed + k * 0x9E3779B97F4A7C15L).nextLong()));
            }
            return out;
        }
    }

    /** Why a request stopped. */
    public enum Finish { STOP, LENGTH, PROMPT_TOO_LONG }

    /** The generated ids (a stop token included when one ended the request) and why it ended. */
    public record Result(int[] ids, Finish finish) {}

    private Generator() {}

    /** Continues every request; results come back in request order. */
    public static List<Result> generate(DecoderLM model, List<Request> requests, int padId, Options options) {
        return generate(model, requests, padId, options, () -> { });
    }

    /** As {@link #generate(DecoderLM, List, int, Options)}; {@code afterPrefill} runs once the prompts are processed. */
    static List<Result> generate(DecoderLM model, List<Request> requests, int padId, Options options,
            Runnable afterPrefill) {
        int n = requests.size();
        Result[] results = new Result[n];
        List<Integer> runnable = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (requests.get(i).prompt().length == 0
                    || requests.get(i).prompt().length >= model.config().maxPositions()) {
                results[i] = new Result(new int[0], Finish.PROMPT_TOO_LONG);
            } else {
                runnable.add(i);
            }
        }
        if (!runnable.isEmpty()) {
            boolean gradMode = JniUtils.isGradMode();
            JniUtils.setGradMode(false); // inference: build no autograd graph
            try {
                new Run(model, requests, runnable, padId, options, results).decode(afterPrefill);
            } finally {
                JniUtils.setGradMode(gradMode);
            }
        }
        return List.of(results);
    }

    /** Greedy or sampled continuation of one prompt. */
    public static int[] generate(DecoderLM model, int[] prompt, Options options, long seed) {
        return generate(model, List.of(new Request(prompt, seed)), 0, options).get(0).ids();
    }

    /** The state of one batched decoding run. */
    private static final class Run {
        private final DecoderLM model;
        private final Options options;
        private final Result[] results;
        private final List<Integer> active;        // request index of each batch row
        private final List<List<Integer>> tokens;  // generated so far, per batch row
        private final List<Sampler> samplers;
        private final List<Integer> promptLengths; // per batch row
        private final List<Integer> limits;        // max new tokens, per batch row
        private final int[][] prompts;
        private final int padId;

        Run(DecoderLM model, List<Request> requests, List<Integer> runnable, int padId, Options options,
                Result[] results) {
            this.model = model;
            this.options = options;
            this.results = results;
            this.padId = padId;
            this.active = new ArrayList<>(runnable);
            this.tokens = new ArrayList<>();
            this.samplers = new ArrayList<>();
            this.promptLengths = new ArrayList<>();
            this.limits = new ArrayList<>();
            this.prompts = new int[runnable.size()][];
            for (int r = 0; r < runnable.size(); r++) {
                Request req = requests.get(runnable.get(r));
                prompts[r] = req.prompt();
                tokens.add(new ArrayList<>());
                samplers.add(new Sampler(options.temperature(), options.topP(), options.topK(), req.seed()));
                promptLengths.add(req.prompt().length);
                limits.add(Math.min(options.maxNewTokens(), model.config().maxPositions() - req.prompt().length));
            }
        }

        void decode(Runnable afterPrefill) {
            long width = 0;
            for (int[] p : prompts) {
                width = Math.max(width, p.length);
            }
            try (NDManager step = model.manager().newSubManager();
                    KvCache cache = model.newCache(width + options.maxNewTokens())) {
                int[] next;
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    Batch batch = Batch.leftPadded(step, prompts, padId);
                    next = pick(model.lastLogits(batch.ids(), batch.positions(), batch.mask(), cache));
                }
                afterPrefill.run();
                while (true) {
                    List<Long> keep = record(next);
                    if (keep.isEmpty()) {
                        return;
                    }
                    if (keep.size() < cache.rows()) {
                        cache.keepRows(keep.stream().mapToLong(Long::longValue).toArray());
                    }
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        int rows = active.size();
                        long[] ids = new long[rows];
                        long[] pos = new long[rows];
                        for (int r = 0; r < rows; r++) {
                            List<Integer> t = tokens.get(r);
                            ids[r] = t.get(t.size() - 1);
                            pos[r] = promptLengths.get(r) + t.size() - 1; // the newest token's position
                        }
                        Shape shape = new Shape(rows, 1);
                        next = pick(model.lastLogits(step.create(ids, shape), step.create(pos, shape), step.ones(shape),
                                cache));
                    }
                }
            }
        }

        /**
         * Appends each row's next token, finishes the rows that are done and drops them from the
         * batch; returns the batch rows (old numbering) that stay.
         */
        private List<Long> record(int[] next) {
            List<Long> keep = new ArrayList<>();
            for (int r = active.size() - 1; r >= 0; r--) {
                List<Integer> t = tokens.get(r);
                t.add(next[r]);
                // the ids as an array only when a stop rule reads them or the row ends: copying every
                // row's tokens on every step would cost time quadratic in the length
                int[] ids = options.stopCheck() == null ? null : toArray(t);
                Finish finish = null;
                if (options.stopIds().contains(next[r]) || (ids != null && options.stopCheck().done(ids))) {
                    finish = Finish.STOP;
                } else if (t.size() >= limits.get(r)) {
                    finish = Finish.LENGTH;
                }
                if (finish != null) {
                    results[active.get(r)] = new Result(ids != null ? ids : toArray(t), finish);
                    active.remove(r);
                    tokens.remove(r);
                    samplers.remove(r);
                    promptLengths.remove(r);
                    limits.remove(r);
                } else {
                    keep.add(0, (long) r);
                }
            }
            return keep;
        }

        private static int[] toArray(List<Integer> tokens) {
            return tokens.stream().mapToInt(Integer::intValue).toArray();
        }

        /**
         * The next token of every batch row, from the last position's logits [B, vocab]: the arg-max
         * when greedy; otherwise the softmax of logits / temperature is taken on the engine for the
         * whole batch (one vectorised op, and its result is contiguous, so it copies out in one
         * pass) and each row's sampler draws from its row.
         */
        private int[] pick(NDArray logits) {
            if (options.temperature() == 0) {
                // greedy: the first index of the maximum, as Sampler.argMax, without copying the logits
                return Arrays.stream(logits.argMax(-1).toLongArray()).mapToInt(Math::toIntExact).toArray();
            }
            int vocab = model.config().vocabSize();
            NDArray scaled = options.temperature() == 1 ? logits : logits.div(options.temperature());
            float[] probs = scaled.softmax(-1).toFloatArray();
            int[] next = new int[probs.length / vocab];
            for (int r = 0; r < next.length; r++) {
                next[r] = samplers.get(r).next(probs, r * vocab, vocab);
            }
            return next;
        }
    }
}
