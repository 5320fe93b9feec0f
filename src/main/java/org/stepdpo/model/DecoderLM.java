package org.stepdpo.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import org.stepdpo.model.io.Checkpoint;

/**
 * A decoder-only transformer of the Qwen2 / Llama / Mistral family in DJL: token embeddings,
 * pre-norm blocks (RMSNorm, rotary grouped-query attention, SwiGLU MLP) and an LM head, with an
 * optional {@link KvCache} for incremental decoding.
 *
 * <p>The forward pass keeps the autograd graph in FP32 (parameters can require gradients); norms
 * and softmax run in FP32 whatever the parameter dtype. Arrays it creates belong to the managers
 * of its inputs: callers scope them ({@code NDScope} or a sub-manager).
 */
public final class DecoderLM implements AutoCloseable {
    private final HfConfig config;
    private final NDManager manager;
    private final DecoderWeights weights;
    private final Rope rope;
    private final DataType dtype;

    private DecoderLM(HfConfig config, NDManager manager, DecoderWeights weights, DataType dtype) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.rope = new Rope(config);
        this.dtype = dtype;
    }

    /**
     * Builds a decoder from {@code source} on {@code device}.
     *
     * @param dtype parameter dtype: FLOAT32 (CPU, training) or FLOAT16 (GPU inference)
     */
    public static DecoderLM create(HfConfig config, WeightSource source, Device device, DataType dtype) {
        NDManager manager = NDManager.newBaseManager(device);
        try {
            return new DecoderLM(config, manager, DecoderWeights.load(config, source, manager, dtype), dtype);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /**
     * Loads an HF model directory ({@code config.json} + safetensors weights).
     *
     * @param dtype parameter dtype: FLOAT32 (CPU, training) or FLOAT16 (GPU inference)
     */
    public static DecoderLM load(Path dir, Device device, DataType dtype) {
        HfConfig config = HfConfig.load(dir);
        try (Checkpoint checkpoint = Checkpoint.open(dir)) {
            return create(config, new CheckpointWeights(checkpoint), device, dtype);
        }
    }

    /** Weights read from a safetensors checkpoint. */
    private record CheckpointWeights(Checkpoint checkpoint) implements WeightSource {
        @Override
        public boolean has(String name) {
            return checkpoint.contains(name);
        }

        @Override
        public FloatBuffer read(String name, long[] expectedShape) {
            return checkpoint.readF32(name, expectedShape);
        }
    }

    public HfConfig config() {
        return config;
    }

    /** The manager that owns the parameters (and whose device the model runs on). */
    public NDManager manager() {
        return manager;
    }

    public DecoderWeights weights() {
        return weights;
    }

    /** A fresh cache for incremental decoding with room for {@code capacity} tokens (it grows if needed). */
    public KvCache newCache(long capacity) {
        return new KvCache(manager, config.numLayers(), capacity);
    }

    /**
     * Next-token logits.
     *
     * @param ids       token ids [B, T] (int64)
     * @param positions position of each token within its row [B, T] (int64; left padding shifts them)
     * @param mask      1 for real tokens and 0 for padding [B, T] (float32)
     * @param cache     keys and values of earlier tokens, extended by this call; or null
     * @return FP32 logits [B, T, vocab]
     */
    public NDArray forward(NDArray ids, NDArray positions, NDArray mask, KvCache cache) {
        return logits(hidden(ids, positions, mask, cache));
    }

    /** The final hidden states [B, T, hidden] (after the last norm). */
    public NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache) {
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        NDArray fullMask = cache == null ? mask : cache.extendMask(mask);
        NDArray bias = AttentionBias.of(fullMask, t, config.slidingWindow()); // [B, 1, T, Tk]
        NDArray[] cosSin = rope.tables(positions, dtype);

        NDArray x = ex(ids).embedding(ids, weights.embed, SparseFormat.DENSE).singletonOrThrow(); // [B, T, H]
        for (int i = 0; i < weights.layers.size(); i++) {
            DecoderWeights.Layer layer = weights.layers.get(i);
            x = x.add(attention(layer, i, rmsNorm(x, layer.inputNorm()), cosSin, bias, cache, b, t));
            x = x.add(mlp(layer, rmsNorm(x, layer.postNorm())));
        }
        if (cache != null) {
            cache.advance(t);
        }
        return rmsNorm(x, weights.finalNorm);
    }

    /** LM-head logits in FP32 for hidden states [B, T, H]. */
    public NDArray logits(NDArray hidden) {
        NDArray logits = linear(hidden, weights.lmHead, null);
        return dtype == DataType.FLOAT32 ? logits : logits.toType(DataType.FLOAT32, false);
    }

    private NDArray attention(DecoderWeights.Layer w, int index, NDArray x, NDArray[] cosSin, NDArray bias,
            KvCache cache, long b, long t) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int hd = config.headDim();
        int group = config.groupSize();
        // projections, split into heads: [B, T, n, d] -> [B, n, T, d]
        NDArray q = linear(x, w.q(), w.qBias()).reshape(b, t, heads, hd).transpose(0, 2, 1, 3);
        NDArray k = linear(x, w.k(), w.kBias()).reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3);
        NDArray v = linear(x, w.v(), w.vBias()).reshape(b, t, kvHeads, hd).transpose(0, 2, 1, 3);
        q = Rope.apply(q, cosSin[0], cosSin[1]);
        k = Rope.apply(k, cosSin[0], cosSin[1]);
        if (cache != null) {
            NDArray[] kv = cache.append(index, k, v);
            k = kv[0];
            v = kv[1];
        }
        long tk = k.getShape().get(2);
        // grouped-query attention without copying keys: the `group` query heads of each kv head
        // are stacked along time: [B, nKv, group*T, d] x [B, nKv, d, Tk] -> [B, nKv, group*T, Tk]
        NDArray scores = q.reshape(b, kvHeads, (long) group * t, hd).matMul(k.transpose(0, 1, 3, 2))
                .reshape(b, heads, t, tk); // [B, nH, T, Tk]
        if (dtype != DataType.FLOAT32) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        NDArray probs = scores.mul(1.0 / Math.sqrt(hd)).add(bias).softmax(-1);
        if (dtype != DataType.FLOAT32) {
            probs = probs.toType(dtype, false);
        }
        NDArray context = probs.reshape(b, kvHeads, (long) group * t, tk).matMul(v) // [B, nKv, group*T, d]
                .reshape(b, heads, t, hd).transpose(0, 2, 1, 3).reshape(b, t, (long) heads * hd);
        return linear(context, w.o(), w.oBias());
    }

    private NDArray mlp(DecoderWeights.Layer w, NDArray x) {
        NDArray gate = linear(x, w.gate(), w.gateBias());
        NDArray up = linear(x, w.up(), w.upBias());
        return linear(gate.mul(Activation.sigmoid(gate)).mul(up), w.down(), w.downBias()); // SwiGLU
    }

    /** RMSNorm computed in FP32: x / sqrt(mean(x^2) + eps), cast back, times the weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray x32 = dtype == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray normed = x32.div(x32.square().mean(new int[] {-1}, true).add(config.rmsNormEps()).sqrt());
        return (dtype == DataType.FLOAT32 ? normed : normed.toType(dtype, false)).mul(weight);
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return ex(x).linear(x, weight, bias).singletonOrThrow();
    }

    private static NDArrayEx ex(NDArray a) {
        return a.getNDArrayInternal();
    }

    @Override
    public void close() {
        manager.close();
    }
}
