package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.stepdpo.model.io.Checkpoint;
import org.stepdpo.model.io.DType;
import org.stepdpo.model.io.SafetensorsWriter;

/**
 * The LoRA adapters of one decoder ({@link LoraConfig}): an A [rank, in] and a B [out, rank] matrix
 * in FP32 for every targeted projection of every layer, in the decoder's manager. Attached to a
 * {@link DecoderLM} ({@link DecoderLM#attach}), they add {@code (alpha / rank) B A dropout(x)} to
 * those projections in training and inference alike.
 *
 * <p>On disk they take PEFT's format, which PEFT's {@code PeftModel.from_pretrained} loads:
 * {@value #CONFIG} (PEFT's {@code LoraConfig} fields) and {@value #WEIGHTS} with keys such as
 * {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}.
 */
public final class LoraAdapters implements AutoCloseable {
    /** PEFT's adapter configuration file. */
    public static final String CONFIG = "adapter_config.json";
    /** PEFT's adapter weights file. */
    public static final String WEIGHTS = "adapter_model.safetensors";
    /** What PEFT puts before a module's HF name in its keys. */
    static final String PEFT_PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final LoraConfig config;
    private final int layers;
    /** By PEFT key, in layer and projection order, A before B. */
    private final Map<String, NDArray> byName;
    /** [layer][index in LoraConfig.PROJECTIONS] -> {A, B}, or null where there is no adapter. */
    private final NDArray[][][] pairs;

    private LoraAdapters(LoraConfig config, int layers, Map<String, NDArray> byName, NDArray[][][] pairs) {
        this.config = config;
        this.layers = layers;
        this.byName = byName;
        this.pairs = pairs;
    }

    /** The HF module name of projection {@code target} in layer {@code layer}. */
    public static String module(int layer, String target) {
        String block = List.of("q_proj", "k_proj", "v_proj", "o_proj").contains(target) ? "self_attn" : "mlp";
        return "model.layers." + layer + "." + block + "." + target;
    }

    /** PEFT's key of the A ({@code "A"}) or B ({@code "B"}) matrix of {@code module}. */
    public static String key(String module, String matrix) {
        return PEFT_PREFIX + module + ".lora_" + matrix + ".weight";
    }

    /**
     * New adapters for {@code model} as PEFT initializes them: A uniform in +-1/sqrt(in) (its
     * Kaiming-uniform with a = sqrt(5)) from {@code seed}, the same on every worker; B zero, so that
     * the adapted model starts equal to the base.
     */
    public static LoraAdapters init(DecoderLM model, LoraConfig config, long seed) {
        Random rng = new Random(seed);
        return build(model, config, (name, shape, isA) -> {
            long n = shape[0] * shape[1];
            float[] values = new float[Math.toIntExact(n)];
            if (isA) {
                float bound = (float) (1 / Math.sqrt(shape[1]));
                for (int i = 0; i < values.length; i++) {
                    values[i] = (rng.nextFloat() * 2 - 1) * bound;
                }
            }
            return FloatBuffer.wrap(values);
        });
    }

    /**
     * The adapters saved in PEFT's format in {@code dir}, for {@code model}. Refused with a message
     * naming the file: another adapter type, options this engine does not apply (DoRA, rsLoRA, per-layer
     * ranks, trained biases or extra modules), missing tensors, tensors for modules that are not
     * targeted, shapes that do not match the model, non-finite values.
     */
    public static LoraAdapters load(DecoderLM model, Path dir) {
        LoraConfig config = readConfig(dir);
        Path file = dir.resolve(WEIGHTS);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("adapter " + dir + ": " + WEIGHTS + " not found");
        }
        try (Checkpoint saved = Checkpoint.open(file)) {
            Set<String> unused = new TreeSet<>(saved.names());
            LoraAdapters adapters = build(model, config, (name, shape, isA) -> {
                if (!saved.contains(name)) {
                    throw new IllegalArgumentException("adapter " + file + ": tensor " + name + " is missing");
                }
                unused.remove(name);
                FloatBuffer values = saved.readF32(name, shape);
                DecoderLM.requireFinite(values, "adapter tensor " + name + " in " + file);
                return values;
            });
            if (!unused.isEmpty()) {
                adapters.close();
                throw new IllegalArgumentException("adapter " + file + " holds tensors this engine does not apply: "
                        + unused.stream().limit(5).toList() + (unused.size() > 5 ? " and " + (unused.size() - 5)
                        + " more" : "") + "; expected the lora_A and lora_B weights of " + config.targets() + " only");
            }
            return adapters;
        }
    }

    /** The LoRA settings of a PEFT adapter folder, checked as {@link #load} does. */
    public static LoraConfig readConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("adapter " + dir + ": " + CONFIG + " not found (expected a PEFT LoRA "
                    + "adapter folder)");
        }
        JsonNode c;
        try {
            c = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException("adapter " + file + ": not valid JSON: " + e.getMessage(), e);
        }
        String where = "adapter " + file + ": ";
        require(c.path("peft_type").asText("").equals("LORA"), where + "peft_type is '" + c.path("peft_type").asText()
                + "', expected LORA");
        require(!c.path("use_dora").asBoolean(false), where + "DoRA adapters (use_dora) are not supported");
        require(!c.path("use_rslora").asBoolean(false), where + "rank-stabilized scaling (use_rslora) is not supported");
        require(!c.path("fan_in_fan_out").asBoolean(false), where + "fan_in_fan_out weights are not supported");
        require(c.path("bias").asText("none").equals("none"), where + "trained biases (bias '" + c.path("bias").asText()
                + "') are not supported");
        require(c.path("modules_to_save").isNull() || c.path("modules_to_save").isMissingNode()
                || c.path("modules_to_save").isEmpty(), where + "modules_to_save is not supported");
        require(c.path("layers_to_transform").isNull() || c.path("layers_to_transform").isMissingNode(),
                where + "layers_to_transform is not supported");
        for (String pattern : List.of("rank_pattern", "alpha_pattern")) {
            require(c.path(pattern).isMissingNode() || c.path(pattern).isNull() || c.path(pattern).isEmpty(),
                    where + pattern + " is not supported");
        }
        require(c.path("r").isIntegralNumber(), where + "r must be an integer");
        require(c.path("lora_alpha").isNumber(), where + "lora_alpha must be a number");
        List<String> targets = new ArrayList<>();
        JsonNode t = c.path("target_modules");
        if (t.isArray()) {
            t.forEach(n -> targets.add(n.asText()));
        } else if (t.isTextual()) {
            targets.add(t.asText());
        }
        try {
            return new LoraConfig(c.path("r").asInt(), c.path("lora_alpha").asDouble(), c.path("lora_dropout").asDouble(0),
                    targets);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
    }

    /** Values of one adapter matrix: its PEFT key, shape and whether it is an A matrix. */
    private interface Values {
        FloatBuffer of(String name, long[] shape, boolean isA);
    }

    private static LoraAdapters build(DecoderLM model, LoraConfig config, Values values) {
        NDManager manager = model.manager();
        Map<String, NDArray> weights = model.weights().byName();
        int layers = model.config().numLayers();
        Map<String, NDArray> byName = new LinkedHashMap<>();
        NDArray[][][] pairs = new NDArray[layers][LoraConfig.PROJECTIONS.size()][];
        try {
            for (int layer = 0; layer < layers; layer++) {
                for (String target : config.targets()) {
                    String module = module(layer, target);
                    long[] w = weights.get(module + ".weight").getShape().getShape(); // [out, in]
                    long[] aShape = {config.rank(), w[1]};
                    long[] bShape = {w[0], config.rank()};
                    NDArray a = manager.create(values.of(key(module, "A"), aShape, true), new Shape(aShape));
                    byName.put(key(module, "A"), a);
                    NDArray b = manager.create(values.of(key(module, "B"), bShape, false), new Shape(bShape));
                    byName.put(key(module, "B"), b);
                    a.setName(key(module, "A"));
                    b.setName(key(module, "B"));
                    pairs[layer][LoraConfig.PROJECTIONS.indexOf(target)] = new NDArray[] {a, b};
                }
            }
        } catch (RuntimeException e) {
            byName.values().forEach(NDArray::close);
            throw e;
        }
        return new LoraAdapters(config, layers, byName, pairs);
    }

    public LoraConfig config() {
        return config;
    }

    /** Decoder layers these adapters were built for. */
    int layers() {
        return layers;
    }

    /** Every adapter matrix by PEFT key (A before B, in layer order): the trainable parameters. */
    public Map<String, NDArray> byName() {
        return byName;
    }

    /** Trainable parameters: the elements of every A and B. */
    public long parameters() {
        return byName.values().stream().mapToLong(NDArray::size).sum();
    }

    /** Whether projection {@code target} of {@code layer} has an adapter. */
    boolean has(int layer, String target) {
        return pairs[layer][LoraConfig.PROJECTIONS.indexOf(target)] != null;
    }

    /**
     * The adapter's update {@code (alpha / rank) B A dropout(x)} for rows {@code x} [rows, in] of
     * projection {@code target} in {@code layer}, in x's dtype (computed in FP32, through the
     * autograd graph when this thread records); null when that projection has no adapter. Dropout
     * applies when {@code training} and the configuration asks for it.
     */
    NDArray delta(NDArray x, int layer, String target, boolean training) {
        NDArray[] ab = pairs[layer][LoraConfig.PROJECTIONS.indexOf(target)];
        if (ab == null) {
            return null;
        }
        NDArray in = Autograd.cast(x, DataType.FLOAT32);
        if (training && config.dropout() > 0) {
            in = in.getNDArrayInternal().dropout(in, (float) config.dropout(), true).singletonOrThrow();
        }
        NDArray update = Linear.apply(Linear.apply(in, ab[0], null), ab[1], null).mul((float) config.scaling());
        return Autograd.cast(update, x.getDataType());
    }

    /**
     * Adds {@code (alpha / rank) B A} into each targeted weight of {@code model} (computed in FP32 and
     * rounded once into the weight's dtype), after which the model computes alone what base and
     * adapters computed together. The model must not be recording gradients for its weights.
     */
    public void mergeInto(DecoderLM model) {
        Autograd.notRecording(() -> {
            Map<String, NDArray> weights = model.weights().byName();
            for (int layer = 0; layer < layers; layer++) {
                for (String target : config.targets()) {
                    NDArray[] ab = pairs[layer][LoraConfig.PROJECTIONS.indexOf(target)];
                    NDArray w = weights.get(module(layer, target) + ".weight");
                    try (NDManager scratch = model.manager().newSubManager()) {
                        NDArray wide = w.toType(DataType.FLOAT32, true);
                        wide.attach(scratch);
                        NDArray update = ab[1].matMul(ab[0]); // in the adapters' manager until attached
                        update.attach(scratch);
                        NDArray merged = wide.add(update.mul((float) config.scaling()));
                        Views.write(w, 0, 0, merged.toType(w.getDataType(), false));
                    }
                }
            }
            return null;
        });
    }

    /**
     * Writes {@value #CONFIG} and {@value #WEIGHTS} (FP32) into {@code dir}, as PEFT's
     * {@code save_pretrained} does; {@code baseModel} goes to {@code base_model_name_or_path}. The
     * weights are written first and the configuration last, each replaced atomically.
     */
    public void save(Path dir, String baseModel) {
        try {
            Files.createDirectories(dir);
            List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : byName.entrySet()) {
                tensors.add(SafetensorsWriter.f32(e.getKey(), e.getValue().getShape().getShape(),
                        FloatBuffer.wrap(e.getValue().toFloatArray()), DType.F32));
            }
            SafetensorsWriter.write(dir.resolve(WEIGHTS), tensors, Map.of("format", "pt"));
            Path tmp = dir.resolve(CONFIG + ".tmp");
            JSON.writeValue(tmp.toFile(), peftConfig(baseModel));
            Files.move(tmp, dir.resolve(CONFIG), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the LoRA adapter to " + dir, e);
        }
    }

    /** PEFT's {@code LoraConfig} fields for these adapters, with PEFT's defaults for what they do not use. */
    Map<String, Object> peftConfig(String baseModel) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("peft_type", "LORA");
        m.put("task_type", "CAUSAL_LM");
        m.put("base_model_name_or_path", baseModel);
        m.put("r", config.rank());
        double alpha = config.alpha();
        m.put("lora_alpha", alpha == Math.rint(alpha) ? (Object) (long) alpha : (Object) alpha);
        m.put("lora_dropout", config.dropout());
        m.put("target_modules", config.targets());
        m.put("bias", "none");
        m.put("fan_in_fan_out", false);
        m.put("inference_mode", true);
        m.put("init_lora_weights", true);
        m.put("modules_to_save", null);
        m.put("layers_to_transform", null);
        m.put("layers_pattern", null);
        m.put("rank_pattern", Map.of());
        m.put("alpha_pattern", Map.of());
        m.put("use_rslora", false);
        m.put("use_dora", false);
        m.put("revision", null);
        return m;
    }

    /** Frees the adapter matrices. */
    @Override
    public void close() {
        byName.values().forEach(NDArray::close);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
