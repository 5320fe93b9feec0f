package org.stepdpo.train;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import java.io.Serializable;
import java.util.Locale;

/**
 * The preference losses of DPO-style training, as a pure function of four log-prob arrays.
 *
 * <p>With policy log-probs {@code pc, pr} and reference log-probs {@code rc, rr} of the chosen and
 * rejected responses (for Step-DPO: of step k alone, given the problem and steps 1..k-1), and
 * {@code h = (pc - rc) - (pr - rr)}:
 * <pre>
 *   sigmoid (DPO, Step-DPO):  L = -(1 - eps) log sigma(beta h) - eps log sigma(-beta h)
 *   ipo:                      L = (h - 1 / (2 beta))^2
 * </pre>
 * where {@code eps} is the label smoothing of conservative DPO (0 for the plain loss, as the seed
 * trains). Rewards are {@code beta (policy - reference)} and carry no gradient. Names follow TRL.
 */
public final class PreferenceLoss {
    private PreferenceLoss() {}

    /** The loss function's form. */
    public enum Kind {
        SIGMOID, IPO;

        /** Parses {@code sigmoid} or {@code ipo}, naming {@code flag} when it is neither. */
        public static Kind parse(String value, String flag) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException(flag + ": unknown loss type '" + value + "' (expected sigmoid or ipo)");
            }
        }
    }

    /**
     * @param kind           sigmoid or ipo
     * @param beta           the inverse temperature (the seed trains with 0.4-0.5)
     * @param labelSmoothing the probability that a label is flipped, in [0, 0.5); sigmoid only
     */
    public record Config(Kind kind, double beta, double labelSmoothing) implements Serializable {
        public Config {
            if (!(beta > 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("--beta must be a positive number, found " + beta);
            }
            if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
                throw new IllegalArgumentException("--label-smoothing must be in [0, 0.5), found " + labelSmoothing);
            }
            if (kind == Kind.IPO && labelSmoothing != 0) {
                throw new IllegalArgumentException("--label-smoothing applies to the sigmoid loss only, not ipo");
            }
        }
    }

    /**
     * @param losses          [N] per-pair losses (with gradient)
     * @param chosenRewards   [N] {@code beta (pc - rc)}, detached
     * @param rejectedRewards [N] {@code beta (pr - rr)}, detached
     */
    public record Result(NDArray losses, NDArray chosenRewards, NDArray rejectedRewards) {}

    /** The per-pair losses and rewards; all arrays [N] FP32. */
    public static Result compute(NDArray chosenLogps, NDArray rejectedLogps, NDArray refChosenLogps,
            NDArray refRejectedLogps, Config config) {
        double beta = config.beta();
        NDArray h = chosenLogps.sub(refChosenLogps).sub(rejectedLogps.sub(refRejectedLogps));
        NDArray losses;
        if (config.kind() == Kind.IPO) {
            losses = h.sub(1.0 / (2 * beta)).square();
        } else {
            NDArray scaled = h.mul(beta);
            // -log sigma(x) = softplus(-x)
            losses = Activation.softPlus(scaled.neg());
            if (config.labelSmoothing() > 0) {
                losses = losses.mul(1 - config.labelSmoothing())
                        .add(Activation.softPlus(scaled).mul(config.labelSmoothing()));
            }
        }
        NDArray chosenRewards = chosenLogps.sub(refChosenLogps).mul(beta).stopGradient();
        NDArray rejectedRewards = rejectedLogps.sub(refRejectedLogps).mul(beta).stopGradient();
        return new Result(losses, chosenRewards, rejectedRewards);
    }
}
