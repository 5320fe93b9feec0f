package org.stepdpo.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;

/**
 * One preference pair as read, in the Math-Step-DPO-10K schema, located by its source. Fields the
 * input lacks are null; {@link PairParser} guarantees the ones the objective needs.
 *
 * @param file                 the input file
 * @param line                 1-based line (JSONL) or row (Parquet) number within that file
 * @param dataset              where the problem comes from
 * @param prompt               the bare problem
 * @param initialReasonSteps   the correct steps before step k (may be empty)
 * @param chosen               the correct step k
 * @param rejected             the wrong step k
 * @param fullChosen           the whole correct continuation
 * @param fullRejected         the whole wrong continuation
 * @param answer               the gold answer
 */
public record PairRow(String file, long line, String dataset, String prompt, String initialReasonSteps,
        String chosen, String rejected, String fullChosen, String fullRejected, String answer)
        implements Serializable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The pair's id: {@code file:line}. */
    public String id() {
        return file + ":" + line;
    }

    /** The eight data fields as one JSON object (null fields left out), for rejection records. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        putIfPresent(o, "dataset", dataset);
        putIfPresent(o, "prompt", prompt);
        putIfPresent(o, "initial_reason_steps", initialReasonSteps);
        putIfPresent(o, "chosen", chosen);
        putIfPresent(o, "rejected", rejected);
        putIfPresent(o, "full_chosen", fullChosen);
        putIfPresent(o, "full_rejected", fullRejected);
        putIfPresent(o, "answer", answer);
        return o.toString();
    }

    /** Puts {@code key} when {@code value} is not null. */
    public static void putIfPresent(ObjectNode o, String key, String value) {
        if (value != null) {
            o.put(key, value);
        }
    }
}
