package org.stepdpo.train;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.stepdpo.generate.PairRow;

/**
 * What a preference pair trains on ({@code --loss}).
 *
 * <ul>
 *   <li>{@link #STEP_DPO}: the prompt is template + {@code initial_reason_steps}; the responses are
 *       the single steps {@code chosen} / {@code rejected}, with no EOS after them.</li>
 *   <li>{@link #DPO}: the same prompt; the responses are the whole continuations
 *       {@code full_chosen} / {@code full_rejected}, ended by the tokenizer's EOS.</li>
 * </ul>
 */
public enum Objective {
    /** Step-DPO: score only step k. */
    STEP_DPO("step-dpo", "chosen", "rejected", false),
    /** Plain DPO on whole solutions. */
    DPO("dpo", "full_chosen", "full_rejected", true);

    private final String flag;
    private final String chosenField;
    private final String rejectedField;
    private final boolean appendsEos;

    Objective(String flag, String chosenField, String rejectedField, boolean appendsEos) {
        this.flag = flag;
        this.chosenField = chosenField;
        this.rejectedField = rejectedField;
        this.appendsEos = appendsEos;
    }

    /**
     * The objective named {@code value} ({@code step-dpo} or {@code dpo}).
     *
     * @throws IllegalArgumentException naming {@code --loss} and the accepted values
     */
    public static Objective parse(String value) {
        for (Objective o : values()) {
            if (o.flag.equals(value)) {
                return o;
            }
        }
        String valid = Arrays.stream(values()).map(Objective::flag).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("--loss must be one of " + valid + ", got '" + value + "'");
    }

    /** The name used by {@code --loss}. */
    public String flag() {
        return flag;
    }

    /** The pair field holding the chosen response. */
    public String chosenField() {
        return chosenField;
    }

    /** The pair field holding the rejected response. */
    public String rejectedField() {
        return rejectedField;
    }

    /** The chosen response this objective trains on: step k, or the whole continuation. */
    public String chosen(PairRow row) {
        return this == STEP_DPO ? row.chosen() : row.fullChosen();
    }

    /** The rejected response this objective trains on: step k, or the whole continuation. */
    public String rejected(PairRow row) {
        return this == STEP_DPO ? row.rejected() : row.fullRejected();
    }

    /** Whether the tokenizer's EOS ends each response. */
    public boolean appendsEos() {
        return appendsEos;
    }

    @Override
    public String toString() {
        return flag;
    }
}
