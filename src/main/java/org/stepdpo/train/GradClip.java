package org.stepdpo.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.pytorch.jni.JniUtils;
import java.util.Collection;

/**
 * Clipping by the global L2 norm of all gradients, as {@code torch.nn.utils.clip_grad_norm_}. Each
 * tensor's norm is computed in FP32 on its device (torch's per-tensor {@code vector_norm}); the norms are
 * combined in double on the Java side. Runs with autograd off.
 */
public final class GradClip {

    /** Added to the norm before dividing, as torch does. */
    public static final double EPSILON = 1e-6;

    private GradClip() {}

    /** The L2 norm over every element of every tensor in {@code grads} (0 for none). */
    public static double globalNorm(Collection<NDArray> grads) {
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            double sumOfSquares = 0;
            for (NDArray g : grads) {
                try (NDScope scope = new NDScope()) { // closes the norm array
                    scope.suppressNotUsedWarning();
                    double norm = g.norm().getFloat();
                    sumOfSquares += norm * norm;
                }
            }
            return Math.sqrt(sumOfSquares);
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /**
     * Scales every gradient in place by {@code maxNorm / (norm + 1e-6)} when that is below 1, where
     * {@code norm} is the {@link #globalNorm}; {@code maxNorm <= 0} leaves them as they are. A non-finite
     * norm is returned as is and the gradients are not scaled: the caller should skip that update.
     *
     * @return the global norm before clipping
     */
    public static double clip(Collection<NDArray> grads, double maxNorm) {
        if (Double.isNaN(maxNorm)) {
            throw new IllegalArgumentException("max gradient norm must be a number (<= 0 disables clipping), got NaN");
        }
        double total = globalNorm(grads);
        double coef = maxNorm / (total + EPSILON);
        if (maxNorm > 0 && Double.isFinite(total) && coef < 1) {
            boolean grad = JniUtils.isGradMode();
            JniUtils.setGradMode(false);
            try {
                float c = (float) coef;
                for (NDArray g : grads) {
                    g.muli(c);
                }
            } finally {
                JniUtils.setGradMode(grad);
            }
        }
        return total;
    }
}
