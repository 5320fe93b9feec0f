package org.stepdpo.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.stepdpo.model.Autograd;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.LoraAdapters;
import org.stepdpo.model.LoraConfig;
import org.stepdpo.model.ModelWriter;
import org.stepdpo.model.io.DType;
import org.stepdpo.spark.LocalPaths;
import org.stepdpo.spark.GradientExchange;

/**
 * One data-parallel worker's training loop. Every optimizer step: the worker runs its share of the
 * step's global batch ({@link StepPlan}) in micro-batches, accumulating the gradient of the mean
 * loss over the whole global batch; the workers sum their gradients and metric sums
 * ({@link GradientExchange}); each worker then clips by the global norm and applies the same AdamW
 * update, so all replicas stay identical. Worker 0 writes metrics and checkpoints. In float16
 * ({@link TrainConfig.Precision}) the loss is scaled before the backward pass ({@link LossScaler})
 * and the gradients unscaled into float32 before the exchange; a step whose gradients overflow is
 * skipped on every worker alike and lowers the scale.
 *
 * @param <T> one training example
 */
public final class Trainer<T> {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    /**
     * What one worker did: its steps, wall time, time spent exchanging, tokens processed, the steps
     * skipped for a non-finite loss or gradient, why it stopped early (null when it did not), and
     * the bytes of optimizer state it held; in float16, the steps skipped for a gradient overflow and
     * the loss scale at the end (1 otherwise).
     */
    public record Report(int rank, int firstStep, int lastStep, double seconds, double exchangeSeconds, long tokens,
            int skippedSteps, String stopped, long optimizerStateBytes, int overflowSteps, double lossScale)
            implements Serializable {}

    private final TrainConfig config;
    private final TrainObjective<T> objective;
    private final List<T> examples;
    private final StepPlan plan;

    public Trainer(TrainConfig config, TrainObjective<T> objective, List<T> examples) {
        this.config = config;
        this.objective = objective;
        this.examples = examples;
        this.plan = new StepPlan(examples.size(), config.workers(), config.perDeviceBatch(), config.gradAccum(),
                config.epochs(), config.maxSteps(), config.seed());
    }

    public StepPlan plan() {
        return plan;
    }

    /**
     * Trains from the start, or from the latest checkpoint under the output folder when
     * {@code resume} is set and one exists, to the plan's last step.
     */
    public Report run(GradientExchange exchange, Device device, boolean resume) {
        int rank = exchange.rank();
        RunFiles files = new RunFiles(LocalPaths.of(config.out()));
        Path source = LocalPaths.of(config.model());
        Path start = source;
        int firstStep = 0;
        int total = plan.totalSteps();
        if (resume) {
            int agreed = agreedResumeStep(exchange, files);
            firstStep = agreed;
            if (agreed >= total) { // a finished run: its final model is written
                LOG.info("Worker {}: the run under {} has finished all {} steps", rank, files.out(), total);
                return new Report(rank, agreed, agreed, 0, 0, 0, 0, null, 0, 0, 1);
            }
            if (agreed > 0) {
                start = files.completeCheckpoint(agreed).orElseThrow(() -> new IllegalStateException(
                        "worker " + rank + ": the checkpoint after step " + agreed + " is gone from " + files.out()));
                LOG.info("Worker {} resumes from {} after step {}", rank, start, firstStep);
            }
        }
        LrSchedule schedule = new LrSchedule(config.optim().scheduler(), config.optim().lr(), total,
                config.optim().warmupRatio());
        long begin = System.nanoTime();
        double exchangeSeconds = 0;
        long tokens = 0;
        int skipped = 0;
        int overflows = 0;
        String stopped = null;
        int lastStep = total;
        long stateBytes;
        TrainConfig.Precision precision = config.precision();
        LossScaler scaler = null;
        if (precision.scaled()) {
            scaler = firstStep == 0 ? new LossScaler(precision.initialLossScale(), precision.lossScaleWindow())
                    : resumedScaler(start, precision);
        }
        LoraConfig lora = config.lora();
        // with LoRA the base stays frozen: a checkpoint holds the adapter, the base is always the source
        try (DecoderLM model = DecoderLM.load(lora == null ? start : source, device, precision.dtype().dataType());
                LoraAdapters adapters = lora == null ? null
                        : firstStep > 0 ? LoraAdapters.load(model, start) : LoraAdapters.init(model, lora, config.seed());
                Optimizer optimizer = new Optimizer(model, trained(model, adapters), config, exchange)) {
            if (firstStep > 0) {
                optimizer.load(start);
            }
            if (rank == 0) {
                files.truncateMetrics(firstStep);
            }
            stateBytes = optimizer.stateBytes();
            Map<String, NDArray> params = optimizer.params; // the adapters with LoRA, every weight otherwise
            if (adapters != null) {
                model.attach(adapters);
                LOG.info("Worker {}: LoRA rank {} on {}: {} trainable parameters, the base frozen", rank, lora.rank(),
                        lora.targets(), adapters.parameters());
            }
            Autograd.requireGradients(params);
            for (int step = firstStep; step < total; step++) {
                long t0 = System.nanoTime();
                int[] globalIndices = plan.globalIndices(step);
                List<T> global = pick(globalIndices);
                double scale = scaler == null ? 1 : scaler.scale();
                // dividing the mean's denominator by the scale multiplies the back-propagated loss by it
                double denominator = objective.denominator(global) / scale;
                double[] sums = new double[objective.metricNames().size() + 1];
                Autograd.zeroGradients(params);
                List<T> mine = pick(plan.share(globalIndices, rank));
                for (int from = 0; from < mine.size(); from += config.perDeviceBatch()) {
                    List<T> micro = mine.subList(from, Math.min(mine.size(), from + config.perDeviceBatch()));
                    try (NDManager m = model.manager().newSubManager()) {
                        add(sums, objective.accumulate(model, m, micro, denominator));
                    }
                    for (T e : micro) {
                        sums[sums.length - 1] += objective.tokens(e);
                    }
                }
                double lr = schedule.at(step);
                ShardedAdamW.Outcome stepped = optimizer.step(exchange, sums, lr, 1 / scale);
                double exchangeS = stepped.exchangeSeconds();
                double gradNorm = stepped.gradNorm();
                double[] all = stepped.sums();
                boolean finite = stepped.applied();
                exchangeSeconds += exchangeS;
                tokens += (long) sums[sums.length - 1];
                double stepS = (System.nanoTime() - t0) / 1e9;
                boolean overflow = !finite && scaler != null && scaler.canLower()
                        && Arrays.stream(all).allMatch(Double::isFinite);
                if (scaler != null && (finite || overflow)) {
                    scaler.update(overflow);
                }
                if (overflow) {
                    // a finite loss whose scaled float16 gradients overflowed: every worker sees the same
                    // norm, so all skip and lower the scale alike
                    overflows++;
                    LOG.warn("step {}: the gradients overflowed at loss scale {}; the update is skipped and the scale "
                            + "lowered to {}", step + 1, scale, scaler.scale());
                } else if (!finite) {
                    // every worker sees the same sums, so all skip, count and stop alike
                    skipped++;
                    LOG.warn("step {}: non-finite loss or gradient (gradient norm {}); the update is skipped ({} of at "
                            + "most {}); the step's examples (0-based positions in the training data): {}", step + 1,
                            gradNorm, skipped, config.maxSkippedSteps(), Arrays.toString(globalIndices));
                }
                boolean checkpoint = step + 1 < total && config.saveSteps() > 0 && (step + 1) % config.saveSteps() == 0;
                if (checkpoint) {
                    optimizer.saveShard(files.checkpoint(step + 1), exchange); // every worker's own part, then rank 0 the rest
                }
                if (rank == 0) {
                    Map<String, Object> line = metrics(step + 1, lr, gradNorm, all, stepS, exchangeS);
                    if (scaler != null) {
                        line.put("loss_scale", scale);
                    }
                    if (!finite) {
                        line.put("skipped", true);
                        if (overflow) {
                            line.put("overflow", true);
                        }
                        line.put("batch", globalIndices);
                    }
                    files.appendMetrics(line);
                    LOG.info("step {}/{} {}", step + 1, total, describe(line));
                    if (checkpoint) {
                        // float16 weights are stored as they are (exactly); float32 ones likewise
                        save(model, adapters, optimizer, source, files.checkpoint(step + 1), step + 1,
                                precision.scaled() ? DType.F16 : DType.F32, scaler);
                        files.pruneCheckpoints(config.saveTotalLimit());
                    }
                }
                if (skipped > config.maxSkippedSteps()) {
                    stopped = "step " + (step + 1) + ": " + skipped + " steps skipped for a non-finite loss or gradient, "
                            + "more than --max-skipped-steps " + config.maxSkippedSteps() + " allows";
                    lastStep = step + 1;
                    break;
                }
            }
            if (rank == 0 && firstStep < total && stopped == null) {
                saveFinal(model, adapters, source, files, total, scaler);
            }
        }
        return new Report(rank, firstStep, lastStep, (System.nanoTime() - begin) / 1e9, exchangeSeconds, tokens, skipped,
                stopped, stateBytes, overflows, scaler == null ? 1 : scaler.scale());
    }

    /** The parameters that train: the adapters with LoRA, every weight otherwise. */
    private static Map<String, NDArray> trained(DecoderLM model, LoraAdapters adapters) {
        return adapters != null ? adapters.byName() : model.weights().byName();
    }

    /** The loss scaler as checkpoint {@code dir} left it. */
    private static LossScaler resumedScaler(Path dir, TrainConfig.Precision precision) {
        com.fasterxml.jackson.databind.JsonNode state = RunFiles.readState(dir);
        return LossScaler.resumed(state.path("loss_scale").asDouble(precision.initialLossScale()),
                state.path("loss_scale_good_steps").asInt(0), precision.lossScaleWindow());
    }

    /**
     * The step all workers resume after: the smallest of the latest complete checkpoints that each
     * sees (0 for none). A worker of a failed attempt may still be finishing a checkpoint while the
     * new attempt's workers look, so they may see different latest ones; each sees every checkpoint
     * up to its own, which makes the smallest one complete for all.
     */
    static int agreedResumeStep(GradientExchange exchange, RunFiles files) {
        int mine = files.latestCheckpoint().map(dir -> RunFiles.readState(dir).get("step").asInt()).orElse(0);
        if (exchange.size() == 1) {
            return mine;
        }
        double[] steps = new double[exchange.size()];
        steps[exchange.rank()] = mine;
        int agreed = Integer.MAX_VALUE;
        for (double s : exchange.sum(steps)) {
            agreed = Math.min(agreed, (int) s);
        }
        if (agreed != mine) {
            LOG.info("Worker {} sees a checkpoint after step {}, another worker only after step {}: all resume after {}",
                    exchange.rank(), mine, agreed, agreed);
        }
        return agreed;
    }

    private List<T> pick(int[] indices) {
        List<T> out = new ArrayList<>(indices.length);
        for (int i : indices) {
            out.add(examples.get(i));
        }
        return out;
    }

    private static void add(double[] into, double[] sums) {
        for (int i = 0; i < sums.length; i++) {
            into[i] += sums[i];
        }
    }

    /** The gradients summed over all workers, by parameter name, and the summed metric sums. */
    record Summed(Map<String, NDArray> grads, double[] sums) {}

    /**
     * Sums every worker's gradients and metric sums over all workers. Gradients travel in buckets of
     * whole tensors of at most {@code bucketFloats} floats (a larger tensor goes alone; one exchange
     * round each; the metric sums ride with the first), so that no vector the size of the model is
     * built; the sums come back as new arrays in {@code manager}. With one worker nothing moves and the
     * given gradients are the result.
     */
    static Summed sumAcrossWorkers(GradientExchange exchange, Map<String, NDArray> grads, double[] sums,
            long bucketFloats, NDManager manager) {
        if (exchange.size() == 1) {
            return new Summed(grads, sums);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        double[] summedSums = null;
        Map<String, Long> sizes = new LinkedHashMap<>();
        grads.forEach((name, g) -> sizes.put(name, g.size()));
        for (List<String> names : GradientBuckets.of(sizes, bucketFloats)) {
            List<Map.Entry<String, NDArray>> bucket = new ArrayList<>();
            long floats = 0;
            for (String name : names) {
                bucket.add(Map.entry(name, grads.get(name)));
                floats += grads.get(name).size();
            }
            double[] s = exchangeBucket(exchange, bucket, floats, summedSums == null ? sums : new double[0], manager, out);
            if (summedSums == null) {
                summedSums = s;
            }
        }
        return new Summed(out, summedSums);
    }

    /** Floats per exchange round (64 MiB). */
    static final long BUCKET_FLOATS = 1L << 24;

    private static double[] exchangeBucket(GradientExchange exchange, List<Map.Entry<String, NDArray>> bucket,
            long floats, double[] sums, NDManager manager, Map<String, NDArray> out) {
        float[] flat = new float[Math.toIntExact(floats)];
        int at = 0;
        for (Map.Entry<String, NDArray> g : bucket) {
            float[] part = g.getValue().toFloatArray();
            System.arraycopy(part, 0, flat, at, part.length);
            at += part.length;
        }
        GradientExchange.Summed summed = exchange.sum(flat, sums);
        at = 0;
        for (Map.Entry<String, NDArray> g : bucket) {
            int n = Math.toIntExact(g.getValue().size());
            // a new array (copied from the slice): NDArray.set(Buffer) would make the gradient point at
            // a Java buffer instead of copying into it
            out.put(g.getKey(), manager.create(java.nio.FloatBuffer.wrap(summed.floats(), at, n), g.getValue().getShape()));
            at += n;
        }
        return summed.doubles();
    }

    /**
     * This worker's optimizer: AdamW on the whole model after an all-reduce of the gradients, or
     * {@link ShardedAdamW} with {@code --shard-optimizer}.
     */
    private static final class Optimizer implements AutoCloseable {
        private final DecoderLM model;
        private final Map<String, NDArray> params;
        private final TrainConfig config;
        private final AdamW whole;
        private final ShardedAdamW sharded;
        private final int rank;
        private final int size;

        /** For {@code params} of {@code model} (all its weights, or its adapters). */
        Optimizer(DecoderLM model, Map<String, NDArray> params, TrainConfig config, GradientExchange exchange) {
            this.model = model;
            this.params = params;
            this.config = config;
            this.rank = exchange.rank();
            this.size = exchange.size();
            AdamWConfig adamw = AdamWConfig.DEFAULTS.withWeightDecay(config.optim().weightDecay());
            if (config.shardOptimizer()) {
                this.whole = null;
                this.sharded = new ShardedAdamW(params, adamw, rank, size, BUCKET_FLOATS);
                LOG.info("Worker {}: optimizer state sharded over {} workers, {} bytes here", rank, size,
                        sharded.stateBytes());
            } else {
                this.whole = new AdamW(params, adamw);
                this.sharded = null;
            }
        }

        /** Bytes of optimizer state on this worker. */
        long stateBytes() {
            return sharded != null ? sharded.stateBytes() : whole.stateBytes();
        }

        /** One update from the accumulated gradients, each multiplied by {@code gradFactor} (1 / the loss scale). */
        ShardedAdamW.Outcome step(GradientExchange exchange, double[] sums, double lr, double gradFactor) {
            Map<String, NDArray> local = Autograd.gradients(params);
            try {
                if (sharded != null) {
                    return sharded.step(exchange, local, gradFactor, sums, config.optim().maxGradNorm(), lr);
                }
                try (NDManager m = model.manager().newSubManager()) {
                    Map<String, NDArray> grads = float32(local, gradFactor, m);
                    long tx = System.nanoTime();
                    Summed summed = sumAcrossWorkers(exchange, grads, sums, BUCKET_FLOATS, m);
                    double exchangeS = (System.nanoTime() - tx) / 1e9;
                    double gradNorm = GradClip.clip(summed.grads().values(), config.optim().maxGradNorm());
                    boolean finite = Double.isFinite(gradNorm) && Arrays.stream(summed.sums()).allMatch(Double::isFinite);
                    if (finite) {
                        whole.step(summed.grads(), lr);
                    }
                    return new ShardedAdamW.Outcome(gradNorm, summed.sums(), finite, exchangeS);
                }
            } finally {
                local.values().forEach(NDArray::close); // handles only: the gradients stay with the parameters
            }
        }

        /**
         * The gradients as float32 arrays multiplied by {@code factor}: the given ones when they
         * already are (factor 1), new arrays in {@code manager} otherwise.
         */
        private static Map<String, NDArray> float32(Map<String, NDArray> grads, double factor, NDManager manager) {
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : grads.entrySet()) {
                NDArray g = e.getValue();
                if (g.getDataType() == DataType.FLOAT32 && factor == 1) {
                    out.put(e.getKey(), g);
                } else {
                    NDArray wide = g.toType(DataType.FLOAT32, true);
                    wide.attach(manager);
                    out.put(e.getKey(), factor == 1 ? wide : wide.muli((float) factor));
                }
            }
            return out;
        }

        /** Resumes from checkpoint folder {@code dir}. */
        void load(Path dir) {
            if (sharded != null) {
                sharded.load(dir.resolve(ShardedAdamW.fileName(rank, size)));
            } else {
                Path file = dir.resolve(RunFiles.OPTIMIZER);
                if (!java.nio.file.Files.isRegularFile(file)
                        && java.nio.file.Files.isRegularFile(dir.resolve(ShardedAdamW.fileName(0, size)))) {
                    throw new IllegalArgumentException("checkpoint " + dir + " holds sharded optimizer state: resume "
                            + "with --shard-optimizer and the same --workers");
                }
                whole.load(file);
            }
        }

        /**
         * Sharded: writes this worker's shard into checkpoint folder {@code dir}, then waits until
         * every worker has (a collective call); otherwise nothing.
         */
        void saveShard(Path dir, GradientExchange exchange) {
            if (sharded != null) {
                sharded.save(dir.resolve(ShardedAdamW.fileName(rank, size)));
                if (size > 1) {
                    exchange.sum(new double[1]);
                }
            }
        }

        /** Unsharded: writes the whole state into checkpoint folder {@code dir}. */
        void saveWhole(Path dir) {
            if (whole != null) {
                whole.save(dir.resolve(RunFiles.OPTIMIZER));
            }
        }

        @Override
        public void close() {
            if (whole != null) {
                whole.close();
            }
            if (sharded != null) {
                sharded.close();
            }
        }
    }

    /** One {@code metrics.jsonl} line from the summed metrics of all workers. */
    private Map<String, Object> metrics(int step, double lr, double gradNorm, double[] sums, double stepS,
            double exchangeS) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("step", step);
        line.put("epoch", round(plan.epochAt(step)));
        Map<String, Object> own = new LinkedHashMap<>(objective.metrics(sums));
        line.put("loss", own.remove("loss"));
        line.put("lr", lr);
        line.put("grad_norm", gradNorm);
        line.putAll(own);
        line.put("tokens_per_s", sums[sums.length - 1] / stepS);
        line.put("step_s", round(stepS));
        line.put("exchange_s", round(exchangeS));
        return line;
    }

    /** LoRA settings as a checkpoint records them ({@code "none"} without LoRA), so that a resume can compare. */
    static String describe(LoraConfig lora) {
        return lora == null ? "none" : "rank " + lora.rank() + ", alpha " + lora.alpha() + ", targets "
                + String.join(",", lora.targets());
    }

    private static double round(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    private static String describe(Map<String, Object> line) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Object> e : line.entrySet()) {
            if (!e.getKey().equals("step")) {
                Object v = e.getValue();
                sb.append(e.getKey()).append('=').append(v instanceof Double d ? String.format(Locale.ROOT, "%.5g", d) : v)
                        .append(' ');
            }
        }
        return sb.toString().trim();
    }

    /**
     * Writes the final model alone to {@code OUT/model/} (in {@code --save-dtype}), or with LoRA the
     * adapter to {@code OUT/adapter/} and, with {@code --merge-lora}, the base with the adapter merged
     * to {@code OUT/model/}, each first into {@code OUT/_NAME.partial/} and then renamed, so that a
     * failed save leaves no folder that looks complete; then the run's {@code trainer_state.json}
     * beside them, marking it complete.
     */
    private void saveFinal(DecoderLM model, LoraAdapters adapters, Path source, RunFiles files, int step,
            LossScaler scaler) {
        long t0 = System.nanoTime();
        DType storeAs = config.saveDtype();
        // each folder is written beside its place and renamed into it whole
        if (adapters != null) {
            Path partial = RunFiles.partial(files.adapter());
            adapters.save(partial, config.model());
            RunFiles.publish(partial, files.adapter());
            LOG.info("Saved the LoRA adapter after step {} to {}", step, files.adapter());
        }
        if (adapters == null || config.mergeLora()) {
            if (adapters != null) {
                model.attach(null);
                adapters.mergeInto(model);
            }
            Path partial = RunFiles.partial(files.model());
            ModelWriter.save(model, source, partial, storeAs);
            RunFiles.publish(partial, files.model());
            LOG.info("Saved the final model after step {} to {}", step, files.model());
        }
        RunFiles.writeState(files.out(), state(step, storeAs, scaler));
        LOG.info("Saved the run's final state in {} ms", (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Writes the model (with LoRA, the adapter alone), the optimizer state (unless sharded: then each
     * worker has written its own) and the data position (last, marking the checkpoint complete).
     */
    private void save(DecoderLM model, LoraAdapters adapters, Optimizer optimizer, Path source, Path dir, int step,
            DType storeAs, LossScaler scaler) {
        long t0 = System.nanoTime();
        if (adapters != null) {
            adapters.save(dir, config.model());
        } else {
            ModelWriter.save(model, source, dir, storeAs);
        }
        optimizer.saveWhole(dir);
        RunFiles.writeState(dir, state(step, storeAs, scaler));
        LOG.info("Saved checkpoint after step {} to {} in {} ms", step, dir, (System.nanoTime() - t0) / 1_000_000);
    }

    private Map<String, Object> state(int step, DType storeAs, LossScaler scaler) {
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        state.put("total_steps", plan.totalSteps());
        state.put("epoch", plan.epochAt(step));
        state.put("examples", plan.examples());
        state.put("global_batch", plan.globalBatch());
        state.put("seed", plan.seed());
        state.put("weights_dtype", storeAs.name());
        state.put("optimizer_shards", config.shardOptimizer() ? config.workers() : 0);
        state.put("compute_dtype", config.precision().dtype().label());
        state.put("lora", describe(config.lora()));
        if (scaler != null) {
            state.put("loss_scale", scaler.scale());
            state.put("loss_scale_good_steps", scaler.goodSteps());
        }
        return state;
    }
}
