package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.stepdpo.pairs.Locate;
import org.stepdpo.pairs.LocateBenchStage;
import org.stepdpo.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spark-submit --class LocateBenchJob}: how well a localizer finds the first wrong step of labelled solutions. */
@Command(name = "LocateBenchJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Scores a first-wrong-step localizer (a judge model, or the synthetic task's exact verifier) "
                + "on solutions labelled in ProcessBench's format (problem, steps, label = 0-based first wrong step "
                + "or -1), partitioned across executors, and writes summary.json (error accuracy, correct accuracy "
                + "and F1 per subset), predictions.jsonl, predictions.parquet/ and rejected/ under --out."})
public final class LocateBenchJob implements Callable<Integer> {
    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE",
            description = "Labelled solutions: a JSON array (as ProcessBench ships) or JSON lines; repeat or separate "
                    + "with commas; hdfs:/s3a: paths work.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder.")
    String out;

    @Option(names = "--locate", required = true, paramLabel = "judge|verifier",
            description = "judge: --judge-model's per-step verdicts, as BuildPairsJob --locate judge; verifier: the "
                    + "synthetic task's exact step verifier (rows with dataset synthetic and a gold reference).")
    String locate;

    @Option(names = "--judge-model", paramLabel = "DIR", description = "The judge, an HF causal LM directory.")
    String judgeModel;

    @Option(names = "--batch-size", paramLabel = "N", description = "Rows the judge scores together (default 24).")
    int batchSize = 24;

    @Option(names = "--dtype", paramLabel = "auto|float32|float16",
            description = "Judge weights: auto (default) is FP16 on a GPU, FP32 on the CPU.")
    String dtype = "auto";

    @Option(names = "--partitions", paramLabel = "N",
            description = "Tasks to spread the rows over (default: one per 50 rows, at least one per core).")
    int partitions;

    @Option(names = "--limit", paramLabel = "N", description = "Only the first N rows (default 0: all).")
    int limit;

    @Option(names = "--overwrite", description = "Replace --out when it already holds files.")
    boolean overwrite;

    LocateBenchStage.Config config() {
        return new LocateBenchStage.Config(data, out, Locate.parse(locate), judgeModel, dtype, batchSize, partitions,
                limit, overwrite);
    }

    @Override
    public Integer call() throws Exception {
        LocateBenchStage.Config config = config();
        SparkSession spark = SparkSessions.getOrCreate("LocateBenchJob");
        try {
            Map<String, Object> summary = LocateBenchStage.run(spark, config);
            summary.remove("config");
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(summary));
            System.out.println("summary: " + config.out() + "/" + LocateBenchStage.SUMMARY);
            return 0;
        } finally {
            spark.stop();
        }
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new LocateBenchJob(), args));
    }
}
