package org.stepdpo.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.stepdpo.math.Grade;
import org.stepdpo.math.Grader;

/**
 * Grades JSON lines one at a time (the {@code jobs/grade} tool): each object holds {@code gold}
 * (a string or a list) and either {@code pred} (a final answer) or {@code completion} (a solution to
 * extract the answer from); the answer is the same object plus {@code correct} and {@code extracted}.
 * A line that cannot be graded comes back with an {@code error} instead, so output lines match input lines.
 */
public final class GradeLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GradeLines() {}

    /** One graded line: the JSON text to print, and whether it reports an error. */
    public record Graded(String json, boolean error) {}

    /** The graded object for one input line. */
    public static Graded grade(String line) {
        return grade(line, false);
    }

    /**
     * The graded object for one input line; {@code symmetric}: {@code gold} and {@code pred} are
     * both texts to take the answers from ({@link Grader#gradeSymmetric}), each a whole solution or
     * only an answer.
     */
    public static Graded grade(String line, boolean symmetric) {
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            return error(line, "invalid-json: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            return error(line, "invalid-json: expected a JSON object");
        }
        ObjectNode row = (ObjectNode) node;
        List<String> golds = golds(row.get("gold"));
        if (golds.isEmpty()) {
            return error(row, "missing-field: 'gold' must be a string or a non-empty list");
        }
        JsonNode pred = row.get("pred");
        JsonNode completion = row.get("completion");
        Grade g;
        if (symmetric) {
            JsonNode text = pred != null && pred.isValueNode() && !pred.isNull() ? pred : completion;
            if (text == null || !text.isValueNode() || text.isNull()) {
                return error(row, "missing-field: 'pred' or 'completion' is required");
            }
            if (golds.size() != 1) {
                return error(row, "invalid-field: with --symmetric 'gold' is one text");
            }
            g = Grader.gradeSymmetric(golds.get(0), text.asText());
        } else if (pred != null && pred.isValueNode() && !pred.isNull()) {
            g = Grader.gradeAnswer(pred.asText(), golds);
        } else if (completion != null && completion.isTextual()) {
            g = Grader.gradeCompletion(completion.asText(), golds);
        } else {
            return error(row, "missing-field: 'pred' or 'completion' is required");
        }
        row.put("correct", g.correct());
        row.put("extracted", g.extractedText());
        return new Graded(row.toString(), false);
    }

    private static List<String> golds(JsonNode gold) {
        List<String> out = new ArrayList<>();
        if (gold == null || gold.isNull()) {
            return out;
        }
        if (gold.isArray()) {
            gold.forEach(g -> {
                if (g.isValueNode() && !g.isNull()) {
                    out.add(g.asText());
                }
            });
        } else if (gold.isValueNode()) {
            out.add(gold.asText());
        }
        return out;
    }

    private static Graded error(String raw, String reason) {
        ObjectNode o = JSON.createObjectNode();
        o.put("error", reason);
        o.put("raw", raw);
        return new Graded(o.toString(), true);
    }

    private static Graded error(ObjectNode row, String reason) {
        row.put("error", reason);
        return new Graded(row.toString(), true);
    }
}
