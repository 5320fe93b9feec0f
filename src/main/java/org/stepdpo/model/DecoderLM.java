package org.stepdpo.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
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
 * <p>Every pass takes an explicit {@link Mode} from its caller. {@link Mode#TRAIN} keeps the
 * autograd graph in FP32 (parameters can require gradients); norms and softmax run in FP32 whatever
 * the parameter dtype. {@link Mode#INFER} (generation, scoring) builds no graph and takes a faster
 * route to the same arithmetic: stacked q/k/v and gate/up projections, intermediates
 * updated in place, few-row matmuls with the weight on the left ({@link Linear#inference}) and the
 * MLP of long inputs in chunks. Arrays it creates belong to the managers of its inputs: callers
 * scope them ({@code NDScope} or a sub-manager).
 */
public final class DecoderLM implements AutoCloseable {
    private final HfConfig config;
    private final NDManager manager;
    private final DecoderWeights weights;
    private final Rope rope;
    private final DataType dtype;
    private final boolean cpu;
    private final Attention attention;
    /** {@code rms_norm_eps} as a scalar array, created once rather than on every norm. */
    private final NDArray eps;
    /** LoRA adapters added to the projections (null: none). */
    private volatile LoraAdapters adapters;

    /** Bytes of MLP intermediate per chunk of rows (see {@link #mlpBlock}). */
    private static final long MLP_CHUNK_BYTES = 16L << 20;

    private DecoderLM(HfConfig config, NDManager manager, DecoderWeights weights, DataType dtype) {
        this.config = config;
        this.manager = manager;
        this.weights = weights;
        this.rope = new Rope(config, manager);
        this.eps = manager.create(config.rmsNormEps());
        this.dtype = dtype;
        this.cpu = !manager.getDevice().isGpu();
        this.attention = new Attention(config, manager, dtype, cpu);
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
            FloatBuffer values = checkpoint.readF32(name, expectedShape);
            requireFinite(values, "tensor " + name + " in " + checkpoint.info(name).file());
            return values;
        }
    }

    /** Refuses weights holding NaN or infinity, naming {@code where}, the count and the first place. */
    static void requireFinite(FloatBuffer values, String where) {
        long bad = 0;
        int first = -1;
        for (int i = values.position(); i < values.limit(); i++) {
            if (!Float.isFinite(values.get(i))) {
                bad++;
                first = first < 0 ? i - values.position() : first;
            }
        }
        if (bad > 0) {
            throw new IllegalArgumentException(where + " holds " + bad + " non-finite value(s) (NaN or infinity), the "
                    + "first at element " + first + ": the weights are refused");
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

    /**
     * Adds {@code adapters} to this decoder's projections from the next pass on (null removes them).
     * They must have been built for this decoder; the caller keeps them and closes them.
     */
    public void attach(LoraAdapters adapters) {
        if (adapters != null && adapters.layers() != config.numLayers()) {
            throw new IllegalArgumentException("LoRA adapters for " + adapters.layers() + " layers cannot attach to a "
                    + "decoder of " + config.numLayers());
        }
        this.adapters = adapters;
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
     * @param mode      training or inference arithmetic
     * @return FP32 logits [B, T, vocab]
     */
    public NDArray forward(NDArray ids, NDArray positions, NDArray mask, KvCache cache, Mode mode) {
        return mode.run(() -> headLogits(normedHidden(ids, positions, mask, cache, mode), mode));
    }

    /**
     * The logits of each row's last position only [B, vocab] (FP32), as generation needs them: the
     * final norm and LM head skip the other positions; always {@link Mode#INFER}. Arguments as for
     * {@link #forward}.
     */
    public NDArray lastLogits(NDArray ids, NDArray positions, NDArray mask, KvCache cache) {
        return Mode.INFER.run(() -> {
            long b = ids.getShape().get(0);
            long t = ids.getShape().get(1);
            NDArray rows = blocks(ids, positions, mask, cache, Mode.INFER); // [B*T, H]
            NDArray last = t == 1 ? rows
                    : rows.reshape(b, t, config.hiddenSize()).get(new NDIndex().addAllDim().addIndices(t - 1));
            return headLogits(rmsNorm(last, weights.finalNorm, true), Mode.INFER); // [B, vocab]
        });
    }

    /** The final hidden states [B, T, hidden] (after the last norm). */
    public NDArray hidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache, Mode mode) {
        return mode.run(() -> normedHidden(ids, positions, mask, cache, mode));
    }

    /** {@link #hidden} in the caller's grad mode. */
    private NDArray normedHidden(NDArray ids, NDArray positions, NDArray mask, KvCache cache, Mode mode) {
        NDArray rows = rmsNorm(blocks(ids, positions, mask, cache, mode), weights.finalNorm, mode == Mode.INFER);
        return rows.reshape(ids.getShape().get(0), ids.getShape().get(1), config.hiddenSize());
    }

    /** LM-head logits in FP32 for hidden states [..., H]. */
    public NDArray logits(NDArray hidden, Mode mode) {
        return mode.run(() -> headLogits(hidden, mode));
    }

    /** {@link #logits} in the caller's grad mode. */
    private NDArray headLogits(NDArray hidden, Mode mode) {
        NDArray logits;
        if (mode == Mode.TRAIN || hidden.getShape().dimension() != 2) {
            logits = Linear.apply(hidden, weights.lmHead, null);
        } else {
            logits = Linear.inference(hidden, weights.lmHead, null, cpu);
        }
        return Autograd.cast(logits, DataType.FLOAT32);
    }

    /**
     * What every block of one forward pass shares: batch size, length, RoPE tables [B, 1, T, d] (the
     * sine signed for {@link Rope#rotate} when not recording), the attention bias [B, 1, T, Tk] (null
     * when it would add nothing, without recording only) and the cache. With autograd recording, every op is out of place and each HF projection is its own
     * matmul, so gradients reach the HF-named parameters; without it, stacked projections run as one
     * matmul and intermediates are updated in place.
     */
    record Pass(long b, long t, NDArray cos, NDArray sin, NDArray bias, KvCache cache, boolean recording,
            LoraAdapters lora) {
        /**
         * {@code y} plus the LoRA update of projection {@code target} of {@code layer} for its input
         * {@code x} (out of place when recording, in place otherwise); {@code y} when it has no adapter.
         */
        NDArray adapted(NDArray y, NDArray x, int layer, String target) {
            if (lora == null || !lora.has(layer, target)) {
                return y;
            }
            NDArray delta = lora.delta(x, layer, target, recording);
            return recording ? y.add(delta) : y.addi(delta);
        }
    }

    /** The residual stream after the last block, as rows [B*T, H], before the final norm. */
    private NDArray blocks(NDArray ids, NDArray positions, NDArray mask, KvCache cache, Mode mode) {
        NDArray fullMask = cache == null ? mask : cache.extendMask(mask);
        long b = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        boolean recording = mode == Mode.TRAIN;
        NDArray[] cosSin = rope.tables(positions, dtype, !recording);
        NDArray bias = !recording && t == 1 && AttentionBias.allVisible(fullMask, config.slidingWindow()) ? null
                : AttentionBias.of(fullMask, t, config.slidingWindow());
        Pass pass = new Pass(b, t, cosSin[0], cosSin[1], bias, cache, recording, adapters);
        NDArray x = ids.getNDArrayInternal().embedding(ids.reshape(b * t), weights.embed, SparseFormat.DENSE)
                .singletonOrThrow(); // [B*T, H]
        for (int i = 0; i < weights.layers.size(); i++) {
            DecoderWeights.Layer layer = weights.layers.get(i);
            if (pass.recording) {
                x = x.add(attention.apply(layer, i, rmsNorm(x, layer.inputNorm(), false), pass));
                x = mlpBlock(i, layer, x, pass);
                continue;
            }
            // x is updated in place; a block's intermediates (scores [B, heads, T, Tk] among them) are
            // freed before the next block runs, so a prefill holds one block's worth, not every block's
            try (NDScope block = new NDScope()) {
                block.suppressNotUsedWarning();
                x.addi(attention.apply(layer, i, rmsNorm(x, layer.inputNorm(), true), pass));
                mlpBlock(i, layer, x, pass);
            }
        }
        if (cache != null) {
            cache.advance(t);
        }
        return x;
    }

    /**
     * {@code x + mlp(norm(x))} for rows x [B*T, H]. Without recording, many rows run in chunks whose
     * widest intermediate ([rows, 2F]) stays within {@value #MLP_CHUNK_BYTES} bytes, each added into
     * x in place: the allocator reuses buffers that size, while larger ones are mapped fresh and pay
     * a page fault per 4 KiB page, which costs more than the arithmetic on it.
     */
    private NDArray mlpBlock(int index, DecoderWeights.Layer layer, NDArray x, Pass s) {
        if (s.recording) {
            return x.add(mlp(index, layer, rmsNorm(x, layer.postNorm(), false), s));
        }
        long rows = x.getShape().get(0);
        long chunk = Math.max(64, MLP_CHUNK_BYTES / (2L * config.intermediateSize() * dtype.getNumOfBytes()));
        for (long start = 0; start < rows; start += chunk) {
            try (NDScope part = new NDScope()) { // each chunk's intermediates freed before the next
                part.suppressNotUsedWarning();
                NDArray rowsOf = rows <= chunk ? x : x.get(new NDIndex().addSliceDim(start, Math.min(rows, start + chunk)));
                rowsOf.addi(mlp(index, layer, rmsNorm(rowsOf, layer.postNorm(), true), s)); // a view: writes into x
            }
        }
        return x;
    }

    /** SwiGLU: {@code down(silu(gate(x)) * up(x))}, with the LoRA updates of layer {@code index} when {@code s} has them. */
    private NDArray mlp(int index, DecoderWeights.Layer w, NDArray x, Pass s) {
        if (s.recording) {
            NDArray gate = s.adapted(Linear.apply(x, w.gate(), w.gateUp().partBias(0)), x, index, "gate_proj");
            NDArray up = s.adapted(Linear.apply(x, w.up(), w.gateUp().partBias(1)), x, index, "up_proj");
            NDArray h = gate.mul(Activation.sigmoid(gate)).mul(up);
            return s.adapted(Linear.apply(h, w.down(), w.downBias()), h, index, "down_proj");
        }
        long ffn = config.intermediateSize();
        NDArray gateUp = Linear.inference(x, w.gateUp().weight(), w.gateUp().bias(), cpu); // [rows, 2F]
        NDArray gate = s.adapted(Views.range(gateUp, 1, 0, ffn), x, index, "gate_proj"); // in place: views of gateUp
        NDArray up = s.adapted(Views.range(gateUp, 1, ffn, 2 * ffn), x, index, "up_proj");
        NDArray h = Activation.sigmoid(gate).muli(gate).muli(up);
        return s.adapted(Linear.inference(h, w.down(), w.downBias(), cpu), h, index, "down_proj");
    }

    /** RMSNorm computed in FP32: x / sqrt(mean(x^2) + eps), cast back, times the weight. */
    private NDArray rmsNorm(NDArray x, NDArray weight, boolean inPlace) {
        NDArray x32 = Autograd.cast(x, DataType.FLOAT32);
        NDArray meanSquare = x32.square().mean(new int[] {-1}, true);
        NDArray normed = x32.div((inPlace ? meanSquare.addi(eps) : meanSquare.add(eps)).sqrt());
        normed = Autograd.cast(normed, dtype);
        return inPlace ? normed.muli(weight) : normed.mul(weight);
    }

    @Override
    public void close() {
        manager.close();
    }
}
