package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The decoder's fast paths agree with its plain path: cached decoding, padded batches, no leaks. */
class DecoderConsistencyTest {
    private static DecoderLM model;
    private static final int[] SEQ = {5, 17, 3, 99, 250, 42, 7, 311, 64, 2, 128};

    @BeforeAll
    static void load() {
        model = DecoderLM.load(Fixtures.model("llama-tiny"), Device.cpu(), DataType.FLOAT32);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void incrementalDecodingWithTheCacheMatchesAFullForwardPass() {
        try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache(5)) { // small: the cache must grow
            Batch full = Batch.leftPadded(m, new int[][] {SEQ}, 0);
            float[] expected = model.forward(full.ids(), full.positions(), full.mask(), null, Mode.TRAIN).toFloatArray();
            int vocab = model.config().vocabSize();
            // prefill 4 tokens, then one token at a time
            int prefill = 4;
            Batch first = Batch.leftPadded(m, new int[][] {java.util.Arrays.copyOf(SEQ, prefill)}, 0);
            float[] got = new float[SEQ.length * vocab];
            System.arraycopy(model.forward(first.ids(), first.positions(), first.mask(), cache, Mode.TRAIN).toFloatArray(), 0,
                    got, 0, prefill * vocab);
            for (int i = prefill; i < SEQ.length; i++) {
                Shape one = new Shape(1, 1);
                NDArray logits = model.forward(m.create(new long[] {SEQ[i]}, one), m.create(new long[] {i}, one),
                        m.ones(one), cache, Mode.TRAIN);
                System.arraycopy(logits.toFloatArray(), 0, got, i * vocab, vocab);
            }
            assertEquals(SEQ.length, cache.length());
            DecoderLMTest.assertClose(expected, got, 1e-4, "cached logits");
        }
    }

    @Test
    void aLeftPaddedBatchGivesEachRowItsOwnLogProbs() {
        int[][] rows = {SEQ, {8, 9, 10}, {300, 1, 77, 76, 75, 2}};
        try (NDManager m = model.manager().newSubManager()) {
            Batch batch = Batch.leftPadded(m, rows, 0);
            NDArray together = rowLogProbs(model.forward(batch.ids(), batch.positions(), batch.mask(), null, Mode.TRAIN),
                    batch.ids(), batch.mask());
            for (int r = 0; r < rows.length; r++) {
                Batch alone = Batch.leftPadded(m, new int[][] {rows[r]}, 0);
                float[] expected = rowLogProbs(model.forward(alone.ids(), alone.positions(), alone.mask(), null, Mode.TRAIN),
                        alone.ids(), alone.mask()).toFloatArray();
                long pad = batch.width() - rows[r].length;
                float[] got = together.get(new NDIndex("{}, {}:", r, pad)).toFloatArray();
                DecoderLMTest.assertClose(expected, got, 1e-4, "row " + r);
            }
        }
    }

    /** log p of each real token after the first: [B, T-1]. */
    private static NDArray rowLogProbs(NDArray logits, NDArray ids, NDArray mask) {
        long t = ids.getShape().get(1);
        NDArray targetMask = mask.get(new NDIndex(":, 1:")).mul(mask.get(new NDIndex(":, :-1")));
        return LogProbs.perToken(logits.get(new NDIndex(":, :{}, :", t - 1)), ids.get(new NDIndex(":, 1:")),
                targetMask);
    }

    @Test
    void samplesOfOnePromptAreReproducibleAndIndependentOfBatching() {
        Generator.Options sampling = new Generator.Options(6, 1.0, 0.95, 0, java.util.Set.of(), null);
        java.util.List<Generator.Request> four = Generator.Request.samples(SEQ, 11, 4);
        java.util.List<Generator.Result> together = Generator.generate(model, four, 0, sampling);
        java.util.List<Generator.Result> firstTwo = Generator.generate(model, four.subList(0, 2), 0, sampling);
        for (int k = 0; k < 2; k++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(together.get(k).ids(), firstTwo.get(k).ids());
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(together.get(3).ids(),
                Generator.generate(model, SEQ, sampling, four.get(3).seed()));
        assertTrue(together.stream().map(r -> java.util.Arrays.toString(r.ids())).distinct().count() > 1,
                "4 samples at temperature 1 should not all be equal");
    }

    @Test
    void samplingFromTheTopTokenOnlyIsGreedy() {
        java.util.List<Generator.Request> rows = java.util.List.of(new Generator.Request(SEQ, 1),
                new Generator.Request(new int[] {4, 5, 6}, 2), new Generator.Request(SEQ, 3));
        java.util.List<Generator.Result> greedy = Generator.generate(model, rows, 0,
                Generator.Options.greedy(8, java.util.Set.of()));
        for (Generator.Options top1 : java.util.List.of(new Generator.Options(8, 0.7, 1, 1, java.util.Set.of(), null),
                new Generator.Options(8, 1.3, 1e-6, 0, java.util.Set.of(), null))) {
            java.util.List<Generator.Result> sampled = Generator.generate(model, rows, 0, top1);
            for (int r = 0; r < rows.size(); r++) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(greedy.get(r).ids(), sampled.get(r).ids(),
                        "row " + r + " with top-k " + top1.topK() + ", top-p " + top1.topP());
            }
        }
    }

    @Test
    void aThousandForwardPassesLeaveNoNativeArraysBehind() {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager m = model.manager().newSubManager()) {
            Batch batch = Batch.leftPadded(m, new int[][] {SEQ, {4, 5, 6}}, 0);
            int held = m.getManagedArrays().size();
            int params = model.manager().getManagedArrays().size();
            double checksum = 0;
            for (int i = 0; i < 1000; i++) {
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    checksum += model.forward(batch.ids(), batch.positions(), batch.mask(), null, Mode.INFER)
                            .get(new NDIndex("0, -1, 0")).getFloat();
                }
            }
            assertTrue(Double.isFinite(checksum));
            assertEquals(held, m.getManagedArrays().size(), "arrays left in the batch's manager");
            assertEquals(params, model.manager().getManagedArrays().size(), "arrays left in the model's manager");
        } finally {
            JniUtils.setGradMode(grad);
        }
    }
}
