package org.stepdpo.jobs;

import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.stepdpo.spark.SparkSessions;
import org.stepdpo.train.PreferenceLoss;
import org.stepdpo.train.TrainConfig;
import org.stepdpo.train.TrainStage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark-submit --class TrainStepDpoJob}: Step-DPO (or DPO) training, data-parallel across executors. */
@Command(name = "TrainStepDpoJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains a model on Step-DPO preference pairs (Math-Step-DPO-10K schema, JSONL or Parquet): "
                + "reference log-probs in a partitioned pass, then --workers data-parallel barrier tasks. Writes "
                + "an HF model directory, metrics.jsonl and checkpoints under --out."})
public final class TrainStepDpoJob implements Callable<Integer> {
    @Mixin
    TrainOptions options = new TrainOptions();

    @Option(names = "--loss", paramLabel = "step-dpo|dpo",
            description = "step-dpo (default): chosen/rejected step k; dpo: full_chosen/full_rejected.")
    String loss = "step-dpo";

    @Option(names = "--loss-type", paramLabel = "sigmoid|ipo", description = "Default sigmoid.")
    String lossType = "sigmoid";

    @Option(names = "--beta", paramLabel = "B", description = "Inverse temperature (default 0.4).")
    double beta = 0.4;

    @Option(names = "--label-smoothing", paramLabel = "E", description = "Conservative DPO (default 0).")
    double labelSmoothing = 0.0;

    @Option(names = "--rpo-alpha", paramLabel = "A",
            description = "Adds A times the chosen response's per-token NLL to each pair's loss "
                    + "(default 0: plain DPO).")
    double rpoAlpha = 0.0;

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default 5e-7, as the seed).")
    double lr = 5e-7;

    @Option(names = "--reference", paramLabel = "DIR",
            description = "Where reference log-probs are stored and reused (default OUT/reference).")
    String reference;

    @Option(names = "--reference-batch", paramLabel = "N", description = "Pairs per reference forward pass (default 8).")
    int referenceBatch = 8;

    TrainConfig config() {
        if (!loss.equals("step-dpo") && !loss.equals("dpo")) {
            throw new IllegalArgumentException("--loss must be step-dpo or dpo, got '" + loss + "'");
        }
        return options.config(loss, new PreferenceLoss.Config(PreferenceLoss.Kind.parse(lossType, "--loss-type"), beta,
                labelSmoothing, rpoAlpha), lr, reference, referenceBatch);
    }

    @Override
    public Integer call() throws java.io.IOException {
        return run("TrainStepDpoJob", config());
    }

    /** Runs a training configuration in a Spark session and prints where the results are. */
    static int run(String app, TrainConfig config) throws java.io.IOException {
        TrainStage.checkModel(config);
        SparkSession spark = SparkSessions.getOrCreate(app);
        try {
            Map<String, Object> summary = TrainStage.run(spark, config);
            System.out.println("model: " + config.out());
            System.out.println("metrics: " + config.out() + "/metrics.jsonl");
            System.out.println("summary: " + new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(summary));
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new TrainStepDpoJob(), args));
    }
}
