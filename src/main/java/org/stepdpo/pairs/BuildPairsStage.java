package org.stepdpo.pairs;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.stepdpo.generate.CompletionLog;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.generate.Problem;
import org.stepdpo.generate.ProblemParser;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.plot.RunPlots;
import org.stepdpo.spark.Outputs;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.TextLines;

/**
 * Builds Step-DPO pairs from a problem set: reads the problems, builds each problem's pairs on the
 * executors ({@link PairBuilder}, distributed by problem), saves finished problems as it goes, and
 * writes {@code pairs.jsonl}, {@code pairs.parquet/}, {@code stats.json} and {@code rejected/}.
 */
public final class BuildPairsStage {
    private static final Logger LOG = LoggerFactory.getLogger(BuildPairsStage.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Output names under {@code --out}. */
    public static final String PAIRS_JSONL = "pairs.jsonl";
    public static final String PAIRS_PARQUET = "pairs.parquet";
    public static final String STATS = "stats.json";
    public static final String REJECTED = "rejected";
    public static final String PROGRESS = CompletionLog.DIR;

    private BuildPairsStage() {}

    /**
     * Checks on the driver that {@code --model} (and {@code --judge-model}) hold usable models and
     * tokenizers, naming the flag when not; BuildPairsJob calls it before it starts Spark, {@link #run} again.
     */
    public static void checkModels(PairsConfig config) {
        config.modelSpec().check(config.pairs().format().sampleTemplate());
        LanguageModel.Spec judge = config.judgeSpec();
        if (judge != null) {
            judge.check("plain", "--judge-model");
            try (HfTokenizer judgeTokenizer = HfTokenizer.load(judge.path())) {
                StepJudge.verdictIds(judgeTokenizer, "--judge-model");
            }
        }
    }

    /** Runs pair building as {@code config} says and returns the stats written to {@code stats.json}. */
    public static Map<String, Object> run(SparkSession spark, PairsConfig config) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        TextLines.requireFiles(jsc.hadoopConfiguration(), config.data(), "--data");
        checkModels(config);
        LanguageModel.Spec judge = config.judgeSpec();
        if (config.resume()) {
            Outputs.clearForResume(spark, config.out(), Set.of(PROGRESS));
        } else {
            Outputs.prepareOutputDir(spark, config.out(), config.overwrite(), "--out");
        }
        long started = System.nanoTime();
        JavaRDD<ProblemParser.Parsed> parsed = TextLines.read(jsc, config.data()).map(new ProblemParser(null));
        if (config.limit() > 0) {
            long limit = config.limit();
            parsed = parsed.zipWithIndex().filter(t -> t._2() < limit).map(t -> t._1());
        }
        JavaRDD<ProblemParser.Parsed> read = parsed.persist(StorageLevel.MEMORY_AND_DISK());
        parsed = ProblemParser.uniqueIdx(read);
        try {
            boolean needsVerifier = config.pairs().locate() == Locate.VERIFIER;
            JavaRDD<Problem> usable = parsed.filter(ProblemParser.Parsed::ok).map(ProblemParser.Parsed::problem)
                    .filter(p -> !needsVerifier || TaskVerifier.applies(p));
            String progress = Outputs.qualified(spark, Outputs.child(config.out(), PROGRESS));
            Set<String> done = new HashSet<>();
            for (Row r : outcomes(spark, progress).select("file", "line").collectAsList()) {
                done.add(r.getString(0) + "\n" + r.getLong(1));
            }
            JavaRDD<Problem> todo = done.isEmpty() ? usable
                    : usable.filter(p -> !done.contains(p.file() + "\n" + p.line()));
            int partitions = config.partitions() > 0 ? config.partitions() : jsc.defaultParallelism();
            long building = System.nanoTime();
            long problems = todo.repartition(partitions)
                    .mapPartitions(new BuildPairs(config.modelSpec(), judge, config.pairs(), config.sampling(),
                            config.concurrentProblems(), progress))
                    .count();
            double buildSeconds = seconds(building);
            LOG.info("built pairs for {} problems in {} s ({} kept from earlier runs)", problems,
                    String.format("%.1f", buildSeconds), done.size());
            List<Rejection> rejections = new ArrayList<>(parsed.filter(p -> !p.ok())
                    .map(ProblemParser.Parsed::rejection).collect());
            if (needsVerifier) {
                parsed.filter(p -> p.ok() && !TaskVerifier.applies(p.problem())).map(p -> new Rejection(
                        p.problem().file(), p.problem().line(), "no-verifier: --locate verifier needs a row of the "
                        + "synthetic task (dataset 'synthetic' with its 'output' gold solution)",
                        p.problem().instruction())).collect().forEach(rejections::add);
            }
            return write(spark, config, outcomes(spark, progress), rejections, buildSeconds, started);
        } finally {
            read.unpersist();
        }
    }

    /** Every finished problem saved under {@code progress} (a retried group counts once). */
    static Dataset<Row> outcomes(SparkSession spark, String progress) {
        String[] files = CompletionLog.files(spark, progress);
        if (files.length == 0) {
            return spark.createDataFrame(List.of(), PairOutcome.SCHEMA);
        }
        return spark.read().schema(PairOutcome.SCHEMA).json(files).dropDuplicates("file", "line");
    }

    private static Map<String, Object> write(SparkSession spark, PairsConfig config, Dataset<Row> outcomes,
            List<Rejection> inputRejections, double buildSeconds, long started) {
        String out = config.out();
        outcomes = outcomes.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            Dataset<Row> pairs = outcomes.select(col("file"), col("line"), explode(col("pairs")).as("p"))
                    .orderBy(col("file"), col("line"), col("p.sample"), col("p.chosen"))
                    .select("p.*");
            pairs.write().mode(SaveMode.Overwrite).parquet(Outputs.child(out, PAIRS_PARQUET));
            Outputs.writeJsonl(pairs, Outputs.child(out, PAIRS_JSONL));

            List<Rejection> rejections = new ArrayList<>(inputRejections);
            for (Row r : outcomes.select(col("file"), col("line"), col("idx"), explode(col("rejections")))
                    .collectAsList()) {
                rejections.add(new Rejection(r.getString(0), r.getLong(1), r.getString(3), r.getString(2)));
            }
            Outputs.rejectionRows(spark, JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rejections))
                    .orderBy(col("file"), col("line")).coalesce(1)
                    .write().mode(SaveMode.Overwrite).json(Outputs.child(out, REJECTED));

            PairStats stats = new PairStats();
            for (Row r : outcomes.drop("pairs").collectAsList()) {
                stats.addProblem(r);
            }
            for (Row r : pairs.select("step", "verifier_step", "chosen_verified").collectAsList()) {
                stats.addPair(r);
            }
            for (Rejection r : rejections) {
                stats.addRejection(r.code());
            }
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("config", config.toMap());
            json.putAll(stats.toMap());
            Map<String, Object> timing = stats.timing();
            timing.put("build_wall_s", buildSeconds);
            timing.put("total_s", seconds(started));
            json.put("timing", timing);
            Outputs.writeText(spark, Outputs.child(out, STATS), JSON.writeValueAsString(json) + "\n");
            RunPlots.drawQuietly(RunPlots.PAIRS, () -> RunPlots.pairs(JSON.valueToTree(json), out),
                    png -> Outputs.writeBytes(spark, Outputs.child(out, RunPlots.PAIRS), png));
            LOG.info("wrote {} pairs from {} problems into {}", json.get("pairs"), json.get("problems"), out);
            return json;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        } finally {
            outcomes.unpersist();
        }
    }

    private static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e7) / 100.0;
    }
}
