package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary grouped-query self-attention of one block, over the residual stream as rows [B*T, H]:
 * projections, RoPE, the optional {@link KvCache}, masked softmax and the output projection.
 */
final class Attention {
    private final HfConfig config;
    private final DataType dtype;
    private final boolean cpu;
    /** 1 / sqrt(head_dim) as a scalar array, created once rather than on every call. */
    private final NDArray scale;
    /**
     * Whether the scale is a power of two (head_dim 4, 16, 64, 256...): then scaling q instead of
     * the scores, which are larger, gives the same bits.
     */
    private final boolean scaleQueries;

    Attention(HfConfig config, NDManager manager, DataType dtype, boolean cpu) {
        this.config = config;
        this.scale = manager.create(1.0 / Math.sqrt(config.headDim()));
        int log2 = Integer.numberOfTrailingZeros(config.headDim());
        this.scaleQueries = Integer.bitCount(config.headDim()) == 1 && log2 % 2 == 0;
        this.dtype = dtype;
        this.cpu = cpu;
    }

    /** The attention output [B*T, H] for normed rows {@code x} [B*T, H] of block {@code index}. */
    NDArray apply(DecoderWeights.Layer w, int index, NDArray x, DecoderLM.Pass s) {
        return s.recording() ? recorded(w, index, x, s) : inference(w, index, x, s);
    }

    /** Every op out of place and each HF projection its own matmul, so gradients reach the parameters. */
    private NDArray recorded(DecoderWeights.Layer w, int index, NDArray x, DecoderLM.Pass s) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        NDArray q = Rope.apply(split(s.adapted(Linear.apply(x, w.q(), w.qkv().partBias(0)), x, index, "q_proj"), s,
                heads), s.cos(), s.sin(), false);
        NDArray k = Rope.apply(split(s.adapted(Linear.apply(x, w.k(), w.qkv().partBias(1)), x, index, "k_proj"), s,
                kvHeads), s.cos(), s.sin(), false);
        NDArray v = split(s.adapted(Linear.apply(x, w.v(), w.qkv().partBias(2)), x, index, "v_proj"), s,
                kvHeads); // each [B, n, T, d]
        if (s.cache() != null) {
            NDArray[] kv = s.cache().append(index, k, v);
            k = kv[0];
            v = kv[1];
        }
        NDArray keysT = k.transpose(0, 1, 3, 2); // [B, nKv, d, Tk]
        long tk = keysT.getShape().get(3);
        NDArray scores = groupedScores(q, keysT, s).reshape(s.b(), heads, s.t(), tk); // [B, nH, T, Tk]
        if (dtype != DataType.FLOAT32) {
            scores = Autograd.cast(scores, DataType.FLOAT32);
        }
        NDArray probs = scores.mul(scale).add(s.bias()).softmax(-1);
        if (dtype != DataType.FLOAT32) {
            probs = Autograd.cast(probs, dtype);
        }
        NDArray context = merge(probs.reshape(s.b(), kvHeads, (long) config.groupSize() * s.t(), tk).matMul(v), s);
        return s.adapted(Linear.apply(context, w.o(), w.oBias()), context, index, "o_proj");
    }

    /**
     * Autograd off: one matmul for q, k and v, one rotation for q and k, intermediates updated in
     * place, slices as views in one native call ({@link Views}), and no bias when the pass has none
     * (one new token and no padding).
     */
    private NDArray inference(DecoderWeights.Layer w, int index, NDArray x, DecoderLM.Pass s) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int all = heads + 2 * kvHeads;
        NDArray qkv = Linear.inference(x, w.qkv().weight(), w.qkv().bias(), cpu);
        if (s.lora() != null) { // each update added in place into its projection's columns
            long d = config.headDim();
            s.adapted(Views.range(qkv, 1, 0, heads * d), x, index, "q_proj");
            s.adapted(Views.range(qkv, 1, heads * d, (heads + kvHeads) * d), x, index, "k_proj");
            s.adapted(Views.range(qkv, 1, (heads + kvHeads) * d, all * d), x, index, "v_proj");
        }
        qkv = s.t() == 1 ? qkv.reshape(s.b(), all, 1, config.headDim()) : split(qkv, s, all); // [B, nH + 2 nKv, T, d]
        NDArray qk = Rope.rotate(Views.range(qkv, 1, 0, heads + kvHeads), s.cos(), s.sin());
        NDArray q = Views.range(qk, 1, 0, heads);
        if (scaleQueries) {
            q.muli(scale);
        }
        NDArray k = Views.range(qk, 1, heads, heads + kvHeads);
        NDArray v = Views.range(qkv, 1, heads + kvHeads, all);
        if (s.cache() != null) {
            NDArray[] kv = s.cache().append(index, k, v);
            k = kv[0];
            v = kv[1];
        }
        NDArray scores = groupedScores(q, k.transpose(0, 1, 3, 2), s); // [B, nKv, group*T, Tk]
        if (dtype != DataType.FLOAT32) {
            scores = Autograd.cast(scores, DataType.FLOAT32);
        }
        if (!scaleQueries) {
            scores.muli(scale);
        }
        if (s.bias() != null) { // added through a [B, nH, T, Tk] view (with one token the shapes broadcast)
            long tk = scores.getShape().get(3);
            (s.t() == 1 ? scores : scores.reshape(s.b(), heads, s.t(), tk)).addi(s.bias());
        }
        NDArray probs = scores.softmax(-1);
        if (dtype != DataType.FLOAT32) {
            probs = Autograd.cast(probs, dtype);
        }
        NDArray context = merge(probs.matMul(v), s);
        return s.adapted(Linear.inference(context, w.o(), w.oBias(), cpu), context, index, "o_proj");
    }

    /**
     * Grouped-query scores without copying keys: the {@code group} query heads of each kv head are
     * stacked along time: [B, nKv, group*T, d] x [B, nKv, d, Tk] -> [B, nKv, group*T, Tk].
     */
    private NDArray groupedScores(NDArray q, NDArray keysT, DecoderLM.Pass s) {
        return q.reshape(s.b(), config.numKvHeads(), (long) config.groupSize() * s.t(), config.headDim()).matMul(keysT);
    }

    /** Context [B, nKv, group*T, d] as rows [B*T, nH*d]. */
    private NDArray merge(NDArray context, DecoderLM.Pass s) {
        long width = (long) config.numHeads() * config.headDim();
        if (s.t() == 1) { // with one token the order is already [B, nH, d]
            return context.reshape(s.b(), width);
        }
        // [B, nH, T, d] -> [B, T, nH, d]
        return context.reshape(s.b(), config.numHeads(), s.t(), config.headDim()).transpose(0, 2, 1, 3)
                .reshape(s.b() * s.t(), width);
    }

    /** [B*T, n*d] -> [B, n, T, d] */
    private NDArray split(NDArray projected, DecoderLM.Pass s, int n) {
        return projected.reshape(s.b(), s.t(), n, config.headDim()).transpose(0, 2, 1, 3);
    }
}
