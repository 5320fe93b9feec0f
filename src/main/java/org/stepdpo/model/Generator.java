package org.stepdpo.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Autoregressive generation: the requests, their options and how they share the batch
 * ({@link Batching}); the {@link Engine} runs them. Each request samples from its own seeded
 * stream, so results do not depend on how requests are batched or partitioned (up to the float
 * rounding of different batch shapes).
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

    /**
     * One sequence to continue, with the seed of its own sampling stream and its own cap on new
     * tokens ({@code maxNewTokens} 0: the options' cap; otherwise the smaller of the two).
     */
    public record Request(int[] prompt, long seed, int maxNewTokens) {
        public Request {
            if (maxNewTokens < 0) {
                throw new IllegalArgumentException("a request's max new tokens must be >= 0, got " + maxNewTokens);
            }
        }

        /** A request capped by the options' max new tokens only. */
        public Request(int[] prompt, long seed) {
            this(prompt, seed, 0);
        }

        /**
         * {@code n} samples of one prompt, each with its own stream derived from {@code seed} and
         * its sample number (so sample k is the same however many samples are drawn). They share
         * the prompt array, which the engine prefills once for all of them.
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

    /**
     * How requests share the engine.
     *
     * @param rows          sequences decoded together at most
     * @param kvTokens      the KV cache's budget in tokens: a request waits until {@code rows in use x
     *                      the longest reservation} (prompt + max new tokens) would stay within it; a
     *                      single request over the budget runs alone
     * @param sharePrefixes requests with equal prompts run one prefill and copy its keys and values
     * @param refill        a finished row's slot is taken by the next waiting request at the next step;
     *                      without it, requests run in consecutive batches of {@code rows}, each to its end
     */
    public record Batching(int rows, long kvTokens, boolean sharePrefixes, boolean refill) {
        public Batching {
            if (rows < 1) {
                throw new IllegalArgumentException("--batch-size must be at least 1, got " + rows);
            }
            if (kvTokens < 1) {
                throw new IllegalArgumentException("--kv-cache-tokens must be at least 1, got " + kvTokens);
            }
        }

        /** Shared prefills and slot refill with {@code rows} rows and a budget of {@code kvTokens}. */
        public static Batching continuous(int rows, long kvTokens) {
            return new Batching(rows, kvTokens, true, true);
        }

        /** Consecutive batches of {@code rows} requests, each prompt prefilled on its own (no budget). */
        public static Batching staticBatches(int rows) {
            return new Batching(rows, Long.MAX_VALUE, false, false);
        }
    }

    /** Why a request stopped. */
    public enum Finish { STOP, LENGTH, PROMPT_TOO_LONG }

    /** The generated ids (a stop token included when one ended the request) and why it ended. */
    public record Result(int[] ids, Finish finish) {}

    private Generator() {}

    /**
     * What a run cost.
     *
     * @param prefillTokens   prompt tokens run through prefill passes (padding not counted)
     * @param steps           decoding steps
     * @param peakCacheTokens the most KV cache cells (rows x cached tokens) any step attended over
     */
    public record Stats(long prefillTokens, long steps, long peakCacheTokens) {}

    /** Told of each request as it finishes (in the generating thread). */
    @FunctionalInterface
    public interface Listener {
        void finished(int request, Result result);
    }

    /** Results in request order and what the run cost. */
    public record Outcome(List<Result> results, Stats stats) {}

    /** Continues every request as one static batch; results come back in request order. */
    public static List<Result> generate(DecoderLM model, List<Request> requests, int padId, Options options) {
        return generate(model, requests, padId, options, Batching.staticBatches(Math.max(1, requests.size())));
    }

    /** Continues every request, batched as {@code batching} says; results come back in request order. */
    public static List<Result> generate(DecoderLM model, List<Request> requests, int padId, Options options,
            Batching batching) {
        return generate(model, requests, padId, options, batching, () -> { });
    }

    /**
     * As {@link #generate(DecoderLM, List, int, Options, Batching)}; {@code afterPrefill} runs once
     * the first prompts are processed.
     */
    static List<Result> generate(DecoderLM model, List<Request> requests, int padId, Options options,
            Batching batching, Runnable afterPrefill) {
        return run(model, requests, padId, options, batching, afterPrefill, (request, result) -> { }).results();
    }

    /** As {@link #generate(DecoderLM, List, int, Options, Batching)}, with what the run cost. */
    public static Outcome run(DecoderLM model, List<Request> requests, int padId, Options options, Batching batching) {
        return run(model, requests, padId, options, batching, (request, result) -> { });
    }

    /**
     * As {@link #run(DecoderLM, List, int, Options, Batching)}, telling {@code listener} of each
     * request as it finishes (requests too long for the context first).
     */
    public static Outcome run(DecoderLM model, List<Request> requests, int padId, Options options, Batching batching,
            Listener listener) {
        return run(model, requests, padId, options, batching, () -> { }, listener);
    }

    private static Outcome run(DecoderLM model, List<Request> requests, int padId, Options options,
            Batching batching, Runnable afterPrefill, Listener listener) {
        Result[] results = new Result[requests.size()];
        Engine engine = new Engine(model, padId, options, batching, (i, r) -> {
            results[i] = r;
            listener.finished(i, r);
        });
        engine.add(requests).run(afterPrefill);
        return new Outcome(List.of(results), engine.stats());
    }

    /**
     * Where a long-running engine ({@link #serve}) gets requests from while it runs: requests
     * submitted since the last call, numbered on from the earlier ones in the order returned.
     */
    public interface Inbox {
        /**
         * The requests submitted since the last call (possibly none); when {@code idle} (nothing
         * runs or waits in the engine), waits until there is one. Null once no more will come.
         */
        List<Request> take(boolean idle);
    }

    /**
     * Runs requests from {@code inbox} as they arrive, joining the running batch at step
     * boundaries, until the inbox closes; tells {@code listener} of each as it finishes (requests
     * are numbered in the order the inbox gave them).
     */
    public static Stats serve(DecoderLM model, int padId, Options options, Batching batching, Inbox inbox,
            Listener listener) {
        Engine engine = new Engine(model, padId, options, batching, listener).from(inbox);
        engine.run(() -> { });
        return engine.stats();
    }

    /** Greedy or sampled continuation of one prompt. */
    public static int[] generate(DecoderLM model, int[] prompt, Options options, long seed) {
        return generate(model, List.of(new Request(prompt, seed)), 0, options).get(0).ids();
    }
}
