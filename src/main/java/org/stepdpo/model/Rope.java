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
    private final NDArray invFreq; // [d/2] float32

    /** The frequencies of {@code config}, held in {@code manager}. */
    Rope(HfConfig config, NDManager manager) {
        this.invFreq = manager.create(inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling()));
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

    /** cos and sin tables for {@code positions} [B, T]: each [B, 1, T, headDim], in {@code dtype}. */
    NDArray[] tables(NDArray positions, DataType dtype) {
        // [B, T, 1] * [d/2] -> [B, T, d/2]; duplicated to [B, T, d] (rotate-half layout)
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq);
        NDArray emb = freqs.concat(freqs, -1).expandDims(1); // [B, 1, T, d]
        return new NDArray[] {emb.cos().toType(dtype, false), emb.sin().toType(dtype, false)};
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
}
