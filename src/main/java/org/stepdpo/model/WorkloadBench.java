package org.stepdpo.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The generation engine against static batching on the request mixes of the real jobs, in one
 * process on the same requests: generated tokens per second of each, and whether their outputs are
 * the same. Lengths of the generations are drawn per request (each request's cap on new tokens; no
 * stop token), so a random model reproduces the shape of real work.
 *
 * <ul>
 *   <li>{@link Workload#PAIRS}, BuildPairsJob's error collection: 32 prompts of 180 to 220 tokens,
 *       8 samples each, new-token lengths uniform in 20..400.</li>
 *   <li>{@link Workload#EVAL}, EvalJob on MATH: 256 prompts of 60 to 250 tokens, one sample each,
 *       new-token lengths log-normal with median 250 (sigma 0.8, so one in ten is above 700 and some
 *       pass 1,000), capped at 2,000; prompts sorted by length as EvalJob sorts them.</li>
 * </ul>
 */
public final class WorkloadBench {
    private WorkloadBench() {}

    /** A request mix. */
    public enum Workload {
        PAIRS, EVAL;

        /** The longest prompt plus the longest generation: the context the model needs. */
        public int context() {
            return this == PAIRS ? 220 + 400 + 1 : 250 + 2000 + 1;
        }

        public static Workload parse(String value) {
            return switch (value) {
                case "pairs" -> PAIRS;
                case "eval" -> EVAL;
                default -> throw new IllegalArgumentException("--workload must be pairs or eval, got '" + value + "'");
            };
        }
    }

    /**
     * Both runs' figures.
     *
     * @param requests        requests in the mix
     * @param generatedTokens new tokens generated (the same in both runs)
     * @param staticSeconds   wall time of static batching
     * @param engineSeconds   wall time of the engine
     * @param equalOutputs    requests whose outputs are the same in both runs
     * @param staticStats     what static batching ran
     * @param engineStats     what the engine ran
     */
    public record Result(int requests, long generatedTokens, double staticSeconds, double engineSeconds,
            int equalOutputs, Generator.Stats staticStats, Generator.Stats engineStats) {
        public double staticTokensPerS() {
            return generatedTokens / staticSeconds;
        }

        public double engineTokensPerS() {
            return generatedTokens / engineSeconds;
        }

        public double speedup() {
            return staticSeconds / engineSeconds;
        }
    }

    /** The requests of {@code workload} for a vocabulary of {@code vocab} tokens. */
    public static List<Generator.Request> requests(Workload workload, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Generator.Request> out = new ArrayList<>();
        if (workload == Workload.PAIRS) {
            for (int p = 0; p < 32; p++) {
                int[] prompt = random.ints(180 + random.nextInt(41), 1, vocab).toArray();
                for (int k = 0; k < 8; k++) {
                    out.add(new Generator.Request(prompt, random.nextLong(), 20 + random.nextInt(381)));
                }
            }
            return out;
        }
        for (int p = 0; p < 256; p++) {
            int[] prompt = random.ints(60 + random.nextInt(191), 1, vocab).toArray();
            double length = 250 * Math.exp(0.8 * random.nextGaussian());
            out.add(new Generator.Request(prompt, random.nextLong(), (int) Math.max(1, Math.min(2000, Math.round(length)))));
        }
        out.sort(Comparator.comparingInt((Generator.Request r) -> r.prompt().length));
        return out;
    }

    /**
     * Runs {@code requests} with static batches of {@code rows} and with the engine ({@code rows}
     * rows, a budget of {@code kvTokens}), after one untimed run of each on a few requests.
     */
    public static Result run(DecoderLM model, List<Generator.Request> requests, int rows, long kvTokens,
            Generator.Options options) {
        Generator.Batching fixed = Generator.Batching.staticBatches(rows);
        Generator.Batching engine = Generator.Batching.continuous(rows, kvTokens);
        List<Generator.Request> warm = new ArrayList<>();
        for (Generator.Request r : requests.subList(0, Math.min(16, requests.size()))) {
            warm.add(new Generator.Request(r.prompt(), r.seed(), 16));
        }
        Generator.run(model, warm, 0, options, fixed);
        Generator.run(model, warm, 0, options, engine);
        long t0 = System.nanoTime();
        Generator.Outcome a = Generator.run(model, requests, 0, options, fixed);
        long t1 = System.nanoTime();
        Generator.Outcome b = Generator.run(model, requests, 0, options, engine);
        long t2 = System.nanoTime();
        long tokens = 0;
        int equal = 0;
        for (int i = 0; i < requests.size(); i++) {
            int[] x = a.results().get(i).ids();
            int[] y = b.results().get(i).ids();
            tokens += x.length;
            equal += Arrays.equals(x, y) ? 1 : 0;
        }
        return new Result(requests.size(), tokens, (t1 - t0) / 1e9, (t2 - t1) / 1e9, equal, a.stats(), b.stats());
    }

    /** Options for a workload: every request runs to its own cap (no stop tokens). */
    public static Generator.Options options(Workload workload, double temperature, double topP, int topK) {
        return new Generator.Options(workload.context(), temperature, topP, topK, Set.of(), null);
    }
}
