package org.stepdpo.pairs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.generate.Sampling;

/**
 * Every knob of a BuildPairsJob run, validated on construction and saved into {@code stats.json}.
 *
 * @param data       problem JSONL files or globs (EvalJob's rows: {@code idx, instruction, answer};
 *                   {@code output}, a reference solution, lets the synthetic task's verifier check)
 * @param out        output folder (any Hadoop path)
 * @param model      HF model directory, readable at this path on every executor
 * @param dtype      auto (FP16 on GPUs, FP32 on CPUs), float32 or float16
 * @param judgeModel HF model directory of the step judge ({@code --locate judge} only; may be {@code model})
 * @param pairs      sampling, localization and rectification settings
 * @param sampling   generation settings for every draw (temperature 0.8, top-p 0.95 as the seed)
 * @param limit      use only the first N problems (0: all)
 * @param partitions tasks to work in (0: the cluster's default parallelism)
 * @param overwrite  replace {@code out} when it already holds files
 * @param resume     keep the problems already finished under {@code out} and do the rest
 * @param concurrentProblems problems a task works on side by side, their draws batched together by
 *                   one generation engine
 */
public record PairsConfig(List<String> data, String out, String model, String dtype, String judgeModel,
        PairBuilder.Settings pairs,
        Sampling.Settings sampling, int limit, int partitions, boolean overwrite, boolean resume,
        int concurrentProblems) {
    public static final int DEFAULT_SAMPLES = 4;
    public static final int DEFAULT_RECTIFY_SAMPLES = 8;
    public static final int DEFAULT_ROLLOUTS = 8;
    public static final int DEFAULT_MAX_NEW_TOKENS = 512;
    public static final int DEFAULT_BATCH_SIZE = 16;
    public static final int DEFAULT_CONCURRENT_PROBLEMS = 8;
    public static final double DEFAULT_TEMPERATURE = 0.8;
    public static final double DEFAULT_TOP_P = 0.95;

    public PairsConfig {
        if (data == null || data.isEmpty() || data.stream().anyMatch(d -> d == null || d.isBlank())) {
            throw new IllegalArgumentException("--data: at least one input file is required");
        }
        data = List.copyOf(data);
        if (out == null || out.isBlank()) {
            throw new IllegalArgumentException("--out: an output folder is required");
        }
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("--model: a model directory is required");
        }
        new LanguageModel.Spec(model, dtype); // validates --dtype
        boolean judging = pairs.locate() == Locate.JUDGE;
        if (judging && (judgeModel == null || judgeModel.isBlank())) {
            throw new IllegalArgumentException("--locate judge needs --judge-model DIR (an HF model directory; "
                    + "it may be --model itself)");
        }
        if (!judging && judgeModel != null) {
            throw new IllegalArgumentException("--judge-model is used only with --locate judge, not with --locate "
                    + pairs.locate().flag());
        }
        if (sampling.temperature() <= 0) {
            throw new IllegalArgumentException("--temperature must be above 0: pair building samples several "
                    + "different solutions per problem, got " + sampling.temperature());
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be >= 0 (0: every problem), got " + limit);
        }
        if (partitions < 0) {
            throw new IllegalArgumentException("--partitions must be >= 0 (0: default parallelism), got " + partitions);
        }
        if (concurrentProblems < 1) {
            throw new IllegalArgumentException("--concurrent-problems must be at least 1, got " + concurrentProblems);
        }
        if (resume && overwrite) {
            throw new IllegalArgumentException("--resume and --overwrite exclude each other");
        }
    }

    /** The model as executors load it. */
    public LanguageModel.Spec modelSpec() {
        return new LanguageModel.Spec(model, dtype);
    }

    /** The judge model as executors load it, or null without {@code --locate judge}. */
    public LanguageModel.Spec judgeSpec() {
        return judgeModel == null ? null : new LanguageModel.Spec(judgeModel, dtype);
    }

    /** The configuration as a JSON-ready map. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("data", data);
        m.put("out", out);
        m.put("model", model);
        m.put("dtype", dtype);
        m.put("prompt", pairs.format().family());
        m.put("samples_per_problem", pairs.samplesPerProblem());
        m.put("rectify_samples", pairs.rectifySamples());
        m.put("locate", pairs.locate().flag());
        m.put("judge_model", judgeModel);
        m.put("search", pairs.search().flag());
        m.put("rollouts", pairs.rollouts());
        m.put("check_equations", pairs.checkEquations());
        m.put("seed", pairs.seed());
        m.put("temperature", sampling.temperature());
        m.put("top_p", sampling.topP());
        m.put("top_k", sampling.topK());
        m.put("max_new_tokens", sampling.maxNewTokens());
        m.put("batch_size", sampling.batchSize());
        m.put("kv_cache_tokens", sampling.kvCacheTokens());
        m.put("concurrent_problems", concurrentProblems);
        m.put("limit", limit);
        m.put("partitions", partitions);
        m.put("resume", resume);
        return m;
    }
}
