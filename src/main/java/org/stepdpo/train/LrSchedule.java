package org.stepdpo.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A learning-rate schedule with HF transformers' semantics ({@code get_scheduler} with
 * {@code warmup_ratio}): a linear warm-up from 0 over {@link #warmupSteps()} updates, then cosine decay
 * to 0, linear decay to 0, or a constant rate.
 *
 * @param kind        the shape after warm-up
 * @param baseLr      the peak learning rate, finite and &gt;= 0
 * @param totalSteps  optimizer steps of the whole run, &gt;= 1
 * @param warmupRatio fraction of {@code totalSteps} spent warming up, in [0, 1]
 */
public record LrSchedule(Kind kind, double baseLr, int totalSteps, double warmupRatio) {

    /** The flag that names the schedule on command lines, used in errors. */
    public static final String FLAG = "--lr-scheduler";

    /** Schedule shapes, spelled as HF's {@code lr_scheduler_type}. */
    public enum Kind {
        /** Half a cosine period from the base rate down to 0 ({@code get_cosine_schedule_with_warmup}). */
        COSINE,
        /** A straight line from the base rate down to 0 ({@code get_linear_schedule_with_warmup}). */
        LINEAR,
        /** The base rate after warm-up (HF's {@code constant_with_warmup}; without warm-up, {@code constant}). */
        CONSTANT;

        /**
         * The kind a command line names: {@code cosine}, {@code linear} or {@code constant}
         * ({@code constant_with_warmup} is accepted for {@code constant}); case is ignored.
         */
        public static Kind parse(String name) {
            String n = Objects.requireNonNull(name, FLAG).trim().toLowerCase(Locale.ROOT);
            return switch (n) {
                case "cosine" -> COSINE;
                case "linear" -> LINEAR;
                case "constant", "constant_with_warmup" -> CONSTANT;
                default -> throw new IllegalArgumentException(FLAG + ": unknown schedule \"" + name + "\": expected "
                        + Arrays.stream(values()).map(k -> k.name().toLowerCase(Locale.ROOT))
                                .collect(Collectors.joining(", ")));
            };
        }
    }

    public LrSchedule {
        Objects.requireNonNull(kind, "kind");
        if (!(baseLr >= 0) || Double.isInfinite(baseLr)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + baseLr);
        }
        if (totalSteps < 1) {
            throw new IllegalArgumentException("a schedule needs at least 1 optimizer step, got " + totalSteps);
        }
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warm-up ratio must be in [0, 1], got " + warmupRatio);
        }
    }

    /** A schedule whose kind is parsed from a command line's {@value #FLAG} value. */
    public static LrSchedule of(String kind, double baseLr, int totalSteps, double warmupRatio) {
        return new LrSchedule(Kind.parse(kind), baseLr, totalSteps, warmupRatio);
    }

    /**
     * Warm-up steps as HF's {@code get_warmup_steps}: {@code ceil(totalSteps * warmupRatio)} in double
     * arithmetic, so 100 steps at ratio 0.07 warm up for 8 steps (100 * 0.07 = 7.000000000000001).
     */
    public int warmupSteps() {
        return (int) Math.ceil(totalSteps * warmupRatio);
    }

    /**
     * The learning rate of the update that follows {@code step} applied updates (0 for the first update,
     * as HF's {@code LambdaLR} calls its lambda with 0 first); {@code step} may be 0 to {@code totalSteps}.
     */
    public double at(int step) {
        if (step < 0 || step > totalSteps) {
            throw new IllegalArgumentException("schedule step " + step + " is outside [0, " + totalSteps + "]");
        }
        int warmup = warmupSteps();
        if (step < warmup) {
            return baseLr * ((double) step / Math.max(1, warmup));
        }
        return switch (kind) {
            case COSINE -> {
                double progress = (double) (step - warmup) / Math.max(1, totalSteps - warmup);
                yield baseLr * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * 0.5 * 2.0 * progress)));
            }
            case LINEAR -> baseLr * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmup));
            case CONSTANT -> baseLr;
        };
    }
}
