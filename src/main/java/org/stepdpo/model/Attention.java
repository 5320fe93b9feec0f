package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
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

    Attention(HfConfig config, NDManager manager, DataType dtype, boolean cpu) {
        this.config = config;
        this.scale = manager.create(1.0 / Math.sqrt(config.headDim()));
        this.dtype = dtype;
        this.cpu = cpu;
    }

    /** The attention output [B*T, H] for normed rows {@code x} [B*T, H] of block {@code index}. */
    NDArray apply(DecoderWeights.Layer w, int index, NDArray x, DecoderLM.Pass s) {
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int hd = config.headDim();
        int group = config.groupSize();
        NDArray q;
        NDArray k;
        NDArray v; // each [B, n, T, d]
        if (s.recording()) {
            q = Rope.apply(split(Linear.apply(x, w.q(), w.qkv().partBias(0)), s, heads), s.cos(), s.sin(), false);
            k = Rope.apply(split(Linear.apply(x, w.k(), w.qkv().partBias(1)), s, kvHeads), s.cos(), s.sin(), false);
            v = split(Linear.apply(x, w.v(), w.qkv().partBias(2)), s, kvHeads);
        } else {
            // one matmul for q, k and v, one rotation for q and k: [B, nH + 2 nKv, T, d]
            NDArray qkv = split(Linear.inference(x, w.qkv().weight(), w.qkv().bias(), cpu), s, heads + 2 * kvHeads);
            NDArray qk = Rope.apply(qkv.get(heads(0, heads + kvHeads)), s.cos(), s.sin(), true);
            q = qk.get(heads(0, heads));
            k = qk.get(heads(heads, heads + kvHeads));
            v = qkv.get(heads(heads + kvHeads, heads + 2 * kvHeads));
        }
        if (s.cache() != null) {
            NDArray[] kv = s.cache().append(index, k, v);
            k = kv[0];
            v = kv[1];
        }
        NDArray keysT = k.transpose(0, 1, 3, 2); // [B, nKv, d, Tk]
        long tk = keysT.getShape().get(3);
        // grouped-query attention without copying keys: the `group` query heads of each kv head
        // are stacked along time: [B, nKv, group*T, d] x [B, nKv, d, Tk] -> [B, nKv, group*T, Tk]
        NDArray scores = q.reshape(s.b(), kvHeads, group * s.t(), hd).matMul(keysT)
                .reshape(s.b(), heads, s.t(), tk); // [B, nH, T, Tk]
        if (dtype != DataType.FLOAT32) {
            scores = scores.toType(DataType.FLOAT32, false);
        }
        NDArray probs = (s.recording() ? scores.mul(scale).add(s.bias()) : scores.muli(scale).addi(s.bias()))
                .softmax(-1);
        if (dtype != DataType.FLOAT32) {
            probs = probs.toType(dtype, false);
        }
        NDArray context = probs.reshape(s.b(), kvHeads, group * s.t(), tk).matMul(v); // [B, nKv, group*T, d]
        if (s.t() > 1) { // [B, nH, T, d] -> [B, T, nH, d]; with one token the order is already right
            context = context.reshape(s.b(), heads, s.t(), hd).transpose(0, 2, 1, 3);
        }
        context = context.reshape(s.b() * s.t(), (long) heads * hd);
        return s.recording() ? Linear.apply(context, w.o(), w.oBias()) : Linear.inference(context, w.o(), w.oBias(), cpu);
    }

    /** [B*T, n*d] -> [B, n, T, d] */
    private NDArray split(NDArray projected, DecoderLM.Pass s, int n) {
        return projected.reshape(s.b(), s.t(), n, config.headDim()).transpose(0, 2, 1, 3);
    }

    /** Heads {@code from} (inclusive) to {@code to} (exclusive) of a [B, n, T, d] array. */
    private static NDIndex heads(long from, long to) {
        return new NDIndex().addAllDim().addSliceDim(from, to);
    }
}
