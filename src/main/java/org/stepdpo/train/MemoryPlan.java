package org.stepdpo.train;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stepdpo.model.HfConfig;

/**
 * What one training worker holds in device memory, by kind, computed from {@code config.json} and
 * the run's settings before any task starts, in the manner of DeepSpeed's memory estimators:
 * <ul>
 *   <li>weights: every parameter in the compute dtype (4 bytes for float32, 2 for float16);</li>
 *   <li>gradients: one per trained parameter in the compute dtype (with LoRA, per adapter
 *       parameter in float32) from the backward pass, and their float32 sums over the workers, which
 *       the optimizer reads (sharded: this worker's 1/N slice; a single float32 worker updates from
 *       its own);</li>
 *   <li>master weights: a float32 copy of the trained parameters when they are computed in float16
 *       (sharded: this worker's 1/N slice);</li>
 *   <li>optimizer state: AdamW's two float32 moments per trained parameter (sharded: 1/N);</li>
 *   <li>activations: the forward pass kept for backward, after Korthikanti et al. (2022), per
 *       layer and sequence {@code s h (34 + 5 a s / h)} bytes in float16 (twice in float32), for
 *       the chosen and the rejected sequence of each example of a micro-batch, plus the float32
 *       logits and their log-softmax.</li>
 * </ul>
 * The reference log-probs are computed before training and stored, so no reference model is held.
 *
 * @param parameters          all parameters of the model
 * @param trainableParameters those that train (the adapters with LoRA)
 * @param settings            what the plan is for
 * @param weights             bytes of the model's weights on one worker
 * @param gradients           bytes of gradients
 * @param masterWeights       bytes of float32 master weights
 * @param optimizerState      bytes of AdamW moments
 * @param activations         bytes of activations of one micro-batch
 */
public record MemoryPlan(long parameters, long trainableParameters, Settings settings, long weights, long gradients,
        long masterWeights, long optimizerState, long activations) {

    /** Compute dtypes of the weights. */
    public enum DType {
        FLOAT32(4), FLOAT16(2);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** {@code float32} or {@code float16}, naming {@code flag} when neither. */
        public static DType parse(String text, String flag) {
            return switch (text == null ? "" : text.toLowerCase(Locale.ROOT)) {
                case "float32", "fp32" -> FLOAT32;
                case "float16", "fp16" -> FLOAT16;
                default -> throw new IllegalArgumentException(flag + " must be float32 or float16, got '" + text + "'");
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The DJL data type of the weights. */
        public ai.djl.ndarray.types.DataType dataType() {
            return this == FLOAT32 ? ai.djl.ndarray.types.DataType.FLOAT32 : ai.djl.ndarray.types.DataType.FLOAT16;
        }
    }

    /**
     * @param workers         data-parallel workers
     * @param dtype           compute dtype of the weights
     * @param shardOptimizer  optimizer state and master weights split over the workers (ZeRO stage 1/2)
     * @param loraRank        adapter rank, 0 for full fine-tuning
     * @param loraTargets     the projections that get adapters
     * @param perDeviceBatch  examples (chosen and rejected pairs) per micro-batch
     * @param maxLength       tokens per sequence at most
     */
    public record Settings(int workers, DType dtype, boolean shardOptimizer, int loraRank, List<String> loraTargets,
            int perDeviceBatch, int maxLength) {
        public Settings {
            require(workers >= 1, "--workers must be at least 1, got " + workers);
            require(loraRank >= 0, "--lora-rank must be 0 or more, got " + loraRank);
            require(perDeviceBatch >= 1, "--per-device-batch must be at least 1, got " + perDeviceBatch);
            require(maxLength >= 1, "--max-length must be at least 1, got " + maxLength);
            loraTargets = List.copyOf(loraTargets);
            for (String t : loraTargets) {
                require(PROJECTIONS.contains(t), "--lora-targets: unknown projection '" + t + "'; expected some of "
                        + PROJECTIONS);
            }
        }
    }

    /** The linear projections of a decoder layer that may carry adapters. */
    public static final List<String> PROJECTIONS = org.stepdpo.model.LoraConfig.PROJECTIONS;

    /** The plan for {@code config} under {@code settings}. */
    public static MemoryPlan of(HfConfig config, Settings settings) {
        long h = config.hiddenSize();
        long q = (long) config.numHeads() * config.headDim();
        long kv = (long) config.numKvHeads() * config.headDim();
        long inter = config.intermediateSize();
        Map<String, long[]> shapes = new LinkedHashMap<>(); // projection -> {in, out}
        shapes.put("q_proj", new long[] {h, q});
        shapes.put("k_proj", new long[] {h, kv});
        shapes.put("v_proj", new long[] {h, kv});
        shapes.put("o_proj", new long[] {q, h});
        shapes.put("gate_proj", new long[] {h, inter});
        shapes.put("up_proj", new long[] {h, inter});
        shapes.put("down_proj", new long[] {inter, h});
        long perLayer = 2 * h; // the two norms
        for (long[] s : shapes.values()) {
            perLayer += s[0] * s[1];
        }
        if (config.attentionBias()) {
            perLayer += q + 2 * kv;
        }
        if (config.outputBias()) {
            perLayer += h;
        }
        if (config.mlpBias()) {
            perLayer += 2 * inter + h;
        }
        long embed = (long) config.vocabSize() * h;
        long params = embed + config.numLayers() * perLayer + h + (config.tieWordEmbeddings() ? 0 : embed);

        long adapters = 0;
        for (String t : settings.loraTargets()) {
            long[] s = shapes.get(t);
            adapters += (long) settings.loraRank() * (s[0] + s[1]);
        }
        adapters *= config.numLayers();
        boolean lora = settings.loraRank() > 0;
        long trainable = lora ? adapters : params;
        int n = settings.shardOptimizer() ? settings.workers() : 1;
        int w = settings.dtype().bytes;

        long weights = params * w + (lora ? adapters * 4L : 0);
        // the backward pass's own gradients, then the float32 sums over the workers that the
        // optimizer reads (this worker's slice when sharded); one float32 worker updates from its own
        long summed = settings.workers() > 1 || settings.dtype() == DType.FLOAT16 ? ceilDiv(trainable * 4L, n) : 0;
        long gradients = (lora ? adapters * 4L : params * w) + summed;
        long master = !lora && settings.dtype() == DType.FLOAT16 ? ceilDiv(params * 4L, n) : 0;
        long optimizer = ceilDiv(trainable * 8L, n);

        long seqs = 2L * settings.perDeviceBatch();
        long s = settings.maxLength();
        double perLayerSeq = s * h * (34.0 + 5.0 * config.numHeads() * s / h) * (w / 2.0);
        long layerActs = (long) (perLayerSeq * config.numLayers() * seqs);
        long logits = 2L * seqs * s * config.vocabSize() * 4L;
        return new MemoryPlan(params, trainable, settings, weights, gradients, master, optimizer, layerActs + logits);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    /** Everything one worker holds. */
    public long total() {
        return weights + gradients + masterWeights + optimizerState + activations;
    }

    /**
     * DeepSpeed's estimate of the model states (weights, gradients, optimizer state) per GPU for
     * full fine-tuning with the same workers, in mixed precision without offload: ZeRO stage 0
     * (no sharding) {@code 16 P}, stage 2 {@code 4 P + 16 P / N}
     * ({@code estimate_zero2_model_states_mem_needs}); -1 with LoRA, which it does not estimate.
     */
    public long deepSpeedModelStates() {
        if (settings.loraRank() > 0) {
            return -1;
        }
        return settings.shardOptimizer() ? 4 * parameters + 16 * parameters / settings.workers() : 16 * parameters;
    }

    /** The plan as JSON-ready values; {@code deviceMemory} 0 when unknown. */
    public Map<String, Object> toMap(long deviceMemory) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("parameters", parameters);
        m.put("trainable_parameters", trainableParameters);
        m.put("workers", settings.workers());
        m.put("dtype", settings.dtype().label());
        m.put("shard_optimizer", settings.shardOptimizer());
        m.put("lora_rank", settings.loraRank());
        if (settings.loraRank() > 0) {
            m.put("lora_targets", settings.loraTargets());
        }
        m.put("per_device_batch", settings.perDeviceBatch());
        m.put("max_length", settings.maxLength());
        Map<String, Object> bytes = new LinkedHashMap<>();
        bytes.put("weights", weights);
        bytes.put("gradients", gradients);
        bytes.put("master_weights", masterWeights);
        bytes.put("optimizer_state", optimizerState);
        bytes.put("activations", activations);
        bytes.put("total", total());
        m.put("per_worker_bytes", bytes);
        m.put("per_worker_gib", gib(total()));
        m.put("model_states_bytes", total() - activations);
        if (deepSpeedModelStates() >= 0) {
            m.put("deepspeed_model_states_bytes", deepSpeedModelStates());
        }
        if (deviceMemory > 0) {
            m.put("device_memory_bytes", deviceMemory);
            m.put("fits", fits(deviceMemory));
        }
        return m;
    }

    public boolean fits(long deviceMemory) {
        return total() <= deviceMemory;
    }

    /**
     * Fails when the plan does not fit {@code deviceMemory} bytes, naming the figures and the
     * settings that would make it fit.
     */
    public void requireFits(long deviceMemory) {
        if (deviceMemory <= 0 || fits(deviceMemory)) {
            return;
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "the model does not fit one worker's device: %.1f GiB needed (weights %.1f, gradients %.1f, master "
                        + "weights %.1f, optimizer state %.1f, activations %.1f), %.1f GiB available (--device-memory)",
                gib(total()), gib(weights), gib(gradients), gib(masterWeights), gib(optimizerState), gib(activations),
                gib(deviceMemory)));
        List<String> fixes = new java.util.ArrayList<>();
        if (settings.perDeviceBatch() > 1) {
            fixes.add("--per-device-batch 1 (with --grad-accum for the same global batch)");
        }
        if (!settings.shardOptimizer() && settings.loraRank() == 0) {
            fixes.add("--shard-optimizer with more --workers");
        }
        if (settings.dtype() == DType.FLOAT32) {
            fixes.add("--dtype float16");
        }
        if (settings.loraRank() == 0) {
            fixes.add("--lora-rank 16");
        }
        fixes.add("a shorter --max-length");
        sb.append("; try ").append(String.join(", ", fixes));
        throw new IllegalArgumentException(sb.toString());
    }

    private static double gib(long bytes) {
        return Math.round(bytes / (double) (1L << 30) * 100) / 100.0;
    }

    private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([kmgt]?)(?:i?b)?", Pattern.CASE_INSENSITIVE);

    /** Bytes from {@code 80g}, {@code 24GiB}, {@code 512m} or a plain number of bytes; names {@code flag} when unreadable. */
    public static long parseBytes(String text, String flag) {
        Matcher m = SIZE.matcher(text == null ? "" : text.strip());
        if (!m.matches()) {
            throw new IllegalArgumentException(flag + " must be a size such as 80g, 24GiB or 512m, got '" + text + "'");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        double value = Double.parseDouble(m.group(1)) * (1L << shift);
        if (!(value > 0)) {
            throw new IllegalArgumentException(flag + " must be positive, got '" + text + "'");
        }
        return (long) value;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
