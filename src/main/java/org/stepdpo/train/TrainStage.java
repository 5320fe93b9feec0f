package org.stepdpo.train;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stepdpo.model.HfConfig;
import org.stepdpo.plot.RunPlots;
import org.stepdpo.spark.LocalPaths;
import org.stepdpo.spark.Outputs;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.TaskThreads;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * The training pipeline of TrainStepDpoJob and SftJob: read and tokenize the data (bad rows to
 * {@code OUT/rejected/}), compute the reference log-probs in a partitioned pass (preference tasks),
 * then train in one Spark barrier stage of {@code --workers} tasks ({@link TrainTask}).
 */
public final class TrainStage {
    private static final Logger LOG = LoggerFactory.getLogger(TrainStage.class);
    public static final String REJECTED = "rejected";
    public static final String SUMMARY = "train_summary.json";
    public static final String MEMORY_PLAN = "memory_plan.json";

    private TrainStage() {}

    /**
     * Checks on the driver that {@code --model} holds a config.json and a tokenizer that encodes
     * with the run's template, naming the flag when not; the training jobs call it before they start
     * Spark. Returns the model's config.
     */
    public static HfConfig checkModel(TrainConfig config) {
        HfConfig model = modelConfig(config);
        encodeSpec(config).check();
        return model;
    }

    /** The model's config.json, naming {@code --model} when it is missing or wrong. */
    private static HfConfig modelConfig(TrainConfig config) {
        try {
            return HfConfig.load(LocalPaths.of(config.model()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--model: " + e.getMessage(), e);
        }
    }

    private static EncodeSpec encodeSpec(TrainConfig config) {
        return new EncodeSpec(config.model(), config.prompt(), config.task().objective(), config.maxLength(),
                config.maxPromptLength());
    }

    /** {@code local} and {@code local[N]}: one JVM whose task slots never change ({@code local-cluster} is not). */
    private static boolean localMaster(String master) {
        return master.startsWith("local") && !master.startsWith("local-cluster");
    }

    /** Runs the whole pipeline and returns the summary it writes to {@code OUT/train_summary.json}. */
    public static Map<String, Object> run(SparkSession spark, TrainConfig config) {
        long t0 = System.nanoTime();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        checkWorkers(jsc, config.workers());
        Path out = LocalPaths.of(config.out());
        // the tokenizer is checked as the data is read (PairData), the jobs check both before Spark starts
        MemoryPlan plan = memoryPlan(modelConfig(config), config);
        Map<String, Object> planned = plan.toMap(config.deviceMemory());
        LOG.info("Memory plan per worker: {}", planned);
        plan.requireFits(config.deviceMemory());
        prepareOutput(out, config);
        RunFiles.writeJsonAtomically(out.resolve(MEMORY_PLAN), planned);
        Map<String, Object> summary = new LinkedHashMap<>();
        Map<String, Object> timing = new LinkedHashMap<>();
        EncodeSpec spec = encodeSpec(config);
        List<Trainer.Report> reports;
        if (config.preference()) {
            List<PreferenceExample> examples;
            try (PairData.Read<EncodedPair> read = PairData.read(spark, config.data(), spec)) {
                List<EncodedPair> pairs = read.records().collect();
                writeRejections(spark, read.rejections(), out, summary, pairs.size());
                timing.put("read_s", seconds(t0));
                examples = withReference(jsc, config, pairs, summary, timing);
            }
            reports = train(jsc, config, new PreferenceObjective(config.loss()), examples);
        } else {
            List<EncodedExample> examples;
            try (PairData.Read<EncodedExample> read = PairData.readSft(spark, config.data(), spec)) {
                examples = read.records().collect();
                writeRejections(spark, read.rejections(), out, summary, examples.size());
                timing.put("read_s", seconds(t0));
            }
            reports = train(jsc, config, new SftObjective(), examples);
        }
        double trainS = 0;
        double exchangeS = 0;
        long tokens = 0;
        for (Trainer.Report r : reports) {
            trainS = Math.max(trainS, r.seconds());
            exchangeS = Math.max(exchangeS, r.exchangeSeconds());
            tokens += r.tokens();
        }
        summary.put("steps", reports.isEmpty() ? 0 : reports.get(0).lastStep());
        summary.put("resumed_from_step", reports.isEmpty() ? 0 : reports.get(0).firstStep());
        summary.put("skipped_steps", reports.isEmpty() ? 0 : reports.get(0).skippedSteps());
        String stopped = reports.isEmpty() ? null : reports.get(0).stopped();
        if (stopped != null) {
            summary.put("stopped", stopped);
        }
        summary.put("workers", config.workers());
        summary.put("dtype", config.precision().dtype().label());
        if (config.precision().scaled() && !reports.isEmpty()) {
            summary.put("overflow_steps", reports.get(0).overflowSteps());
            summary.put("loss_scale", reports.get(0).lossScale());
        }
        summary.put("shard_optimizer", config.shardOptimizer());
        if (config.lora() != null) {
            Map<String, Object> lora = new LinkedHashMap<>();
            lora.put("rank", config.lora().rank());
            lora.put("alpha", config.lora().alpha());
            lora.put("dropout", config.lora().dropout());
            lora.put("targets", config.lora().targets());
            lora.put("trainable_parameters", plan.trainableParameters());
            lora.put("parameters", plan.parameters());
            lora.put("adapter", new RunFiles(out).adapter().toString());
            lora.put("merged_model", config.mergeLora() ? new RunFiles(out).model().toString() : null);
            summary.put("lora", lora);
        }
        summary.put("optimizer_state_bytes", reports.stream().map(Trainer.Report::optimizerStateBytes).toList());
        summary.put("threads_per_worker", TaskThreads.forWorkers(jsc, config.workers()));
        summary.put("tokens", tokens);
        timing.put("train_s", Math.round(trainS * 100) / 100.0);
        timing.put("exchange_s", Math.round(exchangeS * 100) / 100.0);
        timing.put("total_s", seconds(t0));
        summary.put("timing", timing);
        RunFiles.writeJsonAtomically(out.resolve(SUMMARY), summary);
        List<JsonNode> metrics = new RunFiles(out).readMetrics();
        if (!metrics.isEmpty()) {
            RunPlots.drawQuietly(RunPlots.TRAIN, () -> RunPlots.train(metrics,
                    config.preference() ? "TrainStepDpoJob" : "SftJob", config.out()),
                    png -> RunFiles.writeBytesAtomically(out.resolve(RunPlots.TRAIN), png));
        }
        if (stopped != null) {
            throw new IllegalStateException("training stopped at " + stopped + "; no final model was written; the last "
                    + "checkpoint: " + new RunFiles(out).latestCheckpoint().map(Path::toString).orElse("none")
                    + " (see metrics.jsonl for the skipped steps and their examples)");
        }
        LOG.info("Trained {} steps on {} examples with {} workers in {} s; model in {}", summary.get("steps"),
                summary.get("examples"), config.workers(), String.format("%.1f", seconds(t0)), out);
        return summary;
    }

    /** What one worker of this run holds: weights in its dtype, AdamW (sharded or not), the run's batch and length. */
    static MemoryPlan memoryPlan(HfConfig model, TrainConfig config) {
        return MemoryPlan.of(model, new MemoryPlan.Settings(config.workers(), config.precision().dtype(),
                config.shardOptimizer(), config.lora() == null ? 0 : config.lora().rank(),
                config.lora() == null ? List.of() : config.lora().targets(),
                config.perDeviceBatch(), config.maxLength()));
    }

    /**
     * The training barrier stage alone, on examples already prepared: {@code --workers} tasks, each a
     * {@link Trainer}; returns their reports by rank. The output folder must be ready.
     */
    public static <T> List<Trainer.Report> train(JavaSparkContext jsc, TrainConfig config, TrainObjective<T> objective,
            List<T> examples) {
        if (config.resume()) {
            checkResumable(config, new Trainer<>(config, objective, examples).plan());
        }
        RunFiles.writeJsonAtomically(LocalPaths.of(config.out()).resolve(RunFiles.CONFIG), config.toMap());
        int threads = TaskThreads.forWorkers(jsc, config.workers());
        LOG.info("Training with {} worker(s), {} engine thread(s) each", config.workers(), threads);
        Broadcast<List<T>> shared = jsc.broadcast(new ArrayList<>(examples));
        try {
            ClassTag<Trainer.Report> tag = ClassTag$.MODULE$.apply(Trainer.Report.class);
            JavaRDD<Integer> ranks = jsc.parallelize(IntStream.range(0, config.workers()).boxed().toList(),
                    config.workers());
            // The shuffle after the barrier stage makes it a shuffle-map stage, which Spark attempts
            // again when a task or executor is lost (a failed barrier result stage is not retried);
            // the new attempt resumes from the latest checkpoint.
            JavaRDD<Trainer.Report> run = JavaRDD.fromRDD(ranks.rdd().barrier()
                    .mapPartitions(new TrainTask<>(config, objective, shared, threads), false, tag), tag).repartition(1);
            List<Trainer.Report> reports = new ArrayList<>(collectWatchingSlots(jsc, config, run));
            reports.sort((a, b) -> Integer.compare(a.rank(), b.rank()));
            return reports;
        } finally {
            shared.destroy();
        }
    }

    /**
     * Collects the training job while a watchdog checks that the cluster still offers a slot per
     * worker. A lost executor that is replaced only pauses the barrier stage's new attempt; one that
     * is not (its Worker is gone and nothing restarts it) would leave the attempt waiting forever,
     * so after {@link #SLOTS_LOST_WAIT} seconds (120) with too few slots the job is cancelled with a
     * message naming the last checkpoint to resume from. Local masters have fixed slots: no watchdog.
     */
    private static List<Trainer.Report> collectWatchingSlots(JavaSparkContext jsc, TrainConfig config,
            JavaRDD<Trainer.Report> run) {
        if (localMaster(jsc.master())) {
            return run.collect();
        }
        SparkContext sc = jsc.sc();
        long graceNanos = (long) (jsc.getConf().getDouble(SLOTS_LOST_WAIT, 120) * 1e9);
        String group = "stepdpo-train-" + UUID.randomUUID();
        AtomicReference<String> stopped = new AtomicReference<>();
        Thread watchdog = new Thread(() -> {
            long shortSince = -1;
            while (!Thread.currentThread().isInterrupted()) {
                int slots = slots(sc);
                long now = System.nanoTime();
                if (slots >= config.workers()) {
                    shortSince = -1;
                } else if (shortSince < 0) {
                    shortSince = now;
                    LOG.warn("The cluster offers {} of the {} task slots training needs; waiting up to {} s for more",
                            slots, config.workers(), Math.round(graceNanos / 1e9));
                } else if (now - shortSince > graceNanos) {
                    stopped.set("training stopped: the cluster has offered only " + slots + " of the "
                            + config.workers() + " task slots the workers need at once for " + Math.round(graceNanos / 1e9)
                            + " s (an executor was lost and not replaced). " + resumeHint(config)
                            + " (" + SLOTS_LOST_WAIT + " sets the wait)");
                    sc.cancelJobGroup(group);
                    return;
                }
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "stepdpo-slot-watchdog");
        watchdog.setDaemon(true);
        jsc.setJobGroup(group, "TrainStepDpo barrier stage", true);
        watchdog.start();
        try {
            return run.collect();
        } catch (Exception e) { // Spark throws its checked SparkException from Scala code
            if (stopped.get() != null) {
                throw new IllegalStateException(stopped.get(), e);
            }
            throw e;
        } finally {
            watchdog.interrupt();
            jsc.clearJobGroup();
        }
    }

    /** Where a stopped run can go on from. */
    private static String resumeHint(TrainConfig config) {
        return new RunFiles(LocalPaths.of(config.out())).latestCheckpoint()
                .map(dir -> "The last checkpoint is " + dir + ": run the same command with --resume once the "
                        + "cluster has room.")
                .orElse("No checkpoint was written yet (--save-steps sets how often).");
    }

    /**
     * A checkpoint's step number is a data position only under the plan that wrote it: the same
     * examples, global batch and seed (the split into workers may differ).
     */
    static void checkResumable(TrainConfig config, StepPlan plan) {
        Path out = LocalPaths.of(config.out());
        new RunFiles(out).latestCheckpoint().ifPresent(dir -> {
            com.fasterxml.jackson.databind.JsonNode state = RunFiles.readState(dir);
            String was = state.path("examples").asInt() + " examples, global batch " + state.path("global_batch").asInt()
                    + ", seed " + state.path("seed").asLong();
            String now = plan.examples() + " examples, global batch " + plan.globalBatch() + ", seed " + plan.seed();
            if (!was.equals(now)) {
                throw new IllegalArgumentException("--resume: the checkpoint " + dir + " was written with " + was
                        + ", this run has " + now + "; resume with the same data, --workers x --per-device-batch x "
                        + "--grad-accum and --seed, or train into a new --out");
            }
            int shards = state.path("optimizer_shards").asInt(0);
            int want = config.shardOptimizer() ? config.workers() : 0;
            if (!dir.equals(out) && shards != want) {
                throw new IllegalArgumentException("--resume: the checkpoint " + dir + " holds optimizer state "
                        + (shards == 0 ? "unsharded" : "sharded over " + shards + " workers (--shard-optimizer --workers "
                                + shards + ")") + ", this run asks for it " + (want == 0 ? "unsharded" : "sharded over "
                                        + want + " workers") + "; resume with the flags of the run that wrote it");
            }
            String dtype = state.path("compute_dtype").asText("float32");
            if (!dir.equals(out) && !dtype.equals(config.precision().dtype().label())) {
                throw new IllegalArgumentException("--resume: the checkpoint " + dir + " was trained with --dtype " + dtype
                        + ", this run asks for --dtype " + config.precision().dtype().label()
                        + "; resume with the flags of the run that wrote it");
            }
            String lora = state.path("lora").asText("none");
            if (!dir.equals(out) && !lora.equals(Trainer.describe(config.lora()))) {
                throw new IllegalArgumentException("--resume: the checkpoint " + dir + " was trained with LoRA " + lora
                        + ", this run asks for " + Trainer.describe(config.lora()) + " (--lora-rank, --lora-alpha, "
                        + "--lora-targets); resume with the flags of the run that wrote it");
            }
            LOG.info("Resuming from {} (step {} of {})", dir, state.path("step").asInt(), plan.totalSteps());
        });
    }

    /** Pairs with their reference log-probs, reused from the store where it has them. */
    private static List<PreferenceExample> withReference(JavaSparkContext jsc, TrainConfig config,
            List<EncodedPair> pairs, Map<String, Object> summary, Map<String, Object> timing) {
        List<ReferenceScorer.Request> requests = new ArrayList<>(pairs.size());
        for (EncodedPair p : pairs) {
            requests.add(new ReferenceScorer.Request(p.fingerprint(), p.prompt(), p.chosen(), p.rejected()));
        }
        ReferenceStore.Outcome ref = ReferenceStore.ensure(jsc, LocalPaths.of(config.referenceDir()),
                ReferenceModel.of(config), config.referenceBatch(), requests);
        List<PreferenceExample> examples = new ArrayList<>(pairs.size());
        for (EncodedPair p : pairs) {
            double[] logps = ref.logps().get(p.fingerprint());
            examples.add(new PreferenceExample(p.prompt(), p.chosen(), p.rejected(), logps[0], logps[1]));
        }
        summary.put("reference", Map.of("reused", ref.reused(), "scored", ref.scored()));
        timing.put("reference_s", Math.round(ref.seconds() * 100) / 100.0);
        return examples;
    }

    private static void writeRejections(SparkSession spark, JavaRDD<Rejection> rejections, Path out,
            Map<String, Object> summary, int accepted) {
        Map<String, Long> byReason = new LinkedHashMap<>(rejections.map(Rejection::code).countByValue());
        long rejected = byReason.values().stream().mapToLong(Long::longValue).sum();
        if (rejected > 0) {
            Outputs.rejectionRows(spark, rejections).orderBy(col("file"), col("line")).coalesce(1)
                    .write().mode(SaveMode.Overwrite).json(out.resolve(REJECTED).toUri().toString());
            LOG.warn("{} input rows set aside in {}: {}", rejected, out.resolve(REJECTED), byReason);
        }
        summary.put("examples", accepted);
        summary.put("rejected", rejected);
        summary.put("rejected_by_reason", byReason);
    }

    /**
     * A fresh run needs an empty or missing {@code out} (or {@code --overwrite}); {@code --resume}
     * keeps what is there.
     */
    private static void prepareOutput(Path out, TrainConfig config) {
        try {
            if (Files.isDirectory(out) && !config.resume()) {
                boolean empty;
                try (Stream<Path> children = Files.list(out)) {
                    empty = children.findAny().isEmpty();
                }
                if (!empty && !config.overwrite()) {
                    throw new IllegalArgumentException("--out: " + out + " already exists and is not empty; "
                            + "choose a new folder, pass --resume to continue its run, or --overwrite to replace it");
                }
                deleteContents(out, config.reference() == null ? null : LocalPaths.of(config.reference()));
            } else if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new IllegalArgumentException("--out: " + out + " is a file, not a folder");
            }
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output folder " + out, e);
        }
    }

    /** Deletes everything under {@code dir} except the reference store (kept for reuse). */
    private static void deleteContents(Path dir, Path externalStore) throws IOException {
        Path store = dir.resolve("reference");
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                if (p.equals(dir) || p.startsWith(store) || (externalStore != null && p.startsWith(externalStore))) {
                    continue;
                }
                Files.delete(p);
            }
        }
    }

    /** How long a cluster may take to offer the barrier stage's task slots (executors still starting). */
    public static final String WORKERS_WAIT = "spark.stepdpo.workers.waitSeconds";
    /** How long training waits, once running, for the cluster to offer a slot per worker again. */
    public static final String SLOTS_LOST_WAIT = "spark.stepdpo.workers.lostSeconds";
    /** Seconds without a newly registered executor after which the slots are taken as final. */
    static final int STABLE_S = 10;

    /**
     * A barrier stage needs a task slot for every worker at once; Spark would otherwise retry the
     * stage for minutes before giving up. On a local master the slots are its cores; on a cluster
     * they are counted as Spark counts them for barrier stages (executors' cores over
     * {@code spark.task.cpus}, and their GPUs over {@code spark.task.resource.gpu.amount}), waiting
     * for executors that are still registering: until {@link #STABLE_S} seconds pass without a new
     * one, or at most {@link #WORKERS_WAIT} seconds (60).
     */
    private static void checkWorkers(JavaSparkContext jsc, int workers) {
        String master = jsc.master();
        if (localMaster(master)) {
            if (workers > jsc.defaultParallelism()) {
                throw new IllegalArgumentException("--workers " + workers + " needs " + workers + " task slots, but master "
                        + master + " has " + jsc.defaultParallelism() + "; use local[" + workers + "] or fewer workers");
            }
            return;
        }
        SparkContext sc = jsc.sc();
        double waitS = jsc.getConf().getDouble(WORKERS_WAIT, 60);
        long start = System.nanoTime();
        long deadline = start + (long) (waitS * 1e9);
        int slots = slots(sc);
        long changed = start;
        // executors register one by one: wait while they come, and stop once some have come and no
        // more have for STABLE_S seconds, or at the deadline
        while (slots < workers && System.nanoTime() < deadline
                && (slots == 0 || System.nanoTime() - changed < STABLE_S * 1_000_000_000L)) {
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            int now = slots(sc);
            if (now != slots) {
                slots = now;
                changed = System.nanoTime();
            }
        }
        waitS = (System.nanoTime() - start) / 1e9;
        if (slots < workers) {
            int executors = sc.statusTracker().getExecutorInfos().length - 1; // without the driver
            throw new IllegalArgumentException("--workers " + workers + " needs " + workers + " task slots at once (one "
                    + "barrier task per worker), but after " + Math.round(waitS) + " s the cluster offers " + slots
                    + " (" + executors + " executor(s), spark.task.cpus=" + jsc.getConf().get("spark.task.cpus", "1")
                    + jsc.getConf().getOption("spark.task.resource.gpu.amount").map(g -> ", spark.task.resource.gpu.amount="
                            + g).getOrElse(() -> "")
                    + "); start more executors or give fewer --workers (" + WORKERS_WAIT + " sets the wait)");
        }
    }

    /** Concurrent task slots of the default resource profile, as Spark's barrier-stage check counts them. */
    private static int slots(SparkContext sc) {
        return sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
    }

    private static double seconds(long since) {
        return Math.round((System.nanoTime() - since) / 1e7) / 100.0;
    }
}
