package org.stepdpo.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.sum;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stepdpo.generate.Completion;
import org.stepdpo.generate.CompletionLog;
import org.stepdpo.generate.GenerateCompletions;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.generate.Problem;
import org.stepdpo.generate.ProblemParser;
import org.stepdpo.plot.RunPlots;
import org.stepdpo.spark.Outputs;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.SourceLine;
import org.stepdpo.spark.TextLines;

/**
 * Evaluates a test set: reads the problems, generates completions with a model on the executors
 * (generation mode) or takes the ones in the data (scoring mode), grades every completion in
 * parallel partitions and writes {@code summary.json}, {@code samples.parquet/},
 * {@code samples.jsonl} and {@code rejected/} under the output folder.
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

    /**
     * Checks on the driver that the model directory (and adapter) hold a usable model and tokenizer,
     * naming the flag when not; EvalJob calls it before it starts Spark, {@link #run} again.
     */
    public static void checkModel(EvalConfig config) {
        if (!config.scoringMode()) {
            EvalConfig.Generation g = config.generation();
            g.spec().check(g.prompt());
        }
    }

    /** Runs the evaluation that {@code config} describes and returns its summary. */
    public static EvalSummary run(SparkSession spark, EvalConfig config) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TextLines.requireFiles(jsc.hadoopConfiguration(), config.data(), "--data");
        checkModel(config);
        if (config.resume()) {
            Outputs.clearForResume(spark, config.out(), Set.of(CompletionLog.DIR));
        } else {
            Outputs.prepareOutputDir(spark, config.out(), config.overwrite(), "--out");
        }
        Map<String, Double> timing = new LinkedHashMap<>();
        long started = System.nanoTime();
        JavaRDD<SourceLine> lines = TextLines.read(jsc, config.data());
        JavaRDD<ProblemParser.Parsed> read = lines.map(new ProblemParser(config.completionField()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        JavaRDD<ProblemParser.Parsed> parsed = ProblemParser.uniqueIdx(read);
        try {
            int partitions = config.partitions() > 0 ? config.partitions() : jsc.defaultParallelism();
            JavaRDD<Problem> problems = parsed.filter(ProblemParser.Parsed::ok).map(ProblemParser.Parsed::problem);
            JavaRDD<Completion> completions;
            Map<String, Object> generation = null;
            if (config.scoringMode()) {
                completions = problems.map(Completion::given);
            } else {
                generation = generate(spark, config, problems, partitions, timing);
                completions = CompletionLog.read(spark, logDir(config)).javaRDD().map(CompletionLog::toCompletion);
            }
            long scoring = System.nanoTime();
            Dataset<Row> samples = spark.createDataFrame(
                    completions.repartition(partitions).mapPartitions(new ScoreCompletions()), ScoreCompletions.SCHEMA)
                    .persist(StorageLevel.MEMORY_AND_DISK());
            try {
                samples.count();
                timing.put("score_s", seconds(scoring));
                return writeOutputs(spark, config, parsed, samples, generation, timing, started);
            } finally {
                samples.unpersist();
            }
        } finally {
            read.unpersist();
        }
    }

    private static String logDir(EvalConfig config) {
        return Outputs.child(config.out(), CompletionLog.DIR);
    }

    /** Generates what the log lacks; returns the generation figures for the summary. */
    private static Map<String, Object> generate(SparkSession spark, EvalConfig config, JavaRDD<Problem> problems,
            int partitions, Map<String, Double> timing) {
        String log = Outputs.qualified(spark, logDir(config));
        Dataset<Row> before = CompletionLog.read(spark, log);
        Set<String> done = new HashSet<>();
        for (Row r : before.select("file", "line").collectAsList()) {
            done.add(r.getString(0) + "\n" + r.getLong(1));
        }
        long tokensBefore = newTokens(before);
        JavaRDD<Problem> todo = done.isEmpty() ? problems
                : problems.filter(p -> !done.contains(p.file() + "\n" + p.line()));
        long started = System.nanoTime();
        EvalConfig.Generation g = config.generation();
        long generated = todo.repartition(partitions)
                .mapPartitions(new GenerateCompletions(g.spec(), g.settings(), log))
                .count();
        double wall = seconds(started);
        timing.put("generate_s", wall);
        long tokens = newTokens(CompletionLog.read(spark, log)) - tokensBefore;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generated", generated);
        m.put("resumed", done.size());
        m.put("new_tokens", tokens);
        m.put("tokens_per_s", wall > 0 ? tokens / wall : 0.0);
        LOG.info("generated {} completions ({} tokens, {} tokens/s); {} kept from earlier runs", generated, tokens,
                String.format("%.1f", wall > 0 ? tokens / wall : 0.0), done.size());
        return m;
    }

    private static long newTokens(Dataset<Row> log) {
        Row r = log.agg(sum(col("new_tokens"))).first();
        return r.isNullAt(0) ? 0 : r.getLong(0);
    }

    private static EvalSummary writeOutputs(SparkSession spark, EvalConfig config,
            JavaRDD<ProblemParser.Parsed> parsed, Dataset<Row> samples, Map<String, Object> generation,
            Map<String, Double> timing, long started) {
        long writing = System.nanoTime();
        String out = config.out();
        samples.write().mode(SaveMode.Overwrite).parquet(Outputs.child(out, SAMPLES_PARQUET));
        Outputs.writeJsonl(samples.orderBy(col("source_file"), col("source_line")),
                Outputs.child(out, SAMPLES_JSONL));

        JavaRDD<Rejection> rejections = parsed.filter(p -> !p.ok()).map(ProblemParser.Parsed::rejection);
        Map<String, Long> rejectedByReason = rejections.map(Rejection::code).countByValue();
        Outputs.rejectionRows(spark, rejections).orderBy(col("file"), col("line")).coalesce(1)
                .write().mode(SaveMode.Overwrite).json(Outputs.child(out, REJECTED));

        EvalSummary summary = EvalSummary.of(samples, rejectedByReason);
        timing.put("write_s", seconds(writing));
        timing.put("total_s", seconds(started));
        Map<String, Object> json = summary.toMap(config.toMap());
        if (generation != null) {
            generation.put("prompt_too_long", samples.where(col("finish").equalTo("prompt_too_long")).count());
            json.put("generation", generation);
        }
        json.put("timing", timing);
        try {
            Outputs.writeText(spark, Outputs.child(out, SUMMARY), JSON.writeValueAsString(json) + "\n");
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        RunPlots.drawQuietly(RunPlots.EVAL, () -> RunPlots.eval(JSON.valueToTree(json), out),
                png -> Outputs.writeBytes(spark, Outputs.child(out, RunPlots.EVAL), png));
        LOG.info("scored {} samples ({} correct, {} rejected rows) in {} s into {}", summary.overall().n(),
                summary.overall().correct(), summary.rejectedCount(), String.format("%.1f", seconds(started)), out);
        return summary;
    }

    private static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e7) / 100.0;
    }
}
