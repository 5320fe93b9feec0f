package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Inference speed of a decoder through the same path as {@link Generator}: one prefill pass over
 * {@code batch} random prompts of {@code promptTokens} tokens, then {@code newTokens} decoding
 * steps with the KV cache for every row (no row stops early), each phase timed separately after
 * warm-up runs (the JVM compiles the Java side of a decoding step over the first runs). Throughput is set against the FP32 matmul peak measured in the same process (the
 * best square matmul before and after the runs, so that a busy moment does not set it):
 * {@code mfu = 2 * matmulParams * tokensPerS / (peakGflops * 1e9)}, where {@code matmulParams} counts
 * the parameters a token meets in matmuls (every linear layer and the LM head, not the embedding).
 *
 * <p>That prefill MFU counts the LM head for every prompt token, as model FLOPs do, while
 * generation runs the LM head on each row's last token only; {@link Result#prefillMfuExecuted}
 * counts just the matmul FLOPs that run. Attention-score FLOPs count in neither.
 */
public final class Bench {
    /** Square matmul sizes for the peak (the best over all sizes and repeats counts). */
    private static final int[] PEAK_SIZES = {1024, 2048};

    private Bench() {}

    /**
     * What to run.
     *
     * @param batch        rows decoded together
     * @param promptTokens random prompt tokens per row
     * @param newTokens    decoding steps timed after the prefill
     * @param seed         seed of the prompt tokens
     * @param repeats      timed runs after the warm-up; the medians are reported
     * @param warmups      untimed runs first (at least 1)
     * @param temperature  0 for greedy decoding; above 0, each row samples from its own seeded stream
     * @param topP         nucleus mass when sampling (1: off)
     * @param topK         candidate count when sampling (0: off)
     */
    public record Settings(int batch, int promptTokens, int newTokens, long seed, int repeats, int warmups,
            double temperature, double topP, int topK) {
        public Settings {
            if (batch < 1 || promptTokens < 1 || newTokens < 1 || repeats < 1 || warmups < 1) {
                throw new IllegalArgumentException("batch, prompt tokens, new tokens, repeats and warm-up runs must all be"
                        + " at least 1, got " + batch + ", " + promptTokens + ", " + newTokens + ", " + repeats + ", "
                        + warmups);
            }
            options(newTokens, temperature, topP, topK); // validates the sampling settings
        }

        /** Greedy decoding. */
        public Settings(int batch, int promptTokens, int newTokens, long seed, int repeats, int warmups) {
            this(batch, promptTokens, newTokens, seed, repeats, warmups, 0, 1, 0);
        }

        /** The prefill picks the first token, then each of {@code newTokens} steps one more; no row stops early. */
        private static Generator.Options options(int newTokens, double temperature, double topP, int topK) {
            return new Generator.Options(newTokens + 1, temperature, topP, topK, Set.of(), null);
        }
    }

    /**
     * Timings and the utilisation they imply.
     *
     * @param settings     what ran
     * @param matmulParams parameters used in matmuls per token
     * @param headParams   of which the LM head's
     * @param peakGflops   best FP32 square-matmul rate measured in this process
     * @param threads      the engine's intra-op threads
     * @param prefillS     prefill seconds of each timed run
     * @param decodeS      decoding seconds of each timed run
     * @param checksum     a hash of the generated ids (the same when an optimisation leaves results alone)
     */
    public record Result(Settings settings, long matmulParams, long headParams, double peakGflops, int threads,
            double[] prefillS, double[] decodeS, int checksum) {
        public double prefillSeconds() {
            return median(prefillS);
        }

        public double decodeSeconds() {
            return median(decodeS);
        }

        public double prefillTokensPerS() {
            return (double) settings.batch() * settings.promptTokens() / prefillSeconds();
        }

        public double decodeTokensPerS() {
            return (double) settings.batch() * settings.newTokens() / decodeSeconds();
        }

        public double prefillMfu() {
            return mfu(matmulParams, prefillTokensPerS(), peakGflops);
        }

        /** Prefill MFU with the LM head counted once per row, as it runs, not once per prompt token. */
        public double prefillMfuExecuted() {
            double perToken = matmulParams - headParams + (double) headParams / settings.promptTokens();
            return 2.0 * perToken * prefillTokensPerS() / (peakGflops * 1e9);
        }

        public double decodeMfu() {
            return mfu(matmulParams, decodeTokensPerS(), peakGflops);
        }
    }

    /** Parameters per token in matmuls: q, k, v, o and the three MLP projections of each layer, and the LM head. */
    public static long matmulParams(HfConfig c) {
        long h = c.hiddenSize();
        long qOut = (long) c.numHeads() * c.headDim();
        long kvOut = (long) c.numKvHeads() * c.headDim();
        long attention = h * qOut + 2 * h * kvOut + qOut * h;
        long mlp = 3 * h * c.intermediateSize();
        return c.numLayers() * (attention + mlp) + headParams(c);
    }

    /** The LM head's parameters: vocabulary x hidden. */
    public static long headParams(HfConfig c) {
        return (long) c.vocabSize() * c.hiddenSize();
    }

    /** Model FLOPs utilisation: {@code 2 * matmulParams * tokensPerS / (peakGflops * 1e9)}. */
    public static double mfu(long matmulParams, double tokensPerS, double peakGflops) {
        return 2.0 * matmulParams * tokensPerS / (peakGflops * 1e9);
    }

    /** Runs the benchmark on {@code model}. */
    public static Result run(DecoderLM model, Settings s) {
        int maxPositions = model.config().maxPositions();
        if (s.promptTokens() + s.newTokens() + 1 > maxPositions) {
            throw new IllegalArgumentException("prompt tokens + new tokens + 1 (" + (s.promptTokens() + s.newTokens() + 1)
                    + ") exceed the model's max_position_embeddings (" + maxPositions + ")");
        }
        double before = matmulPeakGflops(model.manager(), 3);
        List<Generator.Request> requests = prompts(s, model.config().vocabSize());
        Generator.Options options = Settings.options(s.newTokens(), s.temperature(), s.topP(), s.topK());
        double[] prefill = new double[s.repeats()];
        double[] decode = new double[s.repeats()];
        int checksum = (int) timed(model, requests, options)[2];
        for (int w = 1; w < s.warmups(); w++) {
            timed(model, requests, options);
        }
        for (int r = 0; r < s.repeats(); r++) {
            double[] t = timed(model, requests, options);
            prefill[r] = t[0];
            decode[r] = t[1];
            if ((int) t[2] != checksum) {
                throw new IllegalStateException("decoding gave different tokens in repeat " + (r + 1)
                        + " than in the warm-up run");
            }
        }
        double peak = Math.max(before, matmulPeakGflops(model.manager(), 3));
        return new Result(s, matmulParams(model.config()), headParams(model.config()), peak, JniUtils.getNumThreads(),
                prefill, decode, checksum);
    }

    /** Seconds of prefill and decoding, and the checksum of the generated ids. */
    private static double[] timed(DecoderLM model, List<Generator.Request> requests, Generator.Options options) {
        long[] prefillEnd = new long[1];
        long start = System.nanoTime();
        List<Generator.Result> results = Generator.generate(model, requests, 0, options,
                Generator.Batching.staticBatches(requests.size()), () -> prefillEnd[0] = System.nanoTime());
        long end = System.nanoTime();
        int checksum = 1;
        for (Generator.Result r : results) {
            if (r.ids().length != options.maxNewTokens()) {
                throw new IllegalStateException("a row stopped after " + r.ids().length + " tokens, expected "
                        + options.maxNewTokens() + " (" + r.finish() + ")");
            }
            checksum = 31 * checksum + Arrays.hashCode(r.ids());
        }
        return new double[] {(prefillEnd[0] - start) / 1e9, (end - prefillEnd[0]) / 1e9, checksum};
    }

    private static List<Generator.Request> prompts(Settings s, int vocab) {
        SplittableRandom random = new SplittableRandom(s.seed());
        List<Generator.Request> requests = new ArrayList<>();
        for (int b = 0; b < s.batch(); b++) {
            int[] prompt = new int[s.promptTokens()];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = random.nextInt(vocab);
            }
            requests.add(new Generator.Request(prompt, s.seed() + b));
        }
        return requests;
    }

    /** The best FP32 square-matmul rate (GFLOP/s) on {@code parent}'s device over a few sizes and repeats. */
    public static double matmulPeakGflops(NDManager parent, int repeats) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        double best = 0;
        try (NDManager m = parent.newSubManager()) {
            for (int n : PEAK_SIZES) {
                NDArray a = m.randomUniform(-1, 1, new Shape(n, n));
                NDArray b = m.randomUniform(-1, 1, new Shape(n, n));
                a.matMul(b).close(); // warm-up
                for (int r = 0; r < repeats; r++) {
                    long start = System.nanoTime();
                    try (NDArray c = a.matMul(b)) {
                        c.getFloat(0, 0); // waits for the result on asynchronous devices
                    }
                    best = Math.max(best, 2.0 * n * n * n / ((System.nanoTime() - start) / 1e9) / 1e9);
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        return best;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
