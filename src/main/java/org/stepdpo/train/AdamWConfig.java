package org.stepdpo.train;

/**
 * The learning-rate-independent hyper-parameters of {@link AdamW}, named as in {@code torch.optim.AdamW}.
 * The learning rate is given to each step (it follows an {@link LrSchedule}).
 *
 * @param beta1       decay of the first-moment average, in [0, 1)
 * @param beta2       decay of the second-moment average, in [0, 1)
 * @param eps         added to the denominator, finite and &gt;= 0
 * @param weightDecay decoupled weight decay, finite and &gt;= 0; applied only to parameters for which
 *                    {@link AdamW#decays(String)} holds
 */
public record AdamWConfig(double beta1, double beta2, double eps, double weightDecay) {

    /** torch's and HF Trainer's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
    public static final AdamWConfig DEFAULTS = new AdamWConfig(0.9, 0.999, 1e-8, 0.0);

    public AdamWConfig {
        checkBeta("beta1", beta1);
        checkBeta("beta2", beta2);
        if (!(eps >= 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("AdamW eps must be finite and >= 0, got " + eps);
        }
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("AdamW weight decay must be finite and >= 0, got " + weightDecay);
        }
    }

    /** These settings with another weight decay. */
    public AdamWConfig withWeightDecay(double decay) {
        return new AdamWConfig(beta1, beta2, eps, decay);
    }

    private static void checkBeta(String name, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new IllegalArgumentException("AdamW " + name + " must be in [0, 1), got " + beta);
        }
    }
}
