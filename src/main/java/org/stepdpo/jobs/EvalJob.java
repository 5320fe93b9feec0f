package org.stepdpo.jobs;

import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.stepdpo.eval.EvalConfig;
import org.stepdpo.eval.EvalStage;
import org.stepdpo.eval.EvalSummary;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.spark.LocalPaths;
import org.stepdpo.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark-submit --class EvalJob}: scores MATH / GSM8K-style test sets with partitioned grading. */
@Command(name = "EvalJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Scores a math test set: generates completions with a model (--model), or grades "
                + "completions already in the data (--completion-field), and writes summary.json, "
                + "per-sample Parquet and JSONL, and rejected/ rows under --out."})
public final class EvalJob implements Callable<Integer> {
    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE",
            description = "Input JSONL (idx, instruction, answer list; optional dataset, type, level). "
                    + "Repeat or separate with commas; globs and hdfs:/s3a: paths work.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    String out;

    @Option(names = "--completion-field", paramLabel = "FIELD",
            description = "Score the completions in this field (e.g. output for the reference solutions).")
    String completionField;

    @Option(names = "--model", paramLabel = "DIR",
            description = "HF model directory to generate with (readable at this path on every executor).")
    String model;

    @Option(names = "--prompt", paramLabel = "NAME",
            description = "Generation template: qwen2-boxed, deepseek-math, alpaca, chat (the model's own), plain... "
                    + "(default: chat when the model has a chat_template).")
    String prompt;

    @Option(names = "--max-new-tokens", paramLabel = "N", description = "Default: 2048, as the seed.")
    int maxNewTokens = EvalConfig.Generation.DEFAULT_MAX_NEW_TOKENS;

    @Option(names = "--batch-size", paramLabel = "N", description = "Rows the generation engine decodes together per task; a finished row takes the next"
            + " prompt at the next step (default 8).")
    int batchSize = EvalConfig.Generation.DEFAULT_BATCH_SIZE;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--kv-cache-tokens", paramLabel = "N",
            description = "KV cache budget of a task's generation engine, in tokens: a prompt waits for a free row until"
                    + " rows in use x (prompt + max new tokens) fits (default 0: batch size x the model's context).")
    long kvCacheTokens = 0;

    @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default 0).")
    long seed = 0;

    @Option(names = "--dtype", paramLabel = "auto|float32|float16",
            description = "Model dtype (default auto: float16 on GPUs, float32 on CPUs).")
    String dtype = "auto";

    @Option(names = "--partitions", paramLabel = "N",
            description = "Tasks to work in (default 0: the cluster's default parallelism).")
    int partitions = 0;

    @Option(names = "--overwrite", description = "Replace --out when it already holds files.")
    boolean overwrite;

    @Option(names = "--adapter", paramLabel = "DIR", description = "A PEFT LoRA adapter folder (adapter_config.json, "
            + "adapter_model.safetensors) applied to --model, as TrainStepDpoJob --lora-rank writes it to OUT/adapter/.")
    String adapter;

    @Option(names = "--resume", description = "Generation: keep completions saved in --out, generate the rest.")
    boolean resume;

    /** The validated configuration of the parsed flags. */
    EvalConfig config() {
        String template = prompt != null || model == null ? prompt
                : PromptTemplates.defaultFor(LocalPaths.of(model), null);
        EvalConfig.Generation generation = model == null ? null : new EvalConfig.Generation(model, template,
                maxNewTokens, batchSize, sampling.temperature, sampling.topP, sampling.topK, seed, dtype, kvCacheTokens, adapter);
        if (adapter != null && model == null) {
            throw new IllegalArgumentException("--adapter applies to a --model: give the base model it was trained on");
        }
        return new EvalConfig(data, out, completionField, generation, partitions, overwrite, resume);
    }

    @Override
    public Integer call() {
        EvalConfig config = config();
        EvalStage.checkModel(config);
        SparkSession spark = SparkSessions.getOrCreate("EvalJob");
        try {
            EvalSummary summary = EvalStage.run(spark, config);
            System.out.print(summary.table());
            System.out.println("summary: " + config.out() + "/" + EvalStage.SUMMARY);
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new EvalJob(), args));
    }
}
