package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Autoregressive generation with a KV cache: one prefill pass over the left-padded prompts, then
 * one token per step for every row until each row has stopped or reached the length limit.
 */
public final class Generator {
    /**
     * @param maxNewTokens tokens to generate at most per row
     * @param temperature  0 for greedy decoding
     * @param topP         nucleus size for sampling (1 for all tokens)
     * @param seed         sampling seed
     * @param stopIds      tokens that end a row (EOS); empty to ignore EOS
     */
    public record Options(int maxNewTokens, double temperature, double topP, long seed, Set<Integer> stopIds) {
        public Options {
            if (maxNewTokens < 1) {
                throw new IllegalArgumentException("max new tokens must be at least 1, got " + maxNewTokens);
            }
            stopIds = Set.copyOf(stopIds);
        }

        /** Greedy decoding of {@code maxNewTokens}, stopping at {@code stopIds}. */
        public static Options greedy(int maxNewTokens, Set<Integer> stopIds) {
            return new Options(maxNewTokens, 0, 1, 0, stopIds);
        }
    }

    private Generator() {}

    /**
     * Generates continuations of {@code prompts}.
     *
     * @return per row, the generated ids (a stop token included when one ended the row)
     */
    public static int[][] generate(DecoderLM model, int[][] prompts, int padId, Options options) {
        Sampler sampler = new Sampler(options.temperature(), options.topP(), options.seed());
        int rows = prompts.length;
        int vocab = model.config().vocabSize();
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            out.add(new ArrayList<>());
        }
        boolean[] done = new boolean[rows];
        boolean gradMode = JniUtils.isGradMode();
        JniUtils.setGradMode(false); // inference: build no autograd graph
        try (NDManager step = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            int[] next;
            long[] position = new long[rows];
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                Batch batch = Batch.leftPadded(step, prompts, padId);
                NDArray logits = model.forward(batch.ids(), batch.positions(), batch.mask(), cache);
                next = pick(logits, sampler, vocab);
                for (int r = 0; r < rows; r++) {
                    position[r] = batch.lengths()[r];
                }
            }
            for (int n = 0; ; n++) {
                for (int r = 0; r < rows; r++) {
                    if (!done[r]) {
                        out.get(r).add(next[r]);
                        done[r] = options.stopIds().contains(next[r]) || out.get(r).size() >= options.maxNewTokens();
                    }
                }
                if (allDone(done)) {
                    break;
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    long[] ids = new long[rows];
                    for (int r = 0; r < rows; r++) {
                        ids[r] = next[r];
                    }
                    Shape shape = new Shape(rows, 1);
                    NDArray mask = step.ones(shape);
                    NDArray logits = model.forward(step.create(ids, shape), step.create(position.clone(), shape), mask,
                            cache);
                    next = pick(logits, sampler, vocab);
                    for (int r = 0; r < rows; r++) {
                        position[r]++;
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(gradMode);
        }
        int[][] result = new int[rows][];
        for (int r = 0; r < rows; r++) {
            result[r] = out.get(r).stream().mapToInt(Integer::intValue).toArray();
        }
        return result;
    }

    /** The next token of every row, from the last position's logits. */
    private static int[] pick(NDArray logits, Sampler sampler, int vocab) {
        float[] last = logits.get(new NDIndex(":, -1, :")).toFloatArray();
        int[] next = new int[last.length / vocab];
        for (int r = 0; r < next.length; r++) {
            next[r] = sampler.next(last, r * vocab, vocab);
        }
        return next;
    }

    private static boolean allDone(boolean[] done) {
        for (boolean d : done) {
            if (!d) {
                return false;
            }
        }
        return true;
    }

    /** Convenience for one prompt. */
    public static int[] generate(DecoderLM model, int[] prompt, Options options) {
        return generate(model, new int[][] {prompt}, 0, options)[0];
    }
}
