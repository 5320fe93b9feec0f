package org.stepdpo.eval;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stepdpo.generate.GenerateCompletions;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.generate.Sampling;
import org.stepdpo.model.text.PromptTemplates;

/**
 * Every knob of an evaluation run, validated on construction and saved with the run's outputs.
 *
 * @param data            input JSONL files or globs (rows: {@code idx, instruction, answer} list;
 *                        optional {@code dataset, type, level})
 * @param out             output folder (any Hadoop path)
 * @param completionField score the completions already in this field (scoring mode), or null
 * @param generation      generate completions with a model first (generation mode), or null
 * @param partitions      how many tasks to work in; 0 means the cluster's default parallelism
 * @param overwrite       replace {@code out} when it already holds files
 * @param resume          generation mode: keep the completions already saved under {@code out} and
 *                        generate only the missing ones
 */
public record EvalConfig(List<String> data, String out, String completionField, Generation generation,
        int partitions, boolean overwrite, boolean resume) {

    /**
     * How to generate completions.
     *
     * @param model        HF model directory, readable at this path on every executor
     * @param prompt       generation template name
     * @param maxNewTokens generation length limit (2048, as the seed evaluates)
     * @param batchSize    prompts generated together in a task
     * @param temperature  0 is greedy
     * @param topP         nucleus mass (1: off)
     * @param topK         candidates (0: off)
     * @param seed         sampling seed (each problem gets its own stream)
     * @param dtype        auto (FP16 on GPUs, FP32 on CPUs), float32 or float16
     * @param kvCacheTokens the KV cache budget in tokens of a task's generation engine (0: batch size x
     *                     the model's context)
     * @param adapter      a PEFT LoRA adapter folder applied to the model (readable on every executor), or null
     */
    public record Generation(String model, String prompt, int maxNewTokens, int batchSize, double temperature,
            double topP, int topK, long seed, String dtype, long kvCacheTokens, String adapter) {
        /** Generation with the default KV cache budget. */
        public Generation(String model, String prompt, int maxNewTokens, int batchSize, double temperature,
                double topP, int topK, long seed, String dtype) {
            this(model, prompt, maxNewTokens, batchSize, temperature, topP, topK, seed, dtype, 0, null);
        }

        public static final int DEFAULT_MAX_NEW_TOKENS = 2048;
        public static final int DEFAULT_BATCH_SIZE = 8;

        public Generation {
            if (model == null || model.isBlank()) {
                throw new IllegalArgumentException("--model: a model directory is required");
            }
            if (prompt == null || prompt.isBlank()) {
                throw new IllegalArgumentException("--prompt: a template name is required with --model (the model "
                        + "directory has no chat_template in tokenizer_config.json to default to); one of "
                        + String.join(", ", PromptTemplates.GENERATION_NAMES));
            }
            if (!PromptTemplates.GENERATION_NAMES.contains(prompt)) {
                throw new IllegalArgumentException("--prompt: unknown generation template '" + prompt
                        + "'; expected one of " + String.join(", ", PromptTemplates.GENERATION_NAMES));
            }
            if (prompt.endsWith("-prefix")) {
                throw new IllegalArgumentException("--prompt: '" + prompt + "' continues given steps and is for "
                        + "step sampling, not evaluation; use the template without -prefix");
            }
            new Sampling.Settings(batchSize, maxNewTokens, temperature, topP, topK, kvCacheTokens); // validates them
            new LanguageModel.Spec(model, dtype, adapter); // validates --dtype
        }

        /** The model as executors load it. */
        public LanguageModel.Spec spec() {
            return new LanguageModel.Spec(model, dtype, adapter);
        }

        /** Greedy generation with the seed's defaults. */
        public static Generation greedy(String model, String prompt) {
            return new Generation(model, prompt, DEFAULT_MAX_NEW_TOKENS, DEFAULT_BATCH_SIZE, 0, 1, 0, 0, "auto");
        }

        GenerateCompletions.Settings settings() {
            return new GenerateCompletions.Settings(prompt, batchSize, maxNewTokens, temperature, topP, topK, seed,
                    kvCacheTokens);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("model", model);
            m.put("prompt", prompt);
            m.put("max_new_tokens", maxNewTokens);
            m.put("batch_size", batchSize);
            m.put("temperature", temperature);
            m.put("top_p", topP);
            m.put("top_k", topK);
            m.put("seed", seed);
            m.put("dtype", dtype);
            m.put("kv_cache_tokens", kvCacheTokens);
            if (adapter != null) {
                m.put("adapter", spec().adapter());
            }
            return m;
        }
    }

    public EvalConfig {
        if (data == null || data.isEmpty() || data.stream().anyMatch(d -> d == null || d.isBlank())) {
            throw new IllegalArgumentException("--data: at least one input file is required");
        }
        data = List.copyOf(data);
        if (out == null || out.isBlank()) {
            throw new IllegalArgumentException("--out: an output folder is required");
        }
        boolean scoring = completionField != null;
        if (scoring == (generation != null)) {
            throw new IllegalArgumentException(scoring
                    ? "--model and --completion-field exclude each other: generate with --model, or score existing completions with --completion-field"
                    : "either --model DIR (generate, then score) or --completion-field FIELD (score completions in the data) is required");
        }
        if (scoring && completionField.isBlank()) {
            throw new IllegalArgumentException("--completion-field: a field name is required");
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions must be >= 0 (0: default parallelism), got " + partitions);
        }
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume and --overwrite exclude each other");
        }
        if (resume && scoring) {
            throw new IllegalArgumentException("--resume applies to generation (--model) runs only");
        }
    }

    /** A scoring-mode configuration with defaults for everything else. */
    public static EvalConfig scoring(List<String> data, String out, String completionField) {
        return new EvalConfig(data, out, completionField, null, 0, false, false);
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
        m.put("generation", generation == null ? null : generation.toMap());
        m.put("partitions", partitions);
        m.put("resume", resume);
        return m;
    }
}
