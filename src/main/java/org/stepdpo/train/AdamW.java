package org.stepdpo.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.stepdpo.model.io.Checkpoint;
import org.stepdpo.model.io.DType;
import org.stepdpo.model.io.SafetensorsWriter;
import org.stepdpo.model.io.TensorInfo;

/**
 * AdamW as {@code torch.optim.AdamW} computes it (amsgrad off, the single-tensor path), on FP32 DJL
 * arrays, with HF Trainer's parameter grouping: no weight decay on biases and norms ({@link #decays}).
 * For step {@code t} (1-based) and each parameter {@code p} with gradient {@code g}:
 * <pre>
 * p *= 1 - lr * weightDecay                      (only where decays(name))
 * m  = beta1 * m + (1 - beta1) * g
 * v  = beta2 * v + (1 - beta2) * g * g
 * denom = sqrt(v) / sqrt(1 - beta2^t) + eps
 * p -= lr / (1 - beta1^t) * m / denom
 * </pre>
 * Parameters are updated strictly in place (they may be views into a larger stacked tensor), with
 * autograd off. Parameters that are not float32 (float16 training) get a float32 master copy here,
 * which the update applies to before rounding it into the parameter, so that updates smaller than
 * float16's resolution still accumulate. The moments live in this optimizer's own manager, a sub-manager of the first
 * parameter's manager on its device; {@link #close()} frees them.
 */
public final class AdamW implements AutoCloseable {

    /** Name prefix of the first-moment tensors in a saved state file. */
    public static final String EXP_AVG = "exp_avg.";
    /** Name prefix of the second-moment tensors in a saved state file. */
    public static final String EXP_AVG_SQ = "exp_avg_sq.";
    /** {@code __metadata__} key of the number of steps taken in a saved state file. */
    public static final String STEP_KEY = "step";
    /** Name prefix of the float32 master weights in a saved state file. */
    public static final String MASTER = "master.";

    private final AdamWConfig config;
    private final Map<String, NDArray> params;
    private final Map<String, NDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, NDArray> expAvgSq = new LinkedHashMap<>();
    private final Map<String, NDArray> masters = new LinkedHashMap<>();
    private final NDManager state;
    private long steps;
    private boolean closed;

    /**
     * An optimizer for {@code parameters} (HF name to array, all on one device), with zeroed moments
     * and float32 masters of the parameters that are not float32. The arrays are kept, not copied:
     * each step writes into them.
     */
    public AdamW(Map<String, NDArray> parameters, AdamWConfig config) {
        this.config = Objects.requireNonNull(config, "config");
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("AdamW needs at least one parameter, got none");
        }
        Device device = null;
        Map<String, NDArray> copy = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            String name = Objects.requireNonNull(e.getKey(), "parameter name");
            NDArray p = Objects.requireNonNull(e.getValue(), () -> "parameter " + name);
            if (p.getDataType() != DataType.FLOAT32 && p.getDataType() != DataType.FLOAT16
                    && p.getDataType() != DataType.BFLOAT16) {
                throw new IllegalArgumentException("parameter " + name + " has dtype " + p.getDataType()
                        + ": AdamW updates FLOAT32, FLOAT16 or BFLOAT16 parameters");
            }
            if (device == null) {
                device = p.getDevice();
            } else if (!device.equals(p.getDevice())) {
                throw new IllegalArgumentException("parameter " + name + " is on " + p.getDevice()
                        + ", expected every parameter on " + device);
            }
            copy.put(name, p);
        }
        this.params = Collections.unmodifiableMap(copy);
        this.state = params.values().iterator().next().getManager().newSubManager(device);
        state.setName("AdamW state");
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            params.forEach((name, p) -> {
                expAvg.put(name, state.zeros(p.getShape(), DataType.FLOAT32));
                expAvgSq.put(name, state.zeros(p.getShape(), DataType.FLOAT32));
                if (p.getDataType() != DataType.FLOAT32) {
                    NDArray master = p.toType(DataType.FLOAT32, true);
                    master.attach(state);
                    masters.put(name, master);
                }
            });
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    /**
     * Whether HF Trainer would apply weight decay to a parameter: not to biases ({@code *.bias}) nor to
     * norms (last module name containing {@code norm}, e.g. {@code input_layernorm}, {@code model.norm}).
     */
    public static boolean decays(String hfName) {
        if (hfName.endsWith(".bias")) {
            return false;
        }
        String[] parts = hfName.split("\\.");
        // the module is the part before the parameter's own name (".weight"); a bare name is its own module
        String module = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
        return !module.toLowerCase(Locale.ROOT).contains("norm");
    }

    /** The hyper-parameters. */
    public AdamWConfig config() {
        return config;
    }

    /** The parameters, in the order given. */
    public Map<String, NDArray> parameters() {
        return params;
    }

    /** Bytes of state held: the two float32 moments of every parameter and the float32 masters. */
    public long stateBytes() {
        long bytes = 0;
        for (NDArray m : expAvg.values()) {
            bytes += 8 * m.size();
        }
        for (NDArray m : masters.values()) {
            bytes += 4 * m.size();
        }
        return bytes;
    }

    /** Number of steps applied so far (torch's {@code state["step"]}). */
    public long stepCount() {
        return steps;
    }

    /**
     * Applies one update with learning rate {@code lr}; {@code grads} must hold one FP32 gradient of the
     * parameter's shape for every parameter, and nothing else. Gradients are only read.
     */
    public void step(Map<String, NDArray> grads, double lr) {
        checkOpen();
        Coefficients.of(config, steps + 1, lr); // checks lr before anything else
        checkGradients(grads);
        long t = steps + 1;
        Coefficients c = Coefficients.of(config, t, lr);
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                String name = e.getKey();
                NDArray master = masters.get(name);
                update(master != null ? master : e.getValue(), grads.get(name), expAvg.get(name), expAvgSq.get(name), c,
                        decays(name));
                if (master != null) {
                    try (NDArray rounded = master.toType(e.getValue().getDataType(), false)) {
                        ShardedAdamW.copyInto(e.getValue(), rounded);
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        steps = t;
    }

    /** The scalars of update {@code t} (1-based) with learning rate {@code lr}, as float32 like the tensors. */
    record Coefficients(float stepSize, float biasCorrection2Sqrt, float decay, float beta1, float beta2,
            float oneMinusBeta1, float oneMinusBeta2, float eps, boolean weightDecay) {
        static Coefficients of(AdamWConfig config, long t, double lr) {
            if (!(lr >= 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("AdamW learning rate must be finite and >= 0, got " + lr);
            }
            double biasCorrection1 = 1 - Math.pow(config.beta1(), t);
            double biasCorrection2 = 1 - Math.pow(config.beta2(), t);
            return new Coefficients((float) (lr / biasCorrection1), (float) Math.sqrt(biasCorrection2),
                    (float) (1 - lr * config.weightDecay()), (float) config.beta1(), (float) config.beta2(),
                    (float) (1 - config.beta1()), (float) (1 - config.beta2()), (float) config.eps(),
                    config.weightDecay() != 0);
        }
    }

    /**
     * One parameter's update in place, with autograd off: {@code p}, {@code m} and {@code v} are
     * written, {@code g} only read. Elementwise, so a slice of a parameter updated alone gets the
     * same values bit for bit as the same elements of the whole.
     */
    static void update(NDArray p, NDArray g, NDArray m, NDArray v, Coefficients c, boolean decays) {
        try (NDScope scope = new NDScope()) { // frees anything else an operation creates
            scope.suppressNotUsedWarning();
            if (c.weightDecay() && decays) {
                p.muli(c.decay());
            }
            // each temporary is closed as soon as it is used: at most two of a parameter's size live
            try (NDArray scaled = g.mul(c.oneMinusBeta1())) {
                m.muli(c.beta1()).addi(scaled);
            }
            try (NDArray squared = g.square()) {
                v.muli(c.beta2()).addi(squared.muli(c.oneMinusBeta2()));
            }
            try (NDArray denom = v.sqrt(); NDArray update = m.div(denom.divi(c.biasCorrection2Sqrt()).addi(c.eps()))) {
                p.subi(update.muli(c.stepSize()));
            }
        }
    }

    /**
     * Writes the moments ({@code exp_avg.<name>}, {@code exp_avg_sq.<name>}, F32) and the step count
     * ({@code __metadata__} {@value #STEP_KEY}, with the hyper-parameters for reference) to one
     * {@code .safetensors} file, replacing it atomically.
     */
    public void save(Path file) {
        checkOpen();
        checkSafetensorsName(file);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        params.keySet().forEach(name -> {
            tensors.add(tensor(EXP_AVG + name, expAvg.get(name)));
            tensors.add(tensor(EXP_AVG_SQ + name, expAvgSq.get(name)));
            if (masters.containsKey(name)) {
                tensors.add(tensor(MASTER + name, masters.get(name)));
            }
        });
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(STEP_KEY, Long.toString(steps));
        metadata.put("optimizer", "adamw");
        metadata.put("beta1", Double.toString(config.beta1()));
        metadata.put("beta2", Double.toString(config.beta2()));
        metadata.put("eps", Double.toString(config.eps()));
        metadata.put("weight_decay", Double.toString(config.weightDecay()));
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /**
     * Replaces the moments and step count with those {@link #save} wrote to {@code file}. Everything is
     * checked before anything changes: the file must hold exactly this optimizer's tensors, F32, with the
     * parameters' shapes, and a step count. The hyper-parameters stay those of this optimizer.
     */
    public void load(Path file) {
        checkOpen();
        checkSafetensorsName(file);
        try (Checkpoint saved = Checkpoint.open(file)) {
            String stepText = saved.metadata().get(STEP_KEY);
            long savedSteps;
            try {
                savedSteps = Long.parseLong(Objects.requireNonNull(stepText));
            } catch (NumberFormatException | NullPointerException e) {
                throw new IllegalArgumentException("optimizer state " + file + " has __metadata__ \"" + STEP_KEY
                        + "\" = " + (stepText == null ? "nothing" : "\"" + stepText + "\"")
                        + ": expected the number of steps taken");
            }
            if (savedSteps < 0) {
                throw new IllegalArgumentException("optimizer state " + file + " has a negative step count "
                        + savedSteps);
            }
            Set<String> expected = new HashSet<>();
            params.forEach((name, p) -> {
                List<String> keys = masters.containsKey(name) ? List.of(EXP_AVG + name, EXP_AVG_SQ + name, MASTER + name)
                        : List.of(EXP_AVG + name, EXP_AVG_SQ + name);
                for (String key : keys) {
                    if (!saved.contains(key)) {
                        throw new IllegalArgumentException("optimizer state " + file + " has no tensor " + key
                                + ": expected the state of parameter " + name);
                    }
                    TensorInfo info = saved.info(key);
                    long[] shape = p.getShape().getShape();
                    if (info.dtype() != DType.F32 || !Arrays.equals(info.shape(), shape)) {
                        throw new IllegalArgumentException("optimizer state " + file + ": tensor " + key + " is "
                                + info.dtype() + " " + Arrays.toString(info.shape()) + ", expected F32 "
                                + Arrays.toString(shape) + " like parameter " + name);
                    }
                    expected.add(key);
                }
            });
            for (String key : saved.names()) {
                if (!expected.contains(key)) {
                    throw new IllegalArgumentException("optimizer state " + file + " has tensor " + key
                            + ", which belongs to no parameter of this optimizer");
                }
            }
            params.keySet().forEach(name -> {
                expAvg.get(name).set(saved.readF32(EXP_AVG + name));
                expAvgSq.get(name).set(saved.readF32(EXP_AVG_SQ + name));
                if (masters.containsKey(name)) {
                    masters.get(name).set(saved.readF32(MASTER + name));
                }
            });
            steps = savedSteps;
        }
    }

    /** Frees the moments; the parameters stay as they are. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            state.close();
        }
    }

    private void checkGradients(Map<String, NDArray> grads) {
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray g = grads.get(e.getKey());
            if (g == null) {
                throw new IllegalArgumentException("no gradient for parameter " + e.getKey()
                        + ": expected one for each of the " + params.size() + " parameters");
            }
            if (!g.getShape().equals(e.getValue().getShape()) || g.getDataType() != DataType.FLOAT32) {
                throw new IllegalArgumentException("gradient of " + e.getKey() + " is " + g.getDataType() + " "
                        + g.getShape() + ", expected FLOAT32 " + e.getValue().getShape());
            }
        }
        for (String name : grads.keySet()) {
            if (!params.containsKey(name)) {
                throw new IllegalArgumentException("gradient for " + name + ", which is not a parameter of this"
                        + " optimizer");
            }
        }
    }

    static SafetensorsWriter.Tensor tensor(String name, NDArray a) {
        long[] shape = a.getShape().getShape();
        ByteBuffer bytes = a.toByteBuffer();
        if (bytes.order() == ByteOrder.LITTLE_ENDIAN) {
            return new SafetensorsWriter.Tensor(name, DType.F32, shape, bytes);
        }
        return SafetensorsWriter.f32(name, shape, bytes.asFloatBuffer(), DType.F32);
    }

    static void checkSafetensorsName(Path file) {
        if (!file.getFileName().toString().endsWith(".safetensors")) {
            throw new IllegalArgumentException("optimizer state file " + file + ": expected a name ending in"
                    + " .safetensors");
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this AdamW is closed: its state is gone");
        }
    }
}
