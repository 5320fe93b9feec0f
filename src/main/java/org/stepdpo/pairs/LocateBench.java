package org.stepdpo.pairs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.stepdpo.generate.Problem;
import org.stepdpo.spark.Rejection;
import org.stepdpo.synthetic.StepVerifier;

/**
 * Scores a first-wrong-step localizer on solutions labelled in ProcessBench's format: each row has
 * the {@code problem}, the solution's {@code steps} (a list of texts) and {@code label}, the 0-based
 * index of the first wrong step or -1 when every step is right. The metrics are ProcessBench's: the
 * share of erroneous solutions whose first wrong step is found exactly, the share of correct
 * solutions called correct, and their harmonic mean (F1), per subset.
 */
public final class LocateBench {
    private LocateBench() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int RAW_LIMIT = 2000;

    /**
     * One labelled solution.
     *
     * @param subset    the row's {@code subset}, else its {@code id} up to the last '-' ({@code gsm8k-7}:
     *                  {@code gsm8k}), else the file's name
     * @param label     0-based index of the first wrong step, -1 for none
     * @param dataset   optional; {@code synthetic} rows with a gold {@code reference} have an exact verifier
     * @param reference optional reference solution (given to a judge, and the verifier's gold)
     */
    public record Row(String file, long line, String id, String subset, String problem, List<String> steps, int label,
                      String dataset, String reference) implements Serializable {}

    /** A row, or why its element or line was set aside. */
    public record Parsed(Row row, Rejection rejection) implements Serializable {
        public boolean ok() {
            return row != null;
        }
    }

    /**
     * What the localizer said of a row.
     *
     * @param predicted 0-based first wrong step, -1 for a solution called correct
     * @param judged    false when the localizer could not judge the row (too long for the judge);
     *                  such a row counts as a miss
     * @param evidence  the judge's verdicts or the verifier's reason
     */
    public record Prediction(String file, long line, String id, String subset, int label, int predicted, boolean judged,
                             String evidence) implements Serializable {
        public boolean hit() {
            return judged && predicted == label;
        }
    }

    /**
     * The rows of one file: a JSON array (as ProcessBench ships) or JSON lines; {@code line} is the
     * element's 1-based position in the array, or the line number.
     */
    public static List<Parsed> parse(String file, String content) {
        String text = content.startsWith("\uFEFF") ? content.substring(1) : content;
        List<Parsed> out = new ArrayList<>();
        if (text.strip().startsWith("[")) {
            JsonNode array;
            try {
                array = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                out.add(rejected(file, 1, "invalid-json: " + e.getOriginalMessage(), text));
                return out;
            }
            for (int i = 0; i < array.size(); i++) {
                out.add(row(file, i + 1, array.get(i), array.get(i).toString()));
            }
            return out;
        }
        String[] lines = text.split("\n", -1);
        int last = lines.length;
        while (last > 0 && lines[last - 1].isBlank()) {
            last--; // trailing newlines end the file, they are not empty rows
        }
        for (int i = 0; i < last; i++) {
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.isBlank()) {
                out.add(rejected(file, i + 1, "empty-line", line));
                continue;
            }
            try {
                out.add(row(file, i + 1, JSON.readTree(line), line));
            } catch (JsonProcessingException e) {
                out.add(rejected(file, i + 1, "invalid-json: " + e.getOriginalMessage(), line));
            }
        }
        return out;
    }

    private static Parsed row(String file, long line, JsonNode node, String raw) {
        if (node == null || !node.isObject()) {
            return rejected(file, line, "not-an-object", raw);
        }
        JsonNode problem = node.get("problem");
        if (problem == null || !problem.isTextual() || problem.asText().isBlank()) {
            return rejected(file, line, "missing-field: problem", raw);
        }
        JsonNode stepsNode = node.get("steps");
        if (stepsNode == null || !stepsNode.isArray() || stepsNode.isEmpty()) {
            return rejected(file, line, "missing-field: steps (a non-empty list of texts)", raw);
        }
        List<String> steps = new ArrayList<>();
        for (JsonNode s : stepsNode) {
            if (!s.isTextual()) {
                return rejected(file, line, "invalid-steps: a step is not text", raw);
            }
            steps.add(s.asText());
        }
        JsonNode label = node.get("label");
        if (label == null || !label.isIntegralNumber()) {
            return rejected(file, line, "missing-field: label (an integer)", raw);
        }
        int l = label.asInt();
        if (l < -1 || l >= steps.size()) {
            return rejected(file, line, "invalid-label: " + l + " for " + steps.size() + " steps", raw);
        }
        String id = node.hasNonNull("id") ? node.get("id").asText() : file + ":" + line;
        return new Parsed(new Row(file, line, id, subset(node, id, file), problem.asText(), List.copyOf(steps), l,
                text(node, "dataset"), text(node, "reference")), null);
    }

    private static String subset(JsonNode node, String id, String file) {
        if (node.hasNonNull("subset")) {
            return node.get("subset").asText();
        }
        int dash = id.lastIndexOf('-');
        if (node.hasNonNull("id") && dash > 0) {
            return id.substring(0, dash);
        }
        String name = file.substring(file.lastIndexOf('/') + 1);
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static Parsed rejected(String file, long line, String reason, String raw) {
        return new Parsed(null, new Rejection(file, line, reason,
                raw.length() > RAW_LIMIT ? raw.substring(0, RAW_LIMIT) + "…" : raw));
    }

    /**
     * The steps as one solution in the step format: each step on its own line, labelled
     * {@code Step k:} unless it already starts with that label.
     */
    public static StepFormat.Steps solution(List<String> steps) {
        StringBuilder text = new StringBuilder();
        int[] starts = new int[steps.size()];
        int[] ends = new int[steps.size()];
        for (int i = 0; i < steps.size(); i++) {
            if (i > 0) {
                text.append('\n');
            }
            String label = "Step " + (i + 1) + ":";
            String step = steps.get(i).strip();
            starts[i] = text.length();
            if (step.startsWith(label)) {
                step = step.substring(label.length()).stripLeading();
            }
            text.append(label);
            ends[i] = text.length();
            text.append(' ').append(step);
        }
        return new StepFormat.Steps(text.toString(), starts, ends);
    }

    /** Whether the exact step verifier can judge {@code row} (a synthetic row with its gold solution). */
    public static boolean verifiable(Row row) {
        return TaskVerifier.applies(problem(row));
    }

    /** The judge's prediction for {@code row}, or the exact verifier's when {@code judge} is null. */
    public static Prediction predict(Row row, StepJudge judge) {
        StepFormat.Steps steps = solution(row.steps());
        if (judge != null) {
            StepJudge.Judgement j = judge.judge(row.problem(), row.reference(), steps);
            if (j.firstWrong() < 0) {
                return prediction(row, -1, false, "too long for the judge's context");
            }
            return prediction(row, j.firstWrong() == 0 ? -1 : j.firstWrong() - 1, true, j.describe());
        }
        StepVerifier.Verdict v = TaskVerifier.verify(problem(row), steps.text());
        if (v == null) {
            return prediction(row, -1, false, "no verifier for this row");
        }
        // a wrong final answer after right steps belongs to the last step, which holds it
        int predicted = v.correct() ? -1 : Math.min(v.firstWrong(), steps.count()) - 1;
        return prediction(row, predicted, true, v.kind() + (v.reason() == null ? "" : ": " + v.reason()));
    }

    private static Prediction prediction(Row row, int predicted, boolean judged, String evidence) {
        return new Prediction(row.file(), row.line(), row.id(), row.subset(), row.label(), predicted, judged, evidence);
    }

    private static Problem problem(Row row) {
        return new Problem(row.file(), row.line(), row.id(), row.dataset(), null, null, row.problem(), List.of(),
                row.reference(), null);
    }

    /**
     * ProcessBench's metrics per subset and over all rows, plus {@code average_f1}, the mean of the
     * subsets' F1 (ProcessBench's headline figure).
     */
    public static Map<String, Object> metrics(List<Prediction> predictions) {
        Map<String, List<Prediction>> bySubset = new TreeMap<>();
        for (Prediction p : predictions) {
            bySubset.computeIfAbsent(p.subset(), s -> new ArrayList<>()).add(p);
        }
        Map<String, Object> subsets = new LinkedHashMap<>();
        double f1Sum = 0;
        for (Map.Entry<String, List<Prediction>> e : bySubset.entrySet()) {
            Map<String, Object> bucket = bucket(e.getValue());
            subsets.put(e.getKey(), bucket);
            f1Sum += (double) bucket.get("f1");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subsets", subsets);
        m.put("overall", bucket(predictions));
        m.put("average_f1", bySubset.isEmpty() ? 0.0 : round(f1Sum / bySubset.size()));
        return m;
    }

    private static Map<String, Object> bucket(List<Prediction> ps) {
        long erroneous = 0;
        long erroneousHit = 0;
        long correct = 0;
        long correctHit = 0;
        long unjudged = 0;
        for (Prediction p : ps) {
            if (!p.judged()) {
                unjudged++;
            }
            if (p.label() >= 0) {
                erroneous++;
                erroneousHit += p.hit() ? 1 : 0;
            } else {
                correct++;
                correctHit += p.hit() ? 1 : 0;
            }
        }
        double errorAccuracy = erroneous == 0 ? 0 : (double) erroneousHit / erroneous;
        double correctAccuracy = correct == 0 ? 0 : (double) correctHit / correct;
        double f1 = errorAccuracy + correctAccuracy == 0 ? 0
                : 2 * errorAccuracy * correctAccuracy / (errorAccuracy + correctAccuracy);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("n", (long) ps.size());
        b.put("erroneous", erroneous);
        b.put("correct", correct);
        b.put("error_accuracy", round(errorAccuracy));
        b.put("correct_accuracy", round(correctAccuracy));
        b.put("f1", round(f1));
        b.put("unjudged", unjudged);
        return b;
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
