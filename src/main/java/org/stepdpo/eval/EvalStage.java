package org.stepdpo.eval;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stepdpo.spark.Outputs;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.SourceLine;
import org.stepdpo.spark.TextLines;

/**
 * Scores a test set: reads the problems, grades every completion in parallel partitions and writes
 * {@code summary.json}, {@code samples.parquet/}, {@code samples.jsonl} and {@code rejected/} under
 * the output folder.
 */
public final class EvalStage {
    private static final Logger LOG = LoggerFactory.getLogger(EvalStage.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Output names under {@code --out}. */
    public static final String SUMMARY = "summary.json";
    public static final String SAMPLES_PARQUET = "samples.parquet";
    public static final String SAMPLES_JSONL = "samples.jsonl";
    public static final String REJECTED = "rejected";

    private EvalStage() {}

    /** Runs the evaluation that {@code config} describes and returns its summary. */
    public static EvalSummary run(SparkSession spark, EvalConfig config) {
        if (!config.scoringMode()) {
            throw new UnsupportedOperationException("--model: generation mode is not available in this "
                    + "build yet; score existing completions with --completion-field FIELD");
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TextLines.requireFiles(jsc.hadoopConfiguration(), config.data(), "--data");
        Outputs.prepareOutputDir(spark, config.out(), config.overwrite(), "--out");

        long started = System.nanoTime();
        JavaRDD<SourceLine> lines = TextLines.read(jsc, config.data());
        JavaRDD<ProblemParser.Parsed> parsed = lines.map(new ProblemParser(config.completionField()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        try {
            int partitions = config.partitions() > 0 ? config.partitions() : jsc.defaultParallelism();
            JavaRDD<EvalProblem> problems = parsed.filter(ProblemParser.Parsed::ok)
                    .map(ProblemParser.Parsed::problem).repartition(partitions);
            Dataset<Row> samples = spark.createDataFrame(problems.mapPartitions(new ScoreCompletions()),
                    ScoreCompletions.SCHEMA).persist(StorageLevel.MEMORY_AND_DISK());
            try {
                return writeOutputs(spark, config, parsed, samples, started);
            } finally {
                samples.unpersist();
            }
        } finally {
            parsed.unpersist();
        }
    }

    private static EvalSummary writeOutputs(SparkSession spark, EvalConfig config,
            JavaRDD<ProblemParser.Parsed> parsed, Dataset<Row> samples, long started) {
        String out = config.out();
        samples.write().mode(SaveMode.Overwrite).parquet(Outputs.child(out, SAMPLES_PARQUET));
        Outputs.writeJsonl(samples.orderBy(col("source_file"), col("source_line")),
                Outputs.child(out, SAMPLES_JSONL));

        JavaRDD<Rejection> rejections = parsed.filter(p -> !p.ok()).map(ProblemParser.Parsed::rejection);
        Map<String, Long> rejectedByReason = rejections.map(Rejection::code).countByValue();
        Outputs.rejectionRows(spark, rejections).orderBy(col("file"), col("line")).coalesce(1)
                .write().mode(SaveMode.Overwrite).json(Outputs.child(out, REJECTED));

        EvalSummary summary = EvalSummary.of(samples, rejectedByReason);
        try {
            Outputs.writeText(spark, Outputs.child(out, SUMMARY),
                    JSON.writeValueAsString(summary.toMap(config.toMap())) + "\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("scored {} samples ({} correct, {} rejected rows) in {} s into {}", summary.overall().n(),
                summary.overall().correct(), summary.rejectedCount(),
                String.format("%.1f", (System.nanoTime() - started) / 1e9), out);
        return summary;
    }
}
