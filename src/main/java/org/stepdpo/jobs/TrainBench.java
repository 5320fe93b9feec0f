package org.stepdpo.jobs;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.stepdpo.model.Bench;
import org.stepdpo.model.HfConfig;
import org.stepdpo.model.RandomModel;
import org.stepdpo.model.io.DType;
import org.stepdpo.spark.ExchangeMode;
import org.stepdpo.spark.SparkSessions;
import org.stepdpo.train.LrSchedule;
import org.stepdpo.train.PreferenceExample;
import org.stepdpo.train.PreferenceLoss;
import org.stepdpo.train.PreferenceObjective;
import org.stepdpo.train.RunFiles;
import org.stepdpo.train.TrainConfig;
import org.stepdpo.train.TrainStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spark-submit --class org.stepdpo.jobs.TrainBench}: the speed of Step-DPO training steps on a
 * random model and random pairs, through the same barrier stage as TrainStepDpoJob. Reports tokens/s
 * (all workers and per worker), the MFU of a training step against the FP32 matmul peak measured in
 * the driver JVM ({@code mfu = 6 * matmulParams * tokensPerS / peak}: forward 2, backward 4 FLOPs per
 * parameter and token), and the share of step time spent exchanging gradients.
 */
@Command(name = "TrainBench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Times Step-DPO training steps on a random model; prints one JSON object.")
public final class TrainBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--random", paramLabel = "SPEC", description = "Random Llama-layout model (default: the bench model).")
    String random = "hidden=512,layers=4,heads=8,kv_heads=2,vocab=8192";

    @Option(names = "--workers", paramLabel = "N", description = "Data-parallel workers (default 1).")
    int workers = 1;

    @Option(names = "--per-device-batch", paramLabel = "B", description = "Pairs per micro-batch (default 4).")
    int perDeviceBatch = 4;

    @Option(names = "--grad-accum", paramLabel = "K", description = "Micro-batches per step (default 1).")
    int gradAccum = 1;

    @Option(names = "--prompt-tokens", paramLabel = "P", description = "Prompt tokens per pair (default 192).")
    int promptTokens = 192;

    @Option(names = "--response-tokens", paramLabel = "R", description = "Tokens per chosen/rejected step (default 64).")
    int responseTokens = 64;

    @Option(names = "--steps", paramLabel = "S", description = "Optimizer steps, the first two untimed (default 6).")
    int steps = 6;

    @Option(names = "--exchange", paramLabel = "MODE", description = "socket (default) or allgather.")
    String exchange = "socket";

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Scratch folder (model, metrics).")
    Path out;

    @Override
    public Integer call() throws IOException {
        if (steps < 3) {
            throw new IllegalArgumentException("--steps must be at least 3 (two warm-up steps), got " + steps);
        }
        HfConfig config = RandomModel.config(random, Math.max(4096, promptTokens + responseTokens + 1));
        Path modelDir = out.resolve("model");
        Path run = out.resolve("run");
        RandomModel.write(config, 0, modelDir, null);
        int global = workers * perDeviceBatch * gradAccum;
        TrainConfig tc = new TrainConfig(modelDir.toString(), List.of("random pairs"), run.toString(), TrainConfig.Task.STEP_DPO, "plain",
                promptTokens + responseTokens + 1, promptTokens, new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID,
                0.4, 0), new TrainConfig.Optim(1e-6, LrSchedule.Kind.CONSTANT, 0, 0, 1), workers, perDeviceBatch,
                gradAccum, 1, steps, 0, 0, ExchangeMode.parse(exchange), null, 1, DType.F32, 0, 0, 10, TrainConfig.Precision.FLOAT32, false, null, false, false, true);
        List<PreferenceExample> pairs = pairs(global, config.vocabSize());
        SparkSession spark = SparkSessions.getOrCreate("TrainBench");
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            double peak = Bench.matmulPeakGflops(m, 10);
            Files.createDirectories(run);
            TrainStage.train(JavaSparkContext.fromSparkContext(spark.sparkContext()), tc,
                    new PreferenceObjective(tc.loss()), pairs);
            peak = Math.max(peak, Bench.matmulPeakGflops(m, 10));
            System.out.println(JSON.writeValueAsString(report(config, new RunFiles(run).readMetrics(), peak)));
            return 0;
        } finally {
            spark.stop();
        }
    }

    private ObjectNode report(HfConfig config, List<JsonNode> metrics, double peak) {
        double stepS = 0;
        double exchangeS = 0;
        double tokens = 0;
        int timed = 0;
        for (JsonNode line : metrics.subList(2, metrics.size())) {
            double s = line.get("step_s").asDouble();
            stepS += s;
            exchangeS += line.get("exchange_s").asDouble();
            tokens += line.get("tokens_per_s").asDouble() * s;
            timed++;
        }
        long matmulParams = Bench.matmulParams(config);
        double tokensPerS = tokens / stepS;
        ObjectNode r = JSON.createObjectNode();
        r.put("workers", workers);
        r.put("exchange", exchange);
        r.put("global_batch", workers * perDeviceBatch * gradAccum);
        r.put("tokens_per_step", tokens / timed);
        r.put("tokens_per_s", tokensPerS);
        r.put("tokens_per_s_per_worker", tokensPerS / workers);
        r.put("step_s", stepS / timed);
        r.put("exchange_s", exchangeS / timed);
        r.put("exchange_share", exchangeS / stepS);
        r.put("matmul_params", matmulParams);
        r.put("matmul_peak_gflops", peak);
        r.put("mfu", 6.0 * matmulParams * tokensPerS / (peak * 1e9));
        r.put("timed_steps", timed);
        return r;
    }

    /** Random token pairs (reference log-probs 0: the values do not change the work done). */
    private List<PreferenceExample> pairs(int n, int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new PreferenceExample(random.ints(promptTokens, 3, vocab).toArray(),
                    random.ints(responseTokens, 3, vocab).toArray(), random.ints(responseTokens, 3, vocab).toArray(), 0, 0));
        }
        return out;
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new TrainBench(), args));
    }
}
