package org.stepdpo.jobs;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Scoring;
import org.stepdpo.spark.ExecutorModel;
import org.stepdpo.spark.ModelCacheProbe;
import org.stepdpo.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class org.stepdpo.jobs.ExecutorProbe stepdpo.jar --model DIR}: checks that a
 * cluster gives each executor one copy of a model on the right device before a long job relies on
 * it. Every task of two stages loads the model through the executor cache and scores a few token
 * ids; one JSON report on stdout says, per executor, how many tasks ran there, on which device and
 * {@code gpu} addresses, how many times the model was loaded (1 when healthy) and the next token each
 * task predicted (one value when every device computes alike).
 *
 * <p>The model directory must be readable at the same path on every executor (a shared mount).
 */
@Command(name = "ExecutorProbe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loads a model on every executor through the executor model cache and reports, "
                + "per executor, tasks, devices, GPU addresses and load counts as JSON.")
public final class ExecutorProbe implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF model directory.")
    Path model;

    @Option(names = "--dtype", paramLabel = "float32|float16", defaultValue = "float32",
            description = "Parameter dtype (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--ids", paramLabel = "\"ID ID ...\"", defaultValue = "1",
            description = "Token ids each task scores (default: ${DEFAULT-VALUE}).")
    String ids;

    @Option(names = "--tasks", paramLabel = "N", defaultValue = "8",
            description = "Tasks per stage (default: ${DEFAULT-VALUE}).")
    int tasks;

    @Option(names = "--executors", paramLabel = "N", defaultValue = "0",
            description = "Wait until this many executors have registered before running (default: "
                    + "${DEFAULT-VALUE}, do not wait).")
    int executors;

    @Option(names = "--wait-seconds", paramLabel = "S", defaultValue = "120",
            description = "How long to wait for --executors (default: ${DEFAULT-VALUE}).")
    int waitSeconds;

    /** The probe's validated settings. */
    record Config(String modelDir, String dtype, int[] ids, int tasks, int executors, int waitSeconds) {
        Config {
            if (!Files.isRegularFile(Path.of(modelDir, "config.json"))) {
                throw new IllegalArgumentException("--model: config.json not found in " + modelDir
                        + ": expected an HF model directory");
            }
            DeviceOptions.dataType(dtype);
            if (ids.length == 0) {
                throw new IllegalArgumentException("--ids: give at least one token id");
            }
            if (tasks < 1) {
                throw new IllegalArgumentException("--tasks must be at least 1, got " + tasks);
            }
            if (executors < 0 || waitSeconds < 0) {
                throw new IllegalArgumentException("--executors and --wait-seconds cannot be negative");
            }
        }
    }

    /** The parsed flags as a config; the model path is made absolute (executors run elsewhere). */
    Config config() {
        int[] tokenIds = DeviceOptions.parseIds(ids);
        return new Config(model.toAbsolutePath().normalize().toString(), dtype, tokenIds, tasks, executors,
                waitSeconds);
    }

    /** How an executor loads the model: the directory and dtype only. */
    record DecoderLmModel(String dir, String dtype) implements ExecutorModel<DecoderLM> {
        @Override
        public String cacheKey() {
            return "decoder-lm:" + dir + ":" + dtype;
        }

        @Override
        public DecoderLM load(Device device) {
            return DecoderLM.load(Path.of(dir), device, DeviceOptions.dataType(dtype));
        }
    }

    /** What each task checks: the model's most likely token after {@code ids}. */
    record NextToken(int[] ids) implements Function<DecoderLM, String> {
        @Override
        public String call(DecoderLM lm) {
            return "next token " + Scoring.score(lm, ids, 1).lastTopIds()[0];
        }
    }

    @Override
    public Integer call() throws Exception {
        Config c = config();
        SparkSession spark = SparkSessions.getOrCreate("ExecutorProbe");
        try {
            JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
            int registered = ModelCacheProbe.awaitExecutors(jsc, c.executors(), c.waitSeconds());
            if (registered < c.executors()) {
                throw new IllegalStateException("only " + registered + " of " + c.executors()
                        + " executor(s) registered within " + c.waitSeconds() + " s");
            }
            ModelCacheProbe.Report report = ModelCacheProbe.run(jsc, new DecoderLmModel(c.modelDir(), c.dtype()),
                    new NextToken(c.ids()), c.tasks());
            System.out.println(report.toJson());
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new ExecutorProbe(), args));
    }
}
