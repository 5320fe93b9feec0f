package org.stepdpo.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every knob of an evaluation run, validated on construction and saved with the run's outputs.
 *
 * @param data            input JSONL files or globs (rows: {@code idx, instruction, answer} list;
 *                        optional {@code dataset, type, level})
 * @param out             output folder (any Hadoop path)
 * @param completionField score the completions already in this field (scoring mode), or null
 * @param model           HF model directory to generate with (generation mode), or null
 * @param prompt          prompt template name for generation
 * @param maxNewTokens    generation length limit
 * @param batchSize       generation batch size per task
 * @param temperature     sampling temperature; 0 is greedy
 * @param partitions      how many tasks to grade in; 0 means the cluster's default parallelism
 * @param overwrite       replace {@code out} when it already holds files
 */
public record EvalConfig(List<String> data, String out, String completionField, String model,
        String prompt, int maxNewTokens, int batchSize, double temperature, int partitions,
        boolean overwrite) {

    /** Default generation settings, as the seed evaluates (greedy, 2048 new tokens). */
    public static final int DEFAULT_MAX_NEW_TOKENS = 2048;
    public static final int DEFAULT_BATCH_SIZE = 8;

    public EvalConfig {
        if (data == null || data.isEmpty() || data.stream().anyMatch(d -> d == null || d.isBlank())) {
            throw new IllegalArgumentException("--data: at least one input file is required");
        }
        data = List.copyOf(data);
        if (out == null || out.isBlank()) {
            throw new IllegalArgumentException("--out: an output folder is required");
        }
        boolean scoring = completionField != null;
        boolean generating = model != null;
        if (scoring == generating) {
            throw new IllegalArgumentException(scoring
                    ? "--model and --completion-field exclude each other: generate with --model, or score existing completions with --completion-field"
                    : "either --model DIR (generate, then score) or --completion-field FIELD (score completions in the data) is required");
        }
        if (scoring && completionField.isBlank()) {
            throw new IllegalArgumentException("--completion-field: a field name is required");
        }
        if (maxNewTokens < 1) {
            throw new IllegalArgumentException("--max-new-tokens must be at least 1, got " + maxNewTokens);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("--temperature must be a finite number >= 0, got " + temperature);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions must be >= 0 (0: default parallelism), got " + partitions);
        }
    }

    /** A scoring-mode configuration with defaults for everything else. */
    public static EvalConfig scoring(List<String> data, String out, String completionField) {
        return new EvalConfig(data, out, completionField, null, null, DEFAULT_MAX_NEW_TOKENS,
                DEFAULT_BATCH_SIZE, 0.0, 0, false);
    }

    /** Whether this run scores completions already in the data. */
    public boolean scoringMode() {
        return completionField != null;
    }

    /** The configuration as a JSON-ready map, saved into {@code summary.json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data);
        m.put("out", out);
        m.put("mode", scoringMode() ? "score" : "generate");
        m.put("completion_field", completionField);
        m.put("model", model);
        m.put("prompt", prompt);
        m.put("max_new_tokens", maxNewTokens);
        m.put("batch_size", batchSize);
        m.put("temperature", temperature);
        m.put("partitions", partitions);
        return m;
    }
}
