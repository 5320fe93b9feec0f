package org.stepdpo.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.stepdpo.model.io.Checkpoint;
import org.stepdpo.model.io.DType;
import org.stepdpo.model.io.SafetensorsWriter;
import org.stepdpo.model.io.TensorInfo;
import org.stepdpo.spark.GradientExchange;

/**
 * AdamW with its state sharded over the data-parallel workers, as DeepSpeed's ZeRO stages 1 and 2
 * do: the parameters, taken in order, form buckets of whole tensors ({@link GradientBuckets}); each
 * bucket's flat vector splits into one chunk per worker ({@link GradientExchange#chunkStart}), and a
 * worker keeps AdamW's moments, and float32 master weights when the parameters are not float32,
 * for its own chunks only: about 1/N of the unsharded state.
 *
 * <p>One step: each bucket's gradients are reduce-scattered (this worker receives the sum over all
 * workers of its chunk only); the global L2 norm is the sum over the workers of their chunks'
 * squares, so clipping stays global; each worker updates its chunk with {@link AdamW}'s own
 * elementwise arithmetic, and the updated chunks are all-gathered into every worker's parameters.
 * The result equals unsharded AdamW on the summed gradients (up to the order in which the norm's
 * squares are added). A step whose norm or metric sums are not finite is not applied, on every
 * worker alike.
 *
 * <p>{@link #save} writes this worker's chunk of the state to its own file; {@link #load} accepts
 * only a file written by the same rank of the same number of workers.
 */
public final class ShardedAdamW implements AutoCloseable {
    /** Name prefix of the float32 master weights in a saved shard. */
    public static final String MASTER = AdamW.MASTER;

    /** Part of parameter {@code name}, elements {@code [paramOffset, paramOffset + length)} of its flat view. */
    record Segment(String name, long paramOffset, int chunkOffset, int length) {
        String key() {
            return name + "@" + paramOffset;
        }
    }

    /** One bucket: its tensors, its length, this worker's chunk {@code [from, to)} and the parts of it. */
    record Bucket(List<String> names, int floats, int from, int to, List<Segment> segments) {}

    /**
     * What an optimizer step did (this one's or unsharded AdamW's in the trainer): the global gradient
     * norm before clipping, the summed metric sums, whether it was applied, seconds spent exchanging.
     */
    public record Outcome(double gradNorm, double[] sums, boolean applied, double exchangeSeconds) {}

    private final AdamWConfig config;
    private final Map<String, NDArray> params;
    private final int rank;
    private final int size;
    private final List<Bucket> buckets;
    private final NDManager state;
    /** Per segment key: {m, v} or {m, v, master}. */
    private final Map<String, NDArray[]> moments = new LinkedHashMap<>();
    private long steps;
    private boolean closed;

    /**
     * The optimizer of worker {@code rank} of {@code size} for {@code parameters} (HF name to array,
     * all on one device, in the order every worker uses), with zeroed moments and master weights
     * copied from the parameters. The parameter arrays are kept and written by each step.
     */
    public ShardedAdamW(Map<String, NDArray> parameters, AdamWConfig config, int rank, int size, long bucketFloats) {
        this.config = Objects.requireNonNull(config, "config");
        if (parameters.isEmpty()) {
            throw new IllegalArgumentException("AdamW needs at least one parameter, got none");
        }
        if (size < 1 || rank < 0 || rank >= size) {
            throw new IllegalArgumentException("worker " + rank + " of " + size + ": expected 0 <= rank < size");
        }
        this.params = new LinkedHashMap<>(parameters);
        this.rank = rank;
        this.size = size;
        Device device = parameters.values().iterator().next().getDevice();
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            if (!device.equals(e.getValue().getDevice())) {
                throw new IllegalArgumentException("parameter " + e.getKey() + " is on " + e.getValue().getDevice()
                        + ", expected every parameter on " + device);
            }
        }
        this.state = parameters.values().iterator().next().getManager().newSubManager(device);
        state.setName("sharded AdamW state");
        this.buckets = new ArrayList<>();
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (NDManager scratch = state.newSubManager()) {
            for (List<String> names : GradientBuckets.of(sizes(parameters), bucketFloats)) {
                int floats = 0;
                for (String n : names) {
                    floats = Math.addExact(floats, Math.toIntExact(parameters.get(n).size()));
                }
                int from = GradientExchange.chunkStart(rank, floats, size);
                int to = GradientExchange.chunkStart(rank + 1, floats, size);
                List<Segment> segments = new ArrayList<>();
                int at = 0; // where the tensor starts in the bucket
                for (String n : names) {
                    int len = Math.toIntExact(parameters.get(n).size());
                    int lo = Math.max(from, at);
                    int hi = Math.min(to, at + len);
                    if (lo < hi) {
                        Segment s = new Segment(n, lo - at, lo - from, hi - lo);
                        segments.add(s);
                        NDArray p = parameters.get(n);
                        NDArray[] st = p.getDataType() == DataType.FLOAT32
                                ? new NDArray[] {state.zeros(new Shape(s.length())), state.zeros(new Shape(s.length()))}
                                : new NDArray[] {state.zeros(new Shape(s.length())), state.zeros(new Shape(s.length())),
                                        slice(p, s, scratch).toType(DataType.FLOAT32, true)};
                        if (st.length == 3) {
                            st[2].attach(state);
                        }
                        moments.put(s.key(), st);
                    }
                    at += len;
                }
                buckets.add(new Bucket(List.copyOf(names), floats, from, to, List.copyOf(segments)));
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    private static Map<String, Long> sizes(Map<String, NDArray> parameters) {
        Map<String, Long> sizes = new LinkedHashMap<>();
        parameters.forEach((n, p) -> sizes.put(n, p.size()));
        return sizes;
    }

    /** Number of steps applied so far. */
    public long stepCount() {
        return steps;
    }

    /** Bytes of state this worker holds: moments and master weights of its chunks. */
    public long stateBytes() {
        long bytes = 0;
        for (NDArray[] st : moments.values()) {
            for (NDArray a : st) {
                bytes += 4 * a.size();
            }
        }
        return bytes;
    }

    /**
     * One step, a collective call: reduce-scatters {@code grads} (this worker's gradients of every
     * parameter, in any float dtype, multiplied by {@code gradFactor} as they are read, e.g. 1 / the
     * loss scale; only read) and {@code sums}, clips by the global norm ({@code maxGradNorm <= 0}: no
     * clipping), updates this worker's chunks with learning rate {@code lr} and all-gathers them into
     * the parameters.
     */
    public Outcome step(GradientExchange exchange, Map<String, NDArray> grads, double gradFactor, double[] sums,
            double maxGradNorm, double lr) {
        checkOpen();
        if (exchange.size() != size || exchange.rank() != rank) {
            throw new IllegalArgumentException("this optimizer is worker " + rank + " of " + size + ", the exchange "
                    + exchange.rank() + " of " + exchange.size());
        }
        AdamW.Coefficients c = AdamW.Coefficients.of(config, steps + 1, lr);
        float[][] chunks = new float[buckets.size()][];
        long exchangeNanos = 0;
        double[] summed = sums;
        for (int b = 0; b < buckets.size(); b++) {
            Bucket bucket = buckets.get(b);
            float[] flat = new float[bucket.floats()];
            int at = 0;
            for (String n : bucket.names()) {
                NDArray g = Objects.requireNonNull(grads.get(n), () -> "no gradient for parameter " + n);
                float[] part = floats(g, gradFactor);
                System.arraycopy(part, 0, flat, at, part.length);
                at += part.length;
            }
            long tx = System.nanoTime();
            GradientExchange.Summed s = exchange.reduceScatter(flat, b == 0 ? sums : new double[0]);
            exchangeNanos += System.nanoTime() - tx;
            chunks[b] = s.floats();
            if (b == 0) {
                summed = s.doubles();
            }
        }
        double squares = 0;
        for (float[] chunk : chunks) {
            for (float g : chunk) {
                squares += (double) g * g;
            }
        }
        long tx = System.nanoTime();
        double norm = Math.sqrt(size == 1 ? squares : exchange.sum(new double[] {squares})[0]);
        exchangeNanos += System.nanoTime() - tx;
        boolean finite = Double.isFinite(norm);
        for (double v : summed) {
            finite &= Double.isFinite(v);
        }
        if (!finite) {
            return new Outcome(norm, summed, false, exchangeNanos / 1e9);
        }
        double coef = maxGradNorm / (norm + GradClip.EPSILON);
        boolean clip = maxGradNorm > 0 && coef < 1;
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            for (int b = 0; b < buckets.size(); b++) {
                Bucket bucket = buckets.get(b);
                float[] updated = new float[bucket.to() - bucket.from()];
                try (NDManager m = state.newSubManager()) {
                    NDArray g = m.create(chunks[b], new Shape(chunks[b].length));
                    if (clip) {
                        g.muli((float) coef);
                    }
                    for (Segment s : bucket.segments()) {
                        NDArray[] st = moments.get(s.key());
                        NDArray w = st.length == 3 ? st[2] : slice(params.get(s.name()), s, m);
                        NDArray gs = g.get(new NDIndex().addSliceDim(s.chunkOffset(), s.chunkOffset() + s.length()));
                        AdamW.update(w, gs, st[0], st[1], c, AdamW.decays(s.name()));
                        System.arraycopy(w.toFloatArray(), 0, updated, s.chunkOffset(), s.length());
                    }
                    tx = System.nanoTime();
                    float[] whole = exchange.allGather(updated, bucket.floats());
                    exchangeNanos += System.nanoTime() - tx;
                    int at = 0;
                    for (String n : bucket.names()) {
                        NDArray p = params.get(n);
                        int len = Math.toIntExact(p.size());
                        NDArray values = m.create(java.nio.FloatBuffer.wrap(whole, at, len), p.getShape());
                        copyInto(p, p.getDataType() == DataType.FLOAT32 ? values : values.toType(p.getDataType(), false));
                        at += len;
                    }
                }
            }
        } finally {
            JniUtils.setGradMode(grad);
        }
        steps++;
        return new Outcome(norm, summed, true, exchangeNanos / 1e9);
    }

    /** The elements of {@code g} as float32, each multiplied by {@code factor} (exact for a power of two). */
    static float[] floats(NDArray g, double factor) {
        float[] out;
        if (g.getDataType() == DataType.FLOAT32) {
            out = g.toFloatArray();
        } else {
            try (NDArray wide = g.toType(DataType.FLOAT32, false)) {
                out = wide.toFloatArray();
            }
        }
        if (factor != 1) {
            float f = (float) factor;
            for (int i = 0; i < out.length; i++) {
                out[i] *= f;
            }
        }
        return out;
    }

    /** A view of the segment's elements of parameter {@code p}, its handle in {@code manager}. */
    private static NDArray slice(NDArray p, Segment s, NDManager manager) {
        NDArray flat = p.reshape(-1);
        flat.attach(manager);
        NDArray view = flat.get(new NDIndex().addSliceDim(s.paramOffset(), s.paramOffset() + s.length()));
        view.attach(manager);
        return view;
    }

    /** Copies {@code src} into {@code dst} in place ({@code dst} may be a view of a larger tensor). */
    static void copyInto(NDArray dst, NDArray src) {
        dst.set(new NDIndex("..."), src);
    }

    /** The file of worker {@code rank}'s shard of {@code size} in a checkpoint folder. */
    public static String fileName(int rank, int size) {
        return String.format("optimizer-shard-%05d-of-%05d.safetensors", rank, size);
    }

    /**
     * Writes this worker's moments ({@code exp_avg.<name>@<offset>}, {@code exp_avg_sq.…}, and
     * {@code master.…} where kept; F32) with the step count, rank and worker count, atomically.
     */
    public void save(Path file) {
        checkOpen();
        AdamW.checkSafetensorsName(file);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        for (Map.Entry<String, NDArray[]> e : moments.entrySet()) {
            NDArray[] st = e.getValue();
            tensors.add(AdamW.tensor(AdamW.EXP_AVG + e.getKey(), st[0]));
            tensors.add(AdamW.tensor(AdamW.EXP_AVG_SQ + e.getKey(), st[1]));
            if (st.length == 3) {
                tensors.add(AdamW.tensor(MASTER + e.getKey(), st[2]));
            }
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(AdamW.STEP_KEY, Long.toString(steps));
        metadata.put("optimizer", "adamw-sharded");
        metadata.put("rank", Integer.toString(rank));
        metadata.put("world_size", Integer.toString(size));
        try {
            Files.createDirectories(file.getParent());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + file.getParent(), e);
        }
        SafetensorsWriter.write(file, tensors, metadata);
    }

    /**
     * Replaces the state with what {@link #save} wrote to {@code file}, after checking that it is
     * this rank's shard among as many workers, with exactly this optimizer's tensors and shapes.
     */
    public void load(Path file) {
        checkOpen();
        AdamW.checkSafetensorsName(file);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("optimizer state " + file + " is missing: worker " + rank + " of " + size
                    + " resumes from its own shard, which a run with --shard-optimizer and --workers " + size
                    + " writes; resume with the flags of the run that wrote " + file.getParent());
        }
        try (Checkpoint saved = Checkpoint.open(file)) {
            Map<String, String> meta = saved.metadata();
            String savedSize = meta.get("world_size");
            if (!Integer.toString(size).equals(savedSize) || !Integer.toString(rank).equals(meta.get("rank"))) {
                throw new IllegalArgumentException("optimizer state " + file + " is worker " + meta.get("rank") + " of "
                        + savedSize + "'s shard, this is worker " + rank + " of " + size
                        + "; a sharded run resumes with the same --workers");
            }
            long savedSteps;
            try {
                savedSteps = Long.parseLong(Objects.requireNonNull(meta.get(AdamW.STEP_KEY)));
            } catch (NumberFormatException | NullPointerException e) {
                throw new IllegalArgumentException("optimizer state " + file + " has no valid step count");
            }
            Set<String> expected = new HashSet<>();
            for (Map.Entry<String, NDArray[]> e : moments.entrySet()) {
                NDArray[] st = e.getValue();
                List<String> keys = new ArrayList<>(List.of(AdamW.EXP_AVG + e.getKey(), AdamW.EXP_AVG_SQ + e.getKey()));
                if (st.length == 3) {
                    keys.add(MASTER + e.getKey());
                }
                for (String key : keys) {
                    TensorInfo info = saved.contains(key) ? saved.info(key) : null;
                    if (info == null || info.dtype() != DType.F32 || info.shape().length != 1
                            || info.shape()[0] != st[0].size()) {
                        throw new IllegalArgumentException("optimizer state " + file + ": expected tensor " + key
                                + " (F32 [" + st[0].size() + "]), found " + (info == null ? "none"
                                        : info.dtype() + " " + java.util.Arrays.toString(info.shape())));
                    }
                    expected.add(key);
                }
            }
            for (String key : saved.names()) {
                if (!expected.contains(key)) {
                    throw new IllegalArgumentException("optimizer state " + file + " has tensor " + key
                            + ", which belongs to no chunk of this worker");
                }
            }
            for (Map.Entry<String, NDArray[]> e : moments.entrySet()) {
                NDArray[] st = e.getValue();
                st[0].set(saved.readF32(AdamW.EXP_AVG + e.getKey()));
                st[1].set(saved.readF32(AdamW.EXP_AVG_SQ + e.getKey()));
                if (st.length == 3) {
                    st[2].set(saved.readF32(MASTER + e.getKey()));
                }
            }
            steps = savedSteps;
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            state.close();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this optimizer is closed: its state is gone");
        }
    }
}
