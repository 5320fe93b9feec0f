package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/**
 * Rotary position embeddings, rotate-half form (as HF's Llama/Qwen2): the first and second halves
 * of each head's dimensions form the rotated pairs. Frequencies follow {@code rope_theta}, with
 * Llama-3.1 {@code llama3} scaling when the config asks for it.
 */
final class Rope {
    /** The frequencies twice over [d] (float32): each rotated pair shares one frequency. */
    private final NDArray invFreq;
    /** [d]: -1 on the first half, 1 on the second: rotate-half's signs, moved onto the sine table. */
    private final NDArray signs;

    /** The frequencies of {@code config}, held in {@code manager}. */
    Rope(HfConfig config, NDManager manager) {
        int d = config.headDim();
        float[] half = inverseFrequencies(d, config.ropeTheta(), config.ropeScaling());
        float[] full = new float[d];
        System.arraycopy(half, 0, full, 0, d / 2);
        System.arraycopy(half, 0, full, d / 2, d / 2);
        this.invFreq = manager.create(full);
        float[] signs = new float[d];
        java.util.Arrays.fill(signs, 0, d / 2, -1f);
        java.util.Arrays.fill(signs, d / 2, d, 1f);
        this.signs = manager.create(signs);
    }

    /** {@code theta^(-2i/d)} for i in [0, d/2), rescaled per Llama 3.1 when {@code scaling} is set. */
    static float[] inverseFrequencies(int headDim, double theta, HfConfig.RopeScaling scaling) {
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            double f = 1.0 / Math.pow(theta, (2.0 * i) / headDim);
            if (scaling != null) {
                double lowWavelen = scaling.originalMaxPositions() / scaling.lowFreqFactor();
                double highWavelen = scaling.originalMaxPositions() / scaling.highFreqFactor();
                double wavelen = 2 * Math.PI / f;
                if (wavelen > lowWavelen) {
                    f = f / scaling.factor();
                } else if (wavelen >= highWavelen) {
                    double smooth = (scaling.originalMaxPositions() / wavelen - scaling.lowFreqFactor())
                            / (scaling.highFreqFactor() - scaling.lowFreqFactor());
                    f = (1 - smooth) * f / scaling.factor() + smooth * f;
                }
            }
            inv[i] = (float) f;
        }
        return inv;
    }

    /**
     * cos and sin tables for {@code positions} [B, T]: each [B, 1, T, headDim], in {@code dtype};
     * with {@code signed}, the sine's first half negated, as {@link #rotate} takes it.
     */
    NDArray[] tables(NDArray positions, DataType dtype, boolean signed) {
        long b = positions.getShape().get(0);
        long t = positions.getShape().get(1);
        // [B, 1, T, 1] * [d] -> [B, 1, T, d], the frequencies already in rotate-half layout
        NDArray emb = positions.toType(DataType.FLOAT32, false).reshape(b, 1, t, 1).mul(invFreq);
        NDArray cos = emb.cos();
        NDArray sin = signed ? emb.sin().muli(signs) : emb.sin();
        return dtype == DataType.FLOAT32 ? new NDArray[] {cos, sin}
                : new NDArray[] {cos.toType(dtype, false), sin.toType(dtype, false)};
    }

    /**
     * Rotates {@code x} [B, heads, T, d] by the tables of {@link #tables}; {@code inPlace} reuses the
     * intermediates (only when autograd is not recording).
     */
    static NDArray apply(NDArray x, NDArray cos, NDArray sin, boolean inPlace) {
        long d = x.getShape().get(3);
        NDArray x1 = x.get(new NDIndex().addEllipseDim().addSliceDim(0, d / 2));
        NDArray x2 = x.get(new NDIndex().addEllipseDim().addSliceDim(d / 2, d));
        NDArray rotated = NDArrays.concat(new NDList(x2.neg(), x1), -1);
        return inPlace ? x.mul(cos).addi(rotated.muli(sin)) : x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * As {@link #apply}, for inference (autograd off) with the signed sine of {@link #tables}: the
     * halves swap places without a negation, and the slices are single native calls. The product
     * with the sine is the same as rotate-half's, as only signs move.
     */
    static NDArray rotate(NDArray x, NDArray cos, NDArray signedSin) {
        long d = x.getShape().get(3);
        NDArray swapped = Views.range(x, 3, d / 2, d).concat(Views.range(x, 3, 0, d / 2), 3);
        return x.mul(cos).addi(swapped.muli(signedSin));
    }
}
