package org.stepdpo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The grader against a hand-labelled set (src/test/resources/grading/labelled.jsonl, written for
 * this project independently of the grader): value-preserving rewrites, value-changing edits and
 * reference solutions across every answer category, graded through the jobs/grade path.
 */
class LabelledGradingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void agreesWithTheLabelsAndAlmostNeverAcceptsAWrongAnswer() throws Exception {
        List<JsonNode> cases = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/grading/labelled.jsonl"), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (!line.isBlank()) {
                    cases.add(JSON.readTree(line));
                }
            }
        }
        assertTrue(cases.size() >= 500, "labelled set too small: " + cases.size());

        int agree = 0;
        int falsePositives = 0;
        int negatives = 0;
        Map<String, int[]> byCategory = new TreeMap<>();
        List<String> mismatches = new ArrayList<>();
        for (JsonNode c : cases) {
            GradeLines.Graded graded = GradeLines.grade(c.toString());
            assertTrue(!graded.error(), graded.json());
            boolean predicted = JSON.readTree(graded.json()).get("correct").asBoolean();
            boolean label = c.get("label").asBoolean();
            int[] cat = byCategory.computeIfAbsent(c.get("category").asText(), k -> new int[2]);
            cat[1]++;
            negatives += label ? 0 : 1;
            if (predicted == label) {
                agree++;
                cat[0]++;
            } else {
                falsePositives += predicted ? 1 : 0;
                mismatches.add(c.get("id").asText() + " label=" + label + " gold=" + c.get("gold") + " "
                        + (c.has("pred") ? "pred=" + c.get("pred") : "extracted="
                        + JSON.readTree(graded.json()).get("extracted")));
            }
        }
        StringBuilder report = new StringBuilder(String.format("agreement %d/%d, false positives %d/%d negatives%n",
                agree, cases.size(), falsePositives, negatives));
        byCategory.forEach((k, v) -> report.append(String.format("  %-18s %3d/%3d%n", k, v[0], v[1])));
        mismatches.forEach(m -> report.append("  ").append(m).append('\n'));

        assertTrue(agree >= 0.98 * cases.size(), report.toString());
        assertTrue(falsePositives <= 0.005 * cases.size(), report.toString());
        assertEquals(cases.size(), byCategory.values().stream().mapToInt(v -> v[1]).sum());
    }
}
