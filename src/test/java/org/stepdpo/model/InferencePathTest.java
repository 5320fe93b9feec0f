package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The inference path (autograd off: stacked projections, in-place ops, transposed small matmuls,
 * chunked MLP, last-position logits, greedy on the device) against the plain path that training uses.
 */
class InferencePathTest {
    private static int[][] rows(int count, int length, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[][] rows = new int[count][];
        for (int r = 0; r < count; r++) {
            rows[r] = random.ints(length - r % 3, 0, vocab).toArray(); // a little left padding
        }
        return rows;
    }

    private static float[] withGradMode(boolean on, Supplier<NDArray> f) {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(on);
        try {
            return f.get().toFloatArray();
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    /** Row counts below, inside and above the range that multiplies by the weight from the left. */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tiny", "llama-tiny"})
    void forwardWithoutAutogradMatchesTheRecordingPath(String name) {
        try (DecoderLM model = DecoderLM.load(Fixtures.model(name), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager()) {
            for (int[] shape : new int[][] {{1, 5}, {2, 6}, {3, 20}, {5, 16}}) {
                Batch b = Batch.leftPadded(m, rows(shape[0], shape[1], 300, shape[1]), 0);
                float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
                float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
                DecoderLMTest.assertClose(plain, fast, 1e-5, name + " " + shape[0] + "x" + shape[1]);
                float[] last = withGradMode(false, () -> model.lastLogits(b.ids(), b.positions(), b.mask(), null));
                float[] lastPlain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null)
                        .get(new NDIndex(":, -1, :")));
                DecoderLMTest.assertClose(lastPlain, last, 1e-5, name + " last logits");
            }
        }
    }

    @Test
    void theChunkedMlpOfALongBatchMatchesTheRecordingPath() {
        // a wide MLP so that 3 x 120 tokens span several chunks
        HfConfig c = RandomModel.config("hidden=32,layers=2,heads=4,kv_heads=2,vocab=64,intermediate=8192", 256);
        try (DecoderLM model = DecoderLM.create(c, RandomModel.weights(3), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager()) {
            Batch b = Batch.leftPadded(m, rows(3, 120, 64, 5), 0);
            float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
            float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
            DecoderLMTest.assertClose(plain, fast, 1e-5, "chunked MLP");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tiny", "llama-tiny"})
    void batchedCachedDecodingWithoutAutogradMatchesFullForwardPasses(String name) {
        int batch = 12;
        int length = 9;
        int prefill = 4;
        int[][] seqs = rows(batch, length, 300, 11);
        try (DecoderLM model = DecoderLM.load(Fixtures.model(name), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache(6)) {
            int width = seqs[0].length;
            Batch full = Batch.leftPadded(m, seqs, 0);
            NDArray expected = model.forward(full.ids(), full.positions(), full.mask(), null); // [B, T, V]
            int[][] heads = new int[batch][];
            for (int r = 0; r < batch; r++) {
                heads[r] = java.util.Arrays.copyOf(seqs[r], seqs[r].length - (width - prefill));
            }
            Batch first = Batch.leftPadded(m, heads, 0);
            float[] got = withGradMode(false, () -> model.lastLogits(first.ids(), first.positions(), first.mask(), cache));
            DecoderLMTest.assertClose(expected.get(new NDIndex(":, {}, :", prefill - 1)).toFloatArray(), got, 1e-4,
                    name + " prefill");
            for (int i = prefill; i < width; i++) {
                long[] ids = new long[batch];
                long[] pos = new long[batch];
                for (int r = 0; r < batch; r++) {
                    int pad = width - seqs[r].length;
                    ids[r] = seqs[r][i - pad];
                    pos[r] = i - pad;
                }
                Shape one = new Shape(batch, 1);
                float[] step = withGradMode(false, () -> model.lastLogits(m.create(ids, one), m.create(pos, one),
                        m.ones(one), cache));
                DecoderLMTest.assertClose(expected.get(new NDIndex(":, {}, :", i)).toFloatArray(), step, 1e-4,
                        name + " step " + i);
            }
        }
    }

    @Test
    void greedyOnTheDevicePicksTheJavaArgMaxOfEachRow() {
        try (DecoderLM model = DecoderLM.load(Fixtures.model("llama-tiny"), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager()) {
            int[][] prompts = rows(10, 7, 300, 21);
            List<Generator.Request> requests = new ArrayList<>();
            for (int[] p : prompts) {
                requests.add(new Generator.Request(p, 0));
            }
            List<Generator.Result> results = Generator.generate(model, requests, 0, Generator.Options.greedy(1, Set.of()));
            Batch b = Batch.leftPadded(m, prompts, 0);
            float[] last = model.forward(b.ids(), b.positions(), b.mask(), null).get(new NDIndex(":, -1, :"))
                    .toFloatArray();
            int vocab = model.config().vocabSize();
            for (int r = 0; r < prompts.length; r++) {
                assertArrayEquals(new int[] {Sampler.argMax(last, r * vocab, vocab)}, results.get(r).ids(), "row " + r);
            }
        }
    }

    @Test
    void anInPlaceUpdateOfAnHfParameterReachesTheStackedProjection() {
        try (DecoderLM model = DecoderLM.load(Fixtures.model("qwen2-tiny"), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager()) {
            Batch b = Batch.leftPadded(m, rows(2, 6, 300, 4), 0);
            float[] before = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
            // as an optimizer step would: in place, on the HF-named tensors
            model.weights().byName().get("model.layers.0.self_attn.k_proj.weight").muli(0.5);
            model.weights().byName().get("model.layers.1.self_attn.v_proj.bias").addi(0.25);
            model.weights().byName().get("model.layers.1.mlp.up_proj.weight").muli(-1);
            float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
            float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null));
            DecoderLMTest.assertClose(plain, fast, 1e-5, "after the update");
            double change = 0;
            for (int i = 0; i < before.length; i++) {
                change = Math.max(change, Math.abs(before[i] - fast[i]));
            }
            assertTrue(change > 1e-3, "the update changed nothing: " + change);
            assertEquals(new Shape(64, 32),
                    model.weights().byName().get("model.layers.1.mlp.up_proj.weight").getShape());
        }
    }
}
