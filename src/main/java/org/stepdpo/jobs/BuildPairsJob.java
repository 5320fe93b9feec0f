package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.stepdpo.generate.Sampling;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.pairs.BuildPairsStage;
import org.stepdpo.pairs.Locate;
import org.stepdpo.pairs.PairBuilder;
import org.stepdpo.pairs.PairsConfig;
import org.stepdpo.pairs.StepFormat;
import org.stepdpo.spark.LocalPaths;
import org.stepdpo.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spark-submit --class BuildPairsJob}: samples solutions, locates first wrong steps, rectifies them into pairs. */
@Command(name = "BuildPairsJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Builds Step-DPO pairs: samples solutions per problem, finds the first wrong step of each "
                + "wrong one (--locate), resamples from the correct prefix, and writes pairs.jsonl, "
                + "pairs.parquet/, stats.json and rejected/ under --out (the Math-Step-DPO-10K schema, "
                + "ready for TrainStepDpoJob)."})
public final class BuildPairsJob implements Callable<Integer> {
    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE",
            description = "Problems as JSONL (idx, instruction, answer list; optional output = a reference solution). "
                    + "Repeat or separate with commas; globs and hdfs:/s3a: paths work.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    String out;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory that samples (readable at this path on every executor).")
    String model;

    @Option(names = "--prompt", paramLabel = "NAME",
            description = "Prompt family: chat (the model's own), qwen2-boxed, deepseek-math or alpaca; solutions are "
                    + "sampled with its -step template and continued with its -prefix template "
                    + "(default: chat when the model has a chat_template, else qwen2-boxed).")
    String prompt;

    @Option(names = "--samples-per-problem", paramLabel = "N", description = "Solutions sampled per problem (default 4).")
    int samplesPerProblem = PairsConfig.DEFAULT_SAMPLES;

    @Option(names = "--locate", paramLabel = "rollout|judge|verifier",
            description = "First-wrong-step localization: rollout (default; sampled continuations from each prefix), "
                    + "judge (a judge model's per-step verdicts, --judge-model) or verifier (the synthetic task's "
                    + "exact step verifier).")
    String locate = "rollout";

    @Option(names = "--judge-model", paramLabel = "DIR",
            description = "HF model directory of the step judge for --locate judge (may be --model itself); it is "
                    + "given the problem, the reference solution ('output') when the data has one, and the solution.")
    String judgeModel;

    @Option(names = "--search", paramLabel = "binary|linear",
            description = "Rollout localization's search over prefixes (default binary).")
    String search = "binary";

    @Option(names = "--rollouts", paramLabel = "N", description = "Continuations per probed prefix (default 8).")
    int rollouts = PairsConfig.DEFAULT_ROLLOUTS;

    @Option(names = "--check-equations", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Count a step whose written equation of numbers (a op b = c) is false as wrong: rollouts "
                    + "search only the steps before it, and rectified steps with one are not chosen (default on; "
                    + "--no-check-equations turns it off).")
    boolean checkEquations = true;

    @Option(names = "--rectify-samples", paramLabel = "N",
            description = "Continuations sampled from each correct prefix (default 8).")
    int rectifySamples = PairsConfig.DEFAULT_RECTIFY_SAMPLES;

    @Option(names = "--temperature", paramLabel = "T", description = "Sampling temperature (default 0.8, as the seed).")
    double temperature = PairsConfig.DEFAULT_TEMPERATURE;

    @Option(names = "--top-p", paramLabel = "P", description = "Nucleus mass (default 0.95, as the seed).")
    double topP = PairsConfig.DEFAULT_TOP_P;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K likeliest (default 0: off).")
    int topK = 0;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Tokens per sample at most (default 512).")
    int maxNewTokens = PairsConfig.DEFAULT_MAX_NEW_TOKENS;

    @Option(names = "--batch-size", paramLabel = "N", description = "Sequences generated together (default 16).")
    int batchSize = PairsConfig.DEFAULT_BATCH_SIZE;

    @Option(names = "--concurrent-problems", paramLabel = "N",
            description = "Problems a task works on side by side, their draws sharing one generation engine"
                    + " (default 8; 1: one problem at a time).")
    int concurrentProblems = PairsConfig.DEFAULT_CONCURRENT_PROBLEMS;

    @Option(names = "--kv-cache-tokens", paramLabel = "N",
            description = "KV cache budget of the generation engine, in tokens: a sample waits for a free row until"
                    + " rows in use x (prompt + max new tokens) fits (default 0: batch size x the model's context).")
    long kvCacheTokens = 0;

    @Option(names = "--seed", paramLabel = "S", description = "Run seed (default 42); each problem samples from "
            + "streams seeded by it and the problem's id.")
    long seed = 42;

    @Option(names = "--dtype", paramLabel = "auto|float32|float16",
            description = "Model dtype (default auto: float16 on GPUs, float32 on CPUs).")
    String dtype = "auto";

    @Option(names = "--limit", paramLabel = "N", description = "Use only the first N problems (default 0: all).")
    int limit = 0;

    @Option(names = "--partitions", paramLabel = "N",
            description = "Tasks to work in (default 0: the cluster's default parallelism).")
    int partitions = 0;

    @Option(names = "--overwrite", description = "Replace --out when it already holds files.")
    boolean overwrite;

    @Option(names = "--resume", description = "Keep the problems finished in --out and do the rest.")
    boolean resume;

    /** The validated configuration of the parsed flags. */
    PairsConfig config() {
        String family = prompt != null ? prompt : PromptTemplates.defaultFor(LocalPaths.of(model), "qwen2-boxed");
        PairBuilder.Settings pairs = new PairBuilder.Settings(StepFormat.of(family), samplesPerProblem,
                rectifySamples, rollouts, Locate.parse(locate), Locate.Search.parse(search), checkEquations, seed);
        Sampling.Settings sampling = new Sampling.Settings(batchSize, maxNewTokens, temperature, topP, topK, kvCacheTokens);
        return new PairsConfig(data, out, model, dtype, judgeModel, pairs, sampling, limit, partitions, overwrite,
                resume, concurrentProblems);
    }

    @Override
    public Integer call() throws Exception {
        PairsConfig config = config();
        BuildPairsStage.checkModels(config);
        SparkSession spark = SparkSessions.getOrCreate("BuildPairsJob");
        try {
            Map<String, Object> stats = BuildPairsStage.run(spark, config);
            stats.remove("config");
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(stats));
            System.out.println("pairs: " + config.out() + "/" + BuildPairsStage.PAIRS_JSONL);
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new BuildPairsJob(), args));
    }
}
