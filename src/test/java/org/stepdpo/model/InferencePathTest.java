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
                float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN));
                float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.INFER));
                DecoderLMTest.assertClose(plain, fast, 1e-5, name + " " + shape[0] + "x" + shape[1]);
                float[] last = withGradMode(false, () -> model.lastLogits(b.ids(), b.positions(), b.mask(), null));
                float[] lastPlain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN)
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
            float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN));
            float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.INFER));
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
            NDArray expected = model.forward(full.ids(), full.positions(), full.mask(), null, Mode.TRAIN); // [B, T, V]
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

    /** head_dim 16: the scale 1/4 is a power of two, so the inference path scales the queries instead of the scores. */
    @Test
    void queriesScaledByAPowerOfTwoGiveTheLogitsOfTheRecordingPath() {
        HfConfig c = RandomModel.config("hidden=64,layers=2,heads=4,kv_heads=2,vocab=64", 64);
        try (DecoderLM model = DecoderLM.create(c, RandomModel.weights(5), Device.cpu(), DataType.FLOAT32);
                NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache(16)) {
            int[][] seqs = rows(3, 12, 64, 8);
            Batch b = Batch.leftPadded(m, seqs, 0);
            float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN));
            float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.INFER));
            DecoderLMTest.assertClose(plain, fast, 1e-5, "head_dim 16");
            // and through the cache: all but the last token, then the last one alone
            int[][] heads = new int[seqs.length][];
            long[] ids = new long[seqs.length];
            long[] pos = new long[seqs.length];
            for (int r = 0; r < seqs.length; r++) {
                heads[r] = java.util.Arrays.copyOf(seqs[r], seqs[r].length - 1);
                ids[r] = seqs[r][seqs[r].length - 1];
                pos[r] = seqs[r].length - 1;
            }
            Batch first = Batch.leftPadded(m, heads, 0);
            Shape one = new Shape(seqs.length, 1);
            float[] step = withGradMode(false, () -> {
                model.lastLogits(first.ids(), first.positions(), first.mask(), cache);
                return model.lastLogits(m.create(ids, one), m.create(pos, one), m.ones(one), cache);
            });
            float[] expected = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN)
                    .get(new NDIndex(":, -1, :")));
            DecoderLMTest.assertClose(expected, step, 1e-5, "head_dim 16, cached step");
        }
    }

    /** The inference rotation, with the sine's signs on the table, is rotate-half's to the bit. */
    @Test
    void rotateWithTheSignedSineEqualsRotateHalf() {
        HfConfig c = RandomModel.config("hidden=64,layers=1,heads=4,kv_heads=2,vocab=32", 64);
        try (NDManager m = NDManager.newBaseManager()) {
            Rope rope = new Rope(c, m);
            NDArray positions = m.create(new long[] {0, 3, 7, 1, 2, 50}, new Shape(2, 3));
            NDArray x = m.randomUniform(-2, 2, new Shape(2, 4, 3, 16));
            NDArray[] plain = rope.tables(positions, DataType.FLOAT32, false);
            NDArray[] signed = rope.tables(positions, DataType.FLOAT32, true);
            float[] expected = Rope.apply(x, plain[0], plain[1], false).toFloatArray();
            assertArrayEquals(expected, Rope.rotate(x, signed[0], signed[1]).toFloatArray());
            // position 0 leaves a vector as it is
            assertArrayEquals(Views.range(Views.range(x, 0, 0, 1), 2, 0, 1).toFloatArray(),
                    Views.range(Views.range(Rope.rotate(x, signed[0], signed[1]), 0, 0, 1), 2, 0, 1).toFloatArray());
        }
    }

    /**
     * An inference pass whose arrays the caller scopes with a sub-manager leaves nothing in the
     * model's own manager: the few-row products with the weight on the left ({@link Linear#inference})
     * would otherwise belong to the weight's manager and live as long as the model (a judge scoring
     * for hours grew by gigabytes that way).
     */
    @Test
    void aScopedInferencePassLeavesNothingInTheModelsManager() {
        try (DecoderLM model = DecoderLM.load(Fixtures.model("llama-tiny"), Device.cpu(), DataType.FLOAT32);
                LoraAdapters lora = LoraAdapters.init(model, new LoraConfig(2, 4, 0, LoraConfig.PROJECTIONS), 1)) {
            int before = model.manager().getManagedArrays().size();
            for (int rows : new int[] {4, 12, 40, -4}) { // scored tokens below, inside and above the few-row range
                if (rows < 0) { // again with LoRA adapters on every projection
                    model.attach(lora);
                    rows = -rows;
                }
                int[][] prompts = rows(rows, 9, 300, rows);
                int[][] responses = new int[rows][];
                for (int r = 0; r < rows; r++) {
                    responses[r] = new int[] {5 + r};
                }
                try (NDManager m = model.manager().newSubManager()) {
                    ResponseLogps.summed(model, m, prompts, responses, Mode.INFER).summed().toFloatArray();
                }
                assertEquals(before, model.manager().getManagedArrays().size(), rows + " scored rows");
            }
        }
    }

    /**
     * Each block's intermediates (the [B, heads, T, Tk] scores among them) are freed before the next
     * block runs: what an inference pass leaves in its caller's manager does not grow with depth, so a
     * long prefill holds one block's worth. The arrays left are the same for 1, 2 and 6 blocks.
     */
    @Test
    void anInferencePassFreesEachBlocksIntermediatesBeforeTheNext() {
        int[] left = new int[3];
        int[] depths = {1, 2, 6};
        for (int d = 0; d < depths.length; d++) {
            HfConfig c = RandomModel.config("hidden=64,layers=" + depths[d] + ",heads=4,kv_heads=2,vocab=64", 128);
            try (DecoderLM model = DecoderLM.create(c, RandomModel.weights(9), Device.cpu(), DataType.FLOAT32);
                    NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache(128)) {
                Batch b = Batch.leftPadded(m, rows(3, 100, 64, 2), 0); // several MLP chunks too
                int before = model.manager().getManagedArrays().size();
                withGradMode(false, () -> model.lastLogits(b.ids(), b.positions(), b.mask(), cache));
                withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.INFER));
                left[d] = model.manager().getManagedArrays().size() - before - cacheArrays(depths[d]);
            }
        }
        assertEquals(left[0], left[1], "arrays left by 1 and 2 blocks");
        assertEquals(left[0], left[2], "arrays left by 1 and 6 blocks");
    }

    /** A cache's own arrays: keys and values of each block and the mask. */
    private static int cacheArrays(int layers) {
        return 2 * layers + 1;
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
            float[] last = model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN).get(new NDIndex(":, -1, :"))
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
            float[] before = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.INFER));
            // as an optimizer step would: in place, on the HF-named tensors
            model.weights().byName().get("model.layers.0.self_attn.k_proj.weight").muli(0.5);
            model.weights().byName().get("model.layers.1.self_attn.v_proj.bias").addi(0.25);
            model.weights().byName().get("model.layers.1.mlp.up_proj.weight").muli(-1);
            float[] plain = withGradMode(true, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.TRAIN));
            float[] fast = withGradMode(false, () -> model.forward(b.ids(), b.positions(), b.mask(), null, Mode.INFER));
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
