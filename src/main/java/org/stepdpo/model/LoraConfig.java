package org.stepdpo.model;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * LoRA adapters as PEFT defines them: each targeted projection {@code y = W x + b} of every layer
 * becomes {@code y = W x + b + (alpha / rank) B A dropout(x)} with A [rank, in] and B [out, rank];
 * W stays frozen, only A and B train.
 *
 * @param rank    adapter rank r (at least 1)
 * @param alpha   scaling numerator: the update is multiplied by {@code alpha / rank}
 * @param dropout dropout probability on the adapter's input while training, in [0, 1)
 * @param targets the projections that get adapters, by their HF names ({@link #PROJECTIONS})
 */
public record LoraConfig(int rank, double alpha, double dropout, List<String> targets) implements Serializable {
    /** The linear projections of a decoder layer that may carry adapters, in layer order. */
    public static final List<String> PROJECTIONS =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");
    /** PEFT's default targets for Llama and Qwen2 models. */
    public static final List<String> DEFAULT_TARGETS = List.of("q_proj", "v_proj");

    public LoraConfig {
        require(rank >= 1, "--lora-rank must be at least 1, got " + rank);
        require(alpha > 0 && !Double.isInfinite(alpha), "--lora-alpha must be a positive number, got " + alpha);
        require(dropout >= 0 && dropout < 1, "--lora-dropout must be in [0, 1), got " + dropout);
        require(targets != null && !targets.isEmpty(), "--lora-targets: at least one projection, from " + PROJECTIONS);
        targets = targets.stream().map(t -> t.strip().toLowerCase(Locale.ROOT)).distinct().toList();
        for (String t : targets) {
            require(PROJECTIONS.contains(t), "--lora-targets: unknown projection '" + t + "'; expected some of "
                    + PROJECTIONS);
        }
        // in layer order, whatever order they were given in
        targets = PROJECTIONS.stream().filter(targets::contains).toList();
    }

    /** The factor of the adapter's update, {@code alpha / rank}. */
    public double scaling() {
        return alpha / rank;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
