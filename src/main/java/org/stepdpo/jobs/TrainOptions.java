package org.stepdpo.jobs;

import java.util.List;
import org.stepdpo.model.LoraConfig;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.spark.ExchangeMode;
import org.stepdpo.spark.LocalPaths;
import org.stepdpo.train.LrSchedule;
import org.stepdpo.train.MemoryPlan;
import org.stepdpo.train.PreferenceLoss;
import org.stepdpo.train.TrainConfig;
import picocli.CommandLine.Option;

/** The flags TrainStepDpoJob and SftJob share: data, model, lengths, optimizer, parallelism, checkpoints. */
final class TrainOptions {
    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "HF model directory to start from (readable at this path on every executor).")
    String model;

    @Option(names = "--data", required = true, split = ",", paramLabel = "FILE",
            description = "Training data, JSONL or Parquet; repeat or separate with commas.")
    List<String> data;

    @Option(names = "--out", required = true, paramLabel = "DIR",
            description = "Output: the trained HF model directory, metrics.jsonl, checkpoints/ (a path every "
                    + "executor can write: local for one machine, shared storage for a cluster).")
    String out;

    @Option(names = "--prompt", paramLabel = "NAME",
            description = "Training template: qwen2-boxed, alpaca, deepseek-math, plain, chat (default: chat when the "
                    + "model has a chat_template, qwen2-boxed otherwise).")
    String prompt;

    @Option(names = "--max-length", paramLabel = "N", description = "Prompt + response tokens at most (default 1024).")
    int maxLength = 1024;

    @Option(names = "--max-prompt-length", paramLabel = "N",
            description = "Prompt tokens kept (from the end) when too long (default 512).")
    int maxPromptLength = 512;

    @Option(names = "--lr-scheduler", paramLabel = "KIND", description = "cosine (default), linear or constant.")
    String scheduler = "cosine";

    @Option(names = "--warmup-ratio", paramLabel = "R", description = "Share of steps warming up (default 0.1).")
    double warmupRatio = 0.1;

    @Option(names = "--weight-decay", paramLabel = "W",
            description = "AdamW decoupled weight decay, not on norms and biases (default 0).")
    double weightDecay = 0.0;

    @Option(names = "--max-grad-norm", paramLabel = "N", description = "Global-norm clipping (default 1; 0: off).")
    double maxGradNorm = 1.0;

    @Option(names = "--workers", paramLabel = "N",
            description = "Data-parallel workers, one barrier task each (one per GPU executor, or CPU; default 1).")
    int workers = 1;

    @Option(names = "--per-device-batch", paramLabel = "B", description = "Examples per micro-batch (default 2).")
    int perDeviceBatch = 2;

    @Option(names = "--grad-accum", paramLabel = "K", description = "Micro-batches per worker per step (default 1).")
    int gradAccum = 1;

    @Option(names = "--epochs", paramLabel = "E", description = "Passes over the data (default 1).")
    int epochs = 1;

    @Option(names = "--max-steps", paramLabel = "S", description = "Optimizer steps; overrides --epochs (default 0).")
    int maxSteps = 0;

    @Option(names = "--save-steps", paramLabel = "S", description = "Checkpoint every S steps (default 0: at the end).")
    int saveSteps = 0;

    @Option(names = "--seed", paramLabel = "S", description = "Data order seed (default 42, as the seed).")
    long seed = 42;

    @Option(names = "--exchange", paramLabel = "MODE",
            description = "Gradient exchange: socket (default, direct between tasks) or allgather (Spark's).")
    String exchange = "socket";

    @Option(names = "--save-dtype", paramLabel = "DTYPE",
            description = "Final weights: float32 (default), bfloat16 or float16. Checkpoints are float32.")
    String saveDtype = "float32";

    @Option(names = "--device-memory", paramLabel = "SIZE", description = "Memory of one worker's device, e.g. 80g: "
            + "a run whose memory plan needs more is refused before any task starts.")
    String deviceMemory;

    @Option(names = "--save-total-limit", paramLabel = "K", description = "Checkpoints kept, the newest (default 0: all).")
    int saveTotalLimit;

    @Option(names = "--max-skipped-steps", paramLabel = "K", description = "Steps with a non-finite loss or gradient "
            + "that are skipped before the run stops (default 10).")
    int maxSkippedSteps = TrainConfig.DEFAULT_MAX_SKIPPED_STEPS;

    @Option(names = "--dtype", paramLabel = "float32|float16", description = "Compute dtype of the weights "
            + "(default float32); float16 trains with float32 master weights and dynamic loss scaling (GPUs).")
    String dtype = "float32";

    @Option(names = "--initial-loss-scale", paramLabel = "S", description = "float16: the first loss scale "
            + "(default 65536); a step whose gradients overflow is skipped and halves it.")
    double initialLossScale = TrainConfig.Precision.DEFAULT_INITIAL_LOSS_SCALE;

    @Option(names = "--loss-scale-window", paramLabel = "K", description = "float16: steps without overflow "
            + "before the loss scale doubles (default 1000).")
    int lossScaleWindow = TrainConfig.Precision.DEFAULT_LOSS_SCALE_WINDOW;

    @Option(names = "--shard-optimizer", description = "Split AdamW's state over the workers (ZeRO stage 1/2): "
            + "gradients reduce-scattered, each worker updates its 1/N share, weights all-gathered.")
    boolean shardOptimizer;

    @Option(names = "--lora-rank", paramLabel = "R", description = "Train rank-R LoRA adapters on the frozen base "
            + "instead of every weight (default 0: full fine-tuning); the adapter is written to OUT/adapter/ in PEFT's "
            + "format.")
    int loraRank;

    @Option(names = "--lora-alpha", paramLabel = "A", description = "LoRA scaling numerator: updates are multiplied "
            + "by A/R (default 2R).")
    Double loraAlpha;

    @Option(names = "--lora-dropout", paramLabel = "P", description = "Dropout on the adapters' input while training "
            + "(default 0).")
    double loraDropout;

    @Option(names = "--lora-targets", split = ",", paramLabel = "PROJ", description = "Projections that get adapters "
            + "(default q_proj,v_proj; any of q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj).")
    List<String> loraTargets = LoraConfig.DEFAULT_TARGETS;

    @Option(names = "--merge-lora", description = "With --lora-rank: also write the base with the adapter merged "
            + "into it as a plain model directory, OUT/model/.")
    boolean mergeLora;

    @Option(names = "--resume", description = "Continue from the latest checkpoint under --out.")
    boolean resume;

    @Option(names = "--overwrite", description = "Replace --out (its reference/ store is kept).")
    boolean overwrite;

    private TrainConfig.Precision precision() {
        MemoryPlan.DType d = MemoryPlan.DType.parse(dtype, "--dtype");
        return d == MemoryPlan.DType.FLOAT32 ? TrainConfig.Precision.FLOAT32
                : TrainConfig.Precision.float16(initialLossScale, lossScaleWindow);
    }

    /** The LoRA settings, or null without {@code --lora-rank}. */
    private LoraConfig lora() {
        if (loraRank == 0 && loraAlpha == null) {
            return null;
        }
        if (loraRank <= 0) {
            throw new IllegalArgumentException("--lora-rank must be at least 1 for LoRA (0: full fine-tuning), got "
                    + loraRank);
        }
        return new LoraConfig(loraRank, loraAlpha == null ? 2.0 * loraRank : loraAlpha, loraDropout, loraTargets);
    }

    /** The validated configuration. */
    TrainConfig config(String task, PreferenceLoss.Config loss, double lr, String reference, int referenceBatch) {
        String template = prompt != null || model == null ? prompt
                : PromptTemplates.defaultFor(LocalPaths.of(model), "qwen2-boxed");
        return new TrainConfig(model, data, out, TrainConfig.Task.parse(task), template, maxLength, maxPromptLength, loss,
                new TrainConfig.Optim(lr, LrSchedule.Kind.parse(scheduler), warmupRatio, weightDecay, maxGradNorm), workers,
                perDeviceBatch, gradAccum, epochs, maxSteps, saveSteps, seed, ExchangeMode.parse(exchange), reference,
                referenceBatch, TrainConfig.parseSaveDtype(saveDtype), saveTotalLimit,
                deviceMemory == null ? 0 : MemoryPlan.parseBytes(deviceMemory, "--device-memory"), maxSkippedSteps,
                precision(), shardOptimizer, lora(), mergeLora, resume,
                overwrite);
    }
}
