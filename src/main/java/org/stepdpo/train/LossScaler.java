package org.stepdpo.train;

/**
 * Dynamic loss scaling for float16 training, as DeepSpeed's and PyTorch's {@code GradScaler} do it:
 * the loss is multiplied by {@link #scale()} before the backward pass so that small gradients do
 * not flush to zero in float16, and the gradients are divided by it before the update. A step whose
 * gradients overflow (not finite after the division, while the loss itself is finite) is skipped
 * and halves the scale; {@code window} consecutive steps without overflow double it. The scale
 * never falls below {@link #MIN_SCALE}: a step that overflows there is a non-finite step like any
 * other.
 */
public final class LossScaler {
    /** The smallest scale. */
    public static final double MIN_SCALE = 1;

    private final int window;
    private double scale;
    private int goodSteps;

    /** A scaler starting at {@code scale} ({@code >= 1}) that doubles after {@code window} good steps. */
    public LossScaler(double scale, int window) {
        if (!(scale >= MIN_SCALE) || Double.isInfinite(scale) || window < 1) {
            throw new IllegalArgumentException("loss scale must be finite and >= 1 and its window >= 1, got " + scale
                    + " and " + window);
        }
        this.scale = scale;
        this.window = window;
    }

    /** A scaler resumed at {@code scale} after {@code goodSteps} steps without overflow. */
    public static LossScaler resumed(double scale, int goodSteps, int window) {
        LossScaler s = new LossScaler(scale, window);
        s.goodSteps = Math.max(0, goodSteps);
        return s;
    }

    /** The current scale. */
    public double scale() {
        return scale;
    }

    /** Steps without overflow since the scale last changed. */
    public int goodSteps() {
        return goodSteps;
    }

    /** Whether an overflow now can still lower the scale (it is above {@link #MIN_SCALE}). */
    public boolean canLower() {
        return scale > MIN_SCALE;
    }

    /** Records one step: an overflow halves the scale, {@code window} good steps in a row double it. */
    public void update(boolean overflow) {
        if (overflow) {
            scale = Math.max(MIN_SCALE, scale / 2);
            goodSteps = 0;
        } else if (++goodSteps >= window) {
            scale *= 2;
            goodSteps = 0;
        }
    }
}
