package org.stepdpo.pairs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.Outputs;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.TaskThreads;
import org.stepdpo.spark.TextLines;

/**
 * The localization benchmark: reads labelled solutions ({@link LocateBench}'s format), has the
 * localizer judge them on the executors (the judge model loaded once per executor), and writes
 * {@code summary.json} (ProcessBench's metrics per subset), {@code predictions.jsonl},
 * {@code predictions.parquet/} and {@code rejected/}.
 */
public final class LocateBenchStage {
    private static final Logger LOG = LoggerFactory.getLogger(LocateBenchStage.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public static final String SUMMARY = "summary.json";
    public static final String PREDICTIONS_JSONL = "predictions.jsonl";
    public static final String PREDICTIONS_PARQUET = "predictions.parquet";
    public static final String REJECTED = "rejected";

    static final StructType PREDICTION_SCHEMA = new StructType()
            .add("id", DataTypes.StringType)
            .add("subset", DataTypes.StringType)
            .add("label", DataTypes.IntegerType)
            .add("predicted", DataTypes.IntegerType)
            .add("hit", DataTypes.BooleanType)
            .add("judged", DataTypes.BooleanType)
            .add("evidence", DataTypes.StringType)
            .add("source_file", DataTypes.StringType)
            .add("source_line", DataTypes.LongType);

    private static final int ROWS_PER_TASK = 50;

    private LocateBenchStage() {}

    /**
     * A benchmark run.
     *
     * @param judgeModel the judge for {@code --locate judge}; null for {@code verifier}
     * @param batchSize  rows the judge scores together
     * @param limit      the first N rows only (0: all)
     */
    public record Config(List<String> data, String out, Locate locate, String judgeModel, String dtype, int batchSize,
                         int partitions, int limit, boolean overwrite) {
        public Config {
            data = List.copyOf(data);
            if (locate == Locate.ROLLOUT) {
                throw new IllegalArgumentException("--locate: the benchmark scores judge or verifier; rollouts need a "
                        + "gold answer and a policy to sample from, which labelled solutions do not carry");
            }
            if (locate == Locate.JUDGE && judgeModel == null) {
                throw new IllegalArgumentException("--judge-model is required with --locate judge");
            }
            if (locate == Locate.VERIFIER && judgeModel != null) {
                throw new IllegalArgumentException("--judge-model is only for --locate judge");
            }
            if (batchSize < 3) {
                throw new IllegalArgumentException("--batch-size must be at least 3 (one step's three verdicts), got "
                        + batchSize);
            }
            if (partitions < 0 || limit < 0) {
                throw new IllegalArgumentException("--partitions and --limit must not be negative");
            }
        }

        /** The judge as executors load it, or null. */
        public LanguageModel.Spec judgeSpec() {
            return judgeModel == null ? null : new LanguageModel.Spec(judgeModel, dtype);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", data);
            m.put("out", out);
            m.put("locate", locate.flag());
            m.put("judge_model", judgeModel == null ? null : judgeSpec().dir());
            m.put("dtype", dtype);
            m.put("batch_size", batchSize);
            m.put("partitions", partitions);
            m.put("limit", limit);
            return m;
        }
    }

    /** Runs the benchmark and returns what it writes to {@code summary.json}. */
    public static Map<String, Object> run(SparkSession spark, Config config) {
        long started = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TextLines.requireFiles(jsc.hadoopConfiguration(), config.data(), "--data");
        LanguageModel.Spec judge = config.judgeSpec();
        if (judge != null) {
            judge.check("plain", "--judge-model");
            try (HfTokenizer tokenizer = HfTokenizer.load(judge.path())) {
                StepJudge.verdictIds(tokenizer, "--judge-model");
            }
        }
        String out = Outputs.qualified(spark, config.out());
        Outputs.prepareOutputDir(spark, out, config.overwrite(), "--out");

        List<LocateBench.Parsed> parsed = jsc.wholeTextFiles(String.join(",", config.data()))
                .flatMap(f -> LocateBench.parse(f._1(), f._2()).iterator()).collect();
        List<Rejection> rejections = new ArrayList<>();
        List<LocateBench.Row> rows = new ArrayList<>();
        for (LocateBench.Parsed p : parsed) {
            if (!p.ok()) {
                rejections.add(p.rejection());
            } else if (config.locate() == Locate.VERIFIER && !LocateBench.verifiable(p.row())) {
                rejections.add(new Rejection(p.row().file(), p.row().line(), "no-verifier: the exact verifier needs a "
                        + "synthetic row (dataset synthetic) with its gold solution (reference)", p.row().id()));
            } else {
                rows.add(p.row());
            }
        }
        rows.sort(Comparator.comparing(LocateBench.Row::file).thenComparingLong(LocateBench.Row::line));
        if (config.limit() > 0 && rows.size() > config.limit()) {
            rows = new ArrayList<>(rows.subList(0, config.limit()));
        }
        // by default tasks of about ROWS_PER_TASK rows, and at least one per core
        int partitions = config.partitions() > 0 ? config.partitions()
                : Math.max(1, Math.min(rows.size(), Math.max(jsc.defaultParallelism(),
                        (rows.size() + ROWS_PER_TASK - 1) / ROWS_PER_TASK)));
        long judging = System.nanoTime();
        List<LocateBench.Prediction> predictions = rows.isEmpty() ? List.of()
                : jsc.parallelize(rows, partitions).mapPartitions(new Predict(judge, config.batchSize())).collect();
        double judgeSeconds = seconds(judging);

        List<Row> table = new ArrayList<>();
        for (LocateBench.Prediction p : predictions) {
            table.add(RowFactory.create(p.id(), p.subset(), p.label(), p.predicted(), p.hit(), p.judged(), p.evidence(),
                    p.file(), p.line()));
        }
        Dataset<Row> frame = spark.createDataFrame(table, PREDICTION_SCHEMA);
        frame.write().mode(SaveMode.Overwrite).parquet(Outputs.child(out, PREDICTIONS_PARQUET));
        Outputs.writeJsonl(frame.orderBy("source_file", "source_line"), Outputs.child(out, PREDICTIONS_JSONL));
        Outputs.rejectionRows(spark, jsc.parallelize(rejections.isEmpty() ? List.of() : rejections, 1))
                .coalesce(1).write().mode(SaveMode.Overwrite).json(Outputs.child(out, REJECTED));

        Map<String, Object> summary = new LinkedHashMap<>(LocateBench.metrics(predictions));
        Map<String, Long> byReason = new TreeMap<>();
        rejections.forEach(r -> byReason.merge(r.code(), 1L, Long::sum));
        summary.put("rejected", (long) rejections.size());
        summary.put("rejected_by_reason", byReason);
        summary.put("config", config.toMap());
        Map<String, Object> timing = new LinkedHashMap<>();
        timing.put("judge_s", Math.round(judgeSeconds * 100) / 100.0);
        timing.put("total_s", Math.round(seconds(started) * 100) / 100.0);
        summary.put("timing", timing);
        try {
            Outputs.writeText(spark, Outputs.child(out, SUMMARY), JSON.writeValueAsString(summary) + "\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        LOG.info("scored {} labelled solutions ({} rejected rows) with --locate {} into {}", predictions.size(),
                rejections.size(), config.locate().flag(), out);
        return summary;
    }

    /** One partition's rows through the localizer; the judge is loaded once per executor. */
    static final class Predict implements FlatMapFunction<Iterator<LocateBench.Row>, LocateBench.Prediction> {
        private final LanguageModel.Spec judge;
        private final int batchSize;

        Predict(LanguageModel.Spec judge, int batchSize) {
            this.judge = judge;
            this.batchSize = batchSize;
        }

        @Override
        public Iterator<LocateBench.Prediction> call(Iterator<LocateBench.Row> rows) {
            List<LocateBench.Prediction> out = new ArrayList<>();
            if (!rows.hasNext()) {
                return out.iterator();
            }
            TaskThreads.forTask();
            StepJudge stepJudge = judge == null ? null : new StepJudge(ExecutorModels.acquire(judge), batchSize);
            rows.forEachRemaining(r -> out.add(LocateBench.predict(r, stepJudge)));
            return out.iterator();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
