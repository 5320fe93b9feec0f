package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Gradients of a decoder's parameters through PyTorch's autograd, without DJL's
 * {@code GradientCollector} (of which only one may exist per JVM): grad mode is per thread, so
 * several trainers can run side by side in one executor JVM.
 */
public final class Autograd {
    private Autograd() {}

    /** Marks every parameter of {@code weights} (HF-named views included) as requiring gradients. */
    public static void requireGradients(DecoderWeights weights) {
        requireGradients(weights.byName());
    }

    /** Marks every array of {@code params} as requiring gradients. */
    public static void requireGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            p.setRequiresGradient(true);
        }
    }

    /**
     * Runs {@code body} with grad mode on in this thread, then restores the previous mode.
     */
    public static <T> T recording(java.util.function.Supplier<T> body) {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(true);
        try {
            return body.get();
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    /** Runs {@code body} with grad mode off in this thread, then restores the previous mode. */
    public static <T> T notRecording(java.util.function.Supplier<T> body) {
        boolean before = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return body.get();
        } finally {
            JniUtils.setGradMode(before);
        }
    }

    /**
     * {@code x} in {@code dtype}, keeping the autograd graph: DJL's {@code toType} cuts it, so while
     * this thread records, {@code x} is copied into a new array of the target dtype (PyTorch's
     * {@code copy_}, which back-propagates through the conversion); otherwise it is converted
     * directly. The same array when it already has the dtype.
     */
    public static NDArray cast(NDArray x, ai.djl.ndarray.types.DataType dtype) {
        if (x.getDataType() == dtype) {
            return x;
        }
        if (!JniUtils.isGradMode()) {
            return x.toType(dtype, false);
        }
        NDArray out = x.getManager().create(x.getShape(), dtype);
        out.set(new ai.djl.ndarray.index.NDIndex("..."), x);
        return out;
    }

    /** Back-propagates a scalar, adding its gradient to every parameter's accumulated gradient. */
    public static void backward(NDArray scalar) {
        try (NDArray seed = scalar.onesLike()) {
            JniUtils.backward((PtNDArray) scalar, (PtNDArray) seed, false, false);
        }
    }

    /**
     * The accumulated gradient of every parameter by HF name (views that share the parameters'
     * gradient storage; zeros for a parameter the loss did not reach).
     */
    public static Map<String, NDArray> gradients(DecoderWeights weights) {
        return gradients(weights.byName());
    }

    /** The accumulated gradient of every array of {@code params}, by the same names. */
    public static Map<String, NDArray> gradients(Map<String, NDArray> params) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            out.put(e.getKey(), e.getValue().getGradient());
        }
        return out;
    }

    /** Sets every accumulated gradient to zero. */
    public static void zeroGradients(DecoderWeights weights) {
        zeroGradients(weights.byName());
    }

    /** Sets the accumulated gradient of every array of {@code params} to zero. */
    public static void zeroGradients(Map<String, NDArray> params) {
        for (NDArray p : params.values()) {
            if (JniUtils.requiresGrad((PtNDArray) p)) {
                JniUtils.zeroGrad((PtNDArray) p);
            }
        }
    }
}
