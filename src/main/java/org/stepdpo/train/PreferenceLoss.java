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
 * trains). With {@code alpha > 0} (TRL's {@code rpo_alpha}, from iterative reasoning preference
 * optimization) each pair's loss also gets {@code alpha * (-pc / |chosen|)}, the chosen response's
 * negative log-likelihood per token, which keeps DPO from lowering both responses' probabilities.
 * Rewards are {@code beta (policy - reference)} and carry no gradient. Names follow TRL.
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
     * @param rpoAlpha       weight of the chosen response's per-token NLL added to the loss (0: off)
     */
    public record Config(Kind kind, double beta, double labelSmoothing, double rpoAlpha) implements Serializable {
        /** The plain preference loss, without the NLL term. */
        public Config(Kind kind, double beta, double labelSmoothing) {
            this(kind, beta, labelSmoothing, 0);
        }

        public Config {
            if (!(rpoAlpha >= 0) || Double.isInfinite(rpoAlpha)) {
                throw new IllegalArgumentException("--rpo-alpha must be a finite number >= 0, found " + rpoAlpha);
            }
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

    /** The per-pair losses and rewards, without the NLL term; all arrays [N] FP32. */
    public static Result compute(NDArray chosenLogps, NDArray rejectedLogps, NDArray refChosenLogps,
            NDArray refRejectedLogps, Config config) {
        return compute(chosenLogps, rejectedLogps, refChosenLogps, refRejectedLogps, null, config);
    }

    /**
     * The per-pair losses and rewards; all arrays [N] FP32.
     *
     * @param chosenTokens [N] token counts of the chosen responses, for the NLL term; may be null
     *                     when {@code config.rpoAlpha()} is 0
     */
    public static Result compute(NDArray chosenLogps, NDArray rejectedLogps, NDArray refChosenLogps,
            NDArray refRejectedLogps, NDArray chosenTokens, Config config) {
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
        if (config.rpoAlpha() > 0) {
            if (chosenTokens == null) {
                throw new IllegalArgumentException(
                        "the NLL term (--rpo-alpha) needs the chosen responses' token counts");
            }
            losses = losses.sub(chosenLogps.div(chosenTokens).mul(config.rpoAlpha()));
        }
        NDArray chosenRewards = chosenLogps.sub(refChosenLogps).mul(beta).stopGradient();
        NDArray rejectedRewards = rejectedLogps.sub(refRejectedLogps).mul(beta).stopGradient();
        return new Result(losses, chosenRewards, rejectedRewards);
    }
}
