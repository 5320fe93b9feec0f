package org.stepdpo.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.stepdpo.model.io.DType;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.spark.ExchangeMode;
import org.stepdpo.spark.LocalPaths;

/**
 * Every knob of a training run (TrainStepDpoJob or SftJob), validated on construction and saved as
 * {@code train_config.json} beside the model. Defaults are the seed's where it has one.
 *
 * @param model           HF model directory to start from (the frozen reference too), readable on every executor
 * @param data            training data files (JSONL or Parquet)
 * @param out             output directory: a local or shared path every executor can write
 * @param task            what trains: Step-DPO (pairs' step k), DPO (full responses) or SFT
 * @param prompt          training template ({@link PromptTemplates#TRAINING_NAMES})
 * @param maxLength       prompt + response tokens at most (1024)
 * @param maxPromptLength prompt tokens kept when too long, from the end (512)
 * @param loss            preference loss (null for sft)
 * @param optim           optimizer and schedule
 * @param workers         data-parallel workers (barrier tasks)
 * @param perDeviceBatch  examples per micro-batch per worker
 * @param gradAccum       micro-batches per worker per optimizer step
 * @param epochs          passes over the data (when maxSteps is 0)
 * @param maxSteps        optimizer steps (0: epochs decide)
 * @param saveSteps       checkpoint every this many steps (0: only at the end)
 * @param seed            data order seed
 * @param exchange        gradient exchange between workers
 * @param reference       where reference log-probs are stored and reused (null: OUT/reference)
 * @param referenceBatch  pairs scored together in the reference pass
 * @param saveDtype       dtype of the final weights: F32, BF16 or F16 ({@link #parseSaveDtype})
 * @param saveTotalLimit  checkpoints kept, the newest (0: all)
 * @param deviceMemory    bytes of one worker's device memory (0: unknown); a run whose
 *                        {@link MemoryPlan} needs more is refused before any task starts
 * @param maxSkippedSteps steps with a non-finite loss or gradient that are skipped (not applied) before
 *                        the run stops, its last checkpoint intact
 * @param precision       compute dtype of the weights and, for float16, the dynamic loss scaling
 * @param shardOptimizer  AdamW state split over the workers ({@link ShardedAdamW}, ZeRO stage 1/2); each
 *                        checkpoint holds one optimizer file per worker
 * @param lora            LoRA adapters to train on the frozen base (null: every weight trains); the final
 *                        adapter goes to {@code OUT/adapter/} in PEFT's format
 * @param mergeLora       with {@code lora}: also write the base with the adapter merged into it as a plain
 *                        HF model directory, {@code OUT/model/}
 * @param resume          continue from the latest checkpoint under {@code out}
 * @param overwrite       replace {@code out} when it already holds files
 */
public record TrainConfig(String model, List<String> data, String out, Task task, String prompt, int maxLength,
        int maxPromptLength, PreferenceLoss.Config loss, Optim optim, int workers, int perDeviceBatch, int gradAccum,
        int epochs, int maxSteps, int saveSteps, long seed, ExchangeMode exchange, String reference, int referenceBatch,
        DType saveDtype, int saveTotalLimit, long deviceMemory, int maxSkippedSteps, Precision precision,
        boolean shardOptimizer, org.stepdpo.model.LoraConfig lora, boolean mergeLora, boolean resume, boolean overwrite)
        implements Serializable {

    /** What a run trains, by the name {@code --loss} (or the job, for SFT) gives it. */
    public enum Task {
        STEP_DPO("step-dpo", Objective.STEP_DPO), DPO("dpo", Objective.DPO), SFT("sft", null);

        private final String label;
        private final Objective objective;

        Task(String label, Objective objective) {
            this.label = label;
            this.objective = objective;
        }

        public String label() {
            return label;
        }

        /** The preference objective (null for SFT). */
        public Objective objective() {
            return objective;
        }

        /** The task named {@code value}: {@code step-dpo}, {@code dpo} or {@code sft}. */
        public static Task parse(String value) {
            for (Task t : values()) {
                if (t.label.equals(value)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("--loss must be step-dpo or dpo, got '" + value + "'");
        }
    }

    /** The stored dtypes {@code --save-dtype} offers, by its values. */
    private static final Map<String, DType> SAVE_DTYPES = Map.of("float32", DType.F32, "bfloat16", DType.BF16,
            "float16", DType.F16);
    /** Default of {@code --max-skipped-steps}. */
    public static final int DEFAULT_MAX_SKIPPED_STEPS = 10;

    /**
     * @param lr           peak learning rate (seed: 5e-7)
     * @param scheduler    the learning-rate schedule
     * @param warmupRatio  share of the steps spent warming up (seed: 0.1)
     * @param weightDecay  AdamW decoupled decay, not applied to norms and biases
     * @param maxGradNorm  global-norm clipping threshold (0: off)
     */
    public record Optim(double lr, LrSchedule.Kind scheduler, double warmupRatio, double weightDecay, double maxGradNorm)
            implements Serializable {
        public Optim {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
            }
            if (scheduler == null) {
                throw new IllegalArgumentException("--lr-scheduler: cosine, linear or constant");
            }
            if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
                throw new IllegalArgumentException("--warmup-ratio must be in [0, 1], got " + warmupRatio);
            }
            if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
                throw new IllegalArgumentException("--weight-decay must be >= 0, got " + weightDecay);
            }
            if (!(maxGradNorm >= 0) || Double.isInfinite(maxGradNorm)) {
                throw new IllegalArgumentException("--max-grad-norm must be >= 0 (0: no clipping), got " + maxGradNorm);
            }
        }
    }

    /**
     * Mixed precision, as DeepSpeed's fp16 mode: the weights run forward and backward in
     * {@code dtype}; in float16 the optimizer keeps float32 master weights, the loss is multiplied by
     * a scale before the backward pass and the gradients divided by it after, and a step whose
     * gradients overflow is skipped and halves the scale, which doubles after {@code lossScaleWindow}
     * steps without overflow.
     *
     * @param dtype            compute dtype of the weights
     * @param initialLossScale the first loss scale (float16 only; DeepSpeed's default 2^16)
     * @param lossScaleWindow  steps without overflow before the scale doubles (float16 only)
     */
    public record Precision(MemoryPlan.DType dtype, double initialLossScale, int lossScaleWindow) implements Serializable {
        /** float32: no loss scaling. */
        public static final Precision FLOAT32 = new Precision(MemoryPlan.DType.FLOAT32, 1, 1000);
        /** Default first loss scale in float16. */
        public static final double DEFAULT_INITIAL_LOSS_SCALE = 65536;
        /** Default steps between scale increases in float16. */
        public static final int DEFAULT_LOSS_SCALE_WINDOW = 1000;

        public Precision {
            require(dtype != null, "--dtype: float32 or float16");
            require(initialLossScale >= 1 && !Double.isInfinite(initialLossScale),
                    "--initial-loss-scale must be a finite number >= 1, got " + initialLossScale);
            require(lossScaleWindow >= 1, "--loss-scale-window must be at least 1, got " + lossScaleWindow);
        }

        /** float16 with the given scaling. */
        public static Precision float16(double initialLossScale, int lossScaleWindow) {
            return new Precision(MemoryPlan.DType.FLOAT16, initialLossScale, lossScaleWindow);
        }

        /** Whether the loss is scaled (float16). */
        public boolean scaled() {
            return dtype == MemoryPlan.DType.FLOAT16;
        }
    }

    public TrainConfig {
        require(model != null && !model.isBlank(), "--model: a model directory is required");
        require(data != null && !data.isEmpty(), "--data: at least one input file is required");
        require(out != null && !out.isBlank(), "--out: an output directory is required");
        require(task != null, "--loss: step-dpo or dpo");
        require(PromptTemplates.TRAINING_NAMES.contains(prompt), "--prompt: unknown training template '" + prompt
                + "'; expected one of " + String.join(", ", PromptTemplates.TRAINING_NAMES));
        require(maxLength > 1, "--max-length must be at least 2, got " + maxLength);
        require(maxPromptLength > 0 && maxPromptLength < maxLength, "--max-prompt-length must be in [1, --max-length), got "
                + maxPromptLength + " with --max-length " + maxLength);
        require(task == Task.SFT || loss != null, "a preference task needs a loss configuration");
        require(workers >= 1, "--workers must be at least 1, got " + workers);
        require(perDeviceBatch >= 1, "--per-device-batch must be at least 1, got " + perDeviceBatch);
        require(gradAccum >= 1, "--grad-accum must be at least 1, got " + gradAccum);
        require(maxSteps >= 0, "--max-steps must be >= 0 (0: use --epochs), got " + maxSteps);
        require(maxSteps > 0 || epochs >= 1, "--epochs must be at least 1, got " + epochs);
        require(saveSteps >= 0, "--save-steps must be >= 0 (0: only at the end), got " + saveSteps);
        require(exchange != null, "--exchange: socket or allgather");
        require(referenceBatch >= 1, "--reference-batch must be at least 1, got " + referenceBatch);
        require(SAVE_DTYPES.containsValue(saveDtype), "--save-dtype must be float32, bfloat16 or float16, got "
                + saveDtype);
        require(saveTotalLimit >= 0, "--save-total-limit must be >= 0 (0: keep every checkpoint), got " + saveTotalLimit);
        require(deviceMemory >= 0, "--device-memory must be positive, got " + deviceMemory);
        require(maxSkippedSteps >= 0, "--max-skipped-steps must be >= 0, got " + maxSkippedSteps);
        require(precision != null, "a training precision is required");
        require(!mergeLora || lora != null, "--merge-lora needs --lora-rank: there is no adapter to merge");
        require(!(resume && overwrite), "--resume and --overwrite exclude each other");
        data = List.copyOf(data);
        // Executors read the model and write the run with local file I/O from folders of their own,
        // so relative paths are resolved here, where the job starts.
        model = LocalPaths.absolute(model);
        out = LocalPaths.absolute(out);
        reference = reference == null ? null : LocalPaths.absolute(reference);
    }

    /** A builder holding this configuration's values, for a variant of it (validated again on {@link Builder#build}). */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Changes some values of a configuration; the others stay. */
    public static final class Builder {
        private String model;
        private List<String> data;
        private String out;
        private Task task;
        private String prompt;
        private int maxLength;
        private int maxPromptLength;
        private PreferenceLoss.Config loss;
        private Optim optim;
        private int workers;
        private int perDeviceBatch;
        private int gradAccum;
        private int epochs;
        private int maxSteps;
        private int saveSteps;
        private long seed;
        private ExchangeMode exchange;
        private String reference;
        private int referenceBatch;
        private DType saveDtype;
        private int saveTotalLimit;
        private long deviceMemory;
        private int maxSkippedSteps;
        private Precision precision;
        private boolean shardOptimizer;
        private org.stepdpo.model.LoraConfig lora;
        private boolean mergeLora;
        private boolean resume;
        private boolean overwrite;

        private Builder(TrainConfig c) {
            model = c.model;
            data = c.data;
            out = c.out;
            task = c.task;
            prompt = c.prompt;
            maxLength = c.maxLength;
            maxPromptLength = c.maxPromptLength;
            loss = c.loss;
            optim = c.optim;
            workers = c.workers;
            perDeviceBatch = c.perDeviceBatch;
            gradAccum = c.gradAccum;
            epochs = c.epochs;
            maxSteps = c.maxSteps;
            saveSteps = c.saveSteps;
            seed = c.seed;
            exchange = c.exchange;
            reference = c.reference;
            referenceBatch = c.referenceBatch;
            saveDtype = c.saveDtype;
            saveTotalLimit = c.saveTotalLimit;
            deviceMemory = c.deviceMemory;
            maxSkippedSteps = c.maxSkippedSteps;
            precision = c.precision;
            shardOptimizer = c.shardOptimizer;
            lora = c.lora;
            mergeLora = c.mergeLora;
            resume = c.resume;
            overwrite = c.overwrite;
        }

        public Builder model(String value) {
            model = value;
            return this;
        }

        public Builder data(List<String> value) {
            data = value;
            return this;
        }

        public Builder out(String value) {
            out = value;
            return this;
        }

        public Builder task(Task value) {
            task = value;
            return this;
        }

        public Builder prompt(String value) {
            prompt = value;
            return this;
        }

        public Builder maxLength(int value) {
            maxLength = value;
            return this;
        }

        public Builder maxPromptLength(int value) {
            maxPromptLength = value;
            return this;
        }

        public Builder loss(PreferenceLoss.Config value) {
            loss = value;
            return this;
        }

        public Builder optim(Optim value) {
            optim = value;
            return this;
        }

        public Builder workers(int value) {
            workers = value;
            return this;
        }

        public Builder perDeviceBatch(int value) {
            perDeviceBatch = value;
            return this;
        }

        public Builder gradAccum(int value) {
            gradAccum = value;
            return this;
        }

        public Builder epochs(int value) {
            epochs = value;
            return this;
        }

        public Builder maxSteps(int value) {
            maxSteps = value;
            return this;
        }

        public Builder saveSteps(int value) {
            saveSteps = value;
            return this;
        }

        public Builder seed(long value) {
            seed = value;
            return this;
        }

        public Builder exchange(ExchangeMode value) {
            exchange = value;
            return this;
        }

        public Builder reference(String value) {
            reference = value;
            return this;
        }

        public Builder referenceBatch(int value) {
            referenceBatch = value;
            return this;
        }

        public Builder saveDtype(DType value) {
            saveDtype = value;
            return this;
        }

        public Builder saveTotalLimit(int value) {
            saveTotalLimit = value;
            return this;
        }

        public Builder deviceMemory(long value) {
            deviceMemory = value;
            return this;
        }

        public Builder maxSkippedSteps(int value) {
            maxSkippedSteps = value;
            return this;
        }

        public Builder precision(Precision value) {
            precision = value;
            return this;
        }

        public Builder shardOptimizer(boolean value) {
            shardOptimizer = value;
            return this;
        }

        public Builder mergeLora(boolean value) {
            mergeLora = value;
            return this;
        }

        public Builder resume(boolean value) {
            resume = value;
            return this;
        }

        public Builder overwrite(boolean value) {
            overwrite = value;
            return this;
        }

        /** LoRA adapters (null: none) and whether the final model is also written merged. */
        public Builder lora(org.stepdpo.model.LoraConfig value, boolean merge) {
            lora = value;
            mergeLora = merge;
            return this;
        }

        public TrainConfig build() {
            return new TrainConfig(model, data, out, task, prompt, maxLength, maxPromptLength, loss, optim, workers,
                    perDeviceBatch, gradAccum, epochs, maxSteps, saveSteps, seed, exchange, reference, referenceBatch,
                    saveDtype, saveTotalLimit, deviceMemory, maxSkippedSteps, precision, shardOptimizer, lora, mergeLora,
                    resume, overwrite);
        }
    }

    /** The stored dtype {@code --save-dtype} names: float32, bfloat16 or float16. */
    public static DType parseSaveDtype(String value) {
        DType d = value == null ? null : SAVE_DTYPES.get(value.trim().toLowerCase(java.util.Locale.ROOT));
        if (d == null) {
            throw new IllegalArgumentException("--save-dtype must be float32, bfloat16 or float16, got '" + value + "'");
        }
        return d;
    }

    /** The {@code --save-dtype} value of a stored dtype. */
    static String saveDtypeLabel(DType d) {
        return SAVE_DTYPES.entrySet().stream().filter(e -> e.getValue() == d).map(Map.Entry::getKey).findFirst()
                .orElseThrow();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /** Examples per optimizer step. */
    public int globalBatch() {
        return workers * perDeviceBatch * gradAccum;
    }

    /** Whether the task trains on preference pairs. */
    public boolean preference() {
        return task != Task.SFT;
    }

    /** Where reference log-probs live. */
    public String referenceDir() {
        return reference != null ? reference : out + "/reference";
    }

    /** The configuration as saved in {@code train_config.json}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("data", data);
        m.put("out", out);
        m.put("task", task.label());
        m.put("prompt", prompt);
        m.put("max_length", maxLength);
        m.put("max_prompt_length", maxPromptLength);
        if (loss != null) {
            m.put("loss_type", loss.kind().name().toLowerCase(java.util.Locale.ROOT));
            m.put("beta", loss.beta());
            m.put("label_smoothing", loss.labelSmoothing());
            m.put("rpo_alpha", loss.rpoAlpha());
        }
        m.put("lr", optim.lr());
        m.put("lr_scheduler", optim.scheduler().name().toLowerCase(java.util.Locale.ROOT));
        m.put("warmup_ratio", optim.warmupRatio());
        m.put("weight_decay", optim.weightDecay());
        m.put("max_grad_norm", optim.maxGradNorm());
        m.put("workers", workers);
        m.put("per_device_batch", perDeviceBatch);
        m.put("grad_accum", gradAccum);
        m.put("global_batch", globalBatch());
        m.put("epochs", epochs);
        m.put("max_steps", maxSteps);
        m.put("save_steps", saveSteps);
        m.put("seed", seed);
        m.put("exchange", exchange.flagValue());
        m.put("reference", referenceDir());
        m.put("reference_batch", referenceBatch);
        m.put("save_dtype", saveDtypeLabel(saveDtype));
        m.put("save_total_limit", saveTotalLimit);
        if (deviceMemory > 0) {
            m.put("device_memory", deviceMemory);
        }
        m.put("max_skipped_steps", maxSkippedSteps);
        m.put("dtype", precision.dtype().label());
        if (precision.scaled()) {
            m.put("initial_loss_scale", precision.initialLossScale());
            m.put("loss_scale_window", precision.lossScaleWindow());
        }
        m.put("shard_optimizer", shardOptimizer);
        if (lora != null) {
            m.put("lora_rank", lora.rank());
            m.put("lora_alpha", lora.alpha());
            m.put("lora_dropout", lora.dropout());
            m.put("lora_targets", lora.targets());
            m.put("merge_lora", mergeLora);
        }
        return m;
    }
}
