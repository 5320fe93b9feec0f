package org.stepdpo.model.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * All weights of an HF model directory: {@code model.safetensors}; else
 * {@code model.safetensors.index.json} and its shards; else a single other {@code *.safetensors}.
 * Pickle-based checkpoints ({@code .bin}, {@code .pt}) are refused. Only headers are read when opening;
 * each read fetches one tensor's byte range with positional reads at long offsets, so files over 2 GiB
 * load, and nothing is memory-mapped: closing releases every file at once, without waiting for the
 * garbage collector. Reads may run concurrently from several threads.
 */
public final class Checkpoint implements AutoCloseable {

    /** Most floats one direct buffer can hold (its byte size is an int). */
    static final int MAX_FLOATS = Integer.MAX_VALUE / Float.BYTES;

    /** Elements converted per step when widening or narrowing. */
    private static final int CHUNK_ELEMENTS = 1 << 18;

    private final Path dir;
    private final Map<Path, FileChannel> channels;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;
    private volatile boolean closed;

    private Checkpoint(Path dir, Map<Path, FileChannel> channels, Map<String, TensorInfo> tensors,
            Map<String, String> metadata) {
        this.dir = dir;
        this.channels = channels;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Opens the weights of {@code modelDir} (or one {@code .safetensors} file) and checks every header.
     *
     * @throws IllegalArgumentException when the weights are missing, pickle-based or malformed
     */
    public static Checkpoint open(Path modelDir) {
        CheckpointFiles files = CheckpointFiles.resolve(modelDir);
        Map<Path, FileChannel> channels = new ConcurrentHashMap<>();
        Map<String, String> metadata = null;
        try {
            Map<String, TensorInfo> tensors = new TreeMap<>();
            for (Path file : files.files()) {
                FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
                channels.put(file, channel);
                SafetensorsHeader header = SafetensorsHeader.read(file, channel);
                if (metadata == null) {
                    metadata = header.metadata();
                }
                for (TensorInfo t : header.tensors().values()) {
                    TensorInfo earlier = tensors.put(t.name(), t);
                    if (earlier != null) {
                        throw new IllegalArgumentException("tensor " + t.name() + " is in both " + earlier.file()
                                + " and " + file + ": expected each tensor in one shard");
                    }
                }
            }
            files.checkWeightMap(tensors);
            return new Checkpoint(files.location(), channels, Collections.unmodifiableMap(tensors), metadata);
        } catch (IOException e) {
            closeQuietly(channels.values());
            throw new UncheckedIOException("cannot open the weights in " + modelDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channels.values());
            throw e;
        }
    }

    /** Tensor names, sorted. */
    public Set<String> names() {
        return tensors.keySet();
    }

    /** Whether a tensor of that name exists. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /**
     * Where the tensor lies.
     *
     * @throws IllegalArgumentException naming the tensor and directory when there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor " + name + " in " + dir + " (it has " + tensors.size()
                    + " tensors" + (tensors.isEmpty() ? "" : ", e.g. " + tensors.keySet().iterator().next()) + ")");
        }
        return t;
    }

    /** {@code __metadata__} of the first file (e.g. {@code {"format": "pt"}}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * A whole tensor as F32 in a direct, native-order buffer: F16 and BF16 are widened exactly, F64 is
     * rounded. Tensors of more than {@link #MAX_FLOATS} elements are refused; read them in parts with
     * {@link #readF32(String, long, int)}.
     */
    public FloatBuffer readF32(String name) {
        TensorInfo t = info(name);
        if (t.elements() > MAX_FLOATS) {
            throw new IllegalArgumentException("tensor " + name + " in " + t.file() + " has " + t.elements()
                    + " elements, more than the " + MAX_FLOATS + " one float buffer holds (2 GiB): read it in"
                    + " parts with readF32(name, firstElement, count)");
        }
        return readF32(name, 0, (int) t.elements());
    }

    /** {@link #readF32(String)} after checking the tensor has {@code expectedShape}. */
    public FloatBuffer readF32(String name, long[] expectedShape) {
        TensorInfo t = info(name);
        if (!Arrays.equals(t.shape(), expectedShape)) {
            throw new IllegalArgumentException("tensor " + name + " in " + t.file() + " has shape "
                    + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(expectedShape));
        }
        return readF32(name);
    }

    /**
     * {@code count} consecutive elements (in row-major order) of a float tensor from {@code firstElement}
     * on, as F32 in a direct, native-order buffer.
     */
    public FloatBuffer readF32(String name, long firstElement, int count) {
        TensorInfo t = info(name);
        if (!t.dtype().isFloat()) {
            throw new IllegalArgumentException("tensor " + name + " in " + t.file() + " has dtype " + t.dtype()
                    + ": readF32 reads F32, F16, BF16 or F64");
        }
        checkRange(t, firstElement, count);
        int size = t.dtype().bytes();
        long position = t.dataStart() + firstElement * size;
        ByteBuffer out = ByteBuffer.allocateDirect(count * Float.BYTES).order(ByteOrder.nativeOrder());
        FloatBuffer floats = out.asFloatBuffer();
        try {
            if (t.dtype() == DType.F32 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
                readAt(t, out, position);
                return floats;
            }
            ByteBuffer chunk = ByteBuffer.allocate(Math.min(count, CHUNK_ELEMENTS) * size).order(ByteOrder.LITTLE_ENDIAN);
            float[] converted = new float[Math.min(count, CHUNK_ELEMENTS)];
            for (int done = 0; done < count; ) {
                int n = Math.min(count - done, CHUNK_ELEMENTS);
                chunk.clear().limit(n * size);
                readAt(t, chunk, position + (long) done * size);
                toF32(t.dtype(), chunk, converted, n);
                floats.put(converted, 0, n);
                done += n;
            }
            return floats.flip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor " + name + " from " + t.file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The raw little-endian bytes of a tensor, as stored (any dtype), in a heap buffer. Tensors over
     * 2 GiB are refused.
     */
    public ByteBuffer readBytes(String name) {
        TensorInfo t = info(name);
        if (t.byteLength() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + name + " in " + t.file() + " has " + t.byteLength()
                    + " bytes, more than one buffer holds (2 GiB)");
        }
        ByteBuffer out = ByteBuffer.allocate((int) t.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        try {
            readAt(t, out, t.dataStart());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read tensor " + name + " from " + t.file() + ": " + e.getMessage(), e);
        }
        return out.flip();
    }

    /** Closes every file; reads afterwards fail. */
    @Override
    public synchronized void close() {
        closed = true;
        List<IOException> failures = new ArrayList<>();
        for (FileChannel c : channels.values()) {
            try {
                c.close();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw new UncheckedIOException("cannot close the weight files of " + dir, failures.get(0));
        }
    }

    @Override
    public String toString() {
        return "Checkpoint(" + dir + ", " + tensors.size() + " tensors in " + channels.size() + " files)";
    }

    /**
     * Fills {@code dst} from {@code position} of the tensor's file. An interrupt of a reading thread closes
     * the shared channel (NIO does so); other threads then reopen it and read again.
     */
    private void readAt(TensorInfo t, ByteBuffer dst, long position) throws IOException {
        int start = dst.position();
        while (true) {
            if (closed) {
                throw new IllegalStateException("the checkpoint " + dir + " is closed: cannot read " + t.name());
            }
            FileChannel channel = channels.get(t.file());
            try {
                SafetensorsHeader.readFully(channel, dst, position, t.file());
                return;
            } catch (ClosedChannelException e) {
                if (closed || Thread.currentThread().isInterrupted()) {
                    throw e;
                }
                dst.position(start);
                reopen(t.file(), channel);
            }
        }
    }

    private synchronized void reopen(Path file, FileChannel stale) throws IOException {
        if (!closed && channels.get(file) == stale && !stale.isOpen()) {
            channels.put(file, FileChannel.open(file, StandardOpenOption.READ));
        }
    }

    private static void checkRange(TensorInfo t, long first, int count) {
        if (first < 0 || count < 0 || first > t.elements() - count) {
            throw new IndexOutOfBoundsException("elements [" + first + ", " + (first + count) + ") of tensor "
                    + t.name() + " in " + t.file() + ": it has " + t.elements() + " elements");
        }
        if (count > MAX_FLOATS) {
            throw new IllegalArgumentException("cannot read " + count + " floats of " + t.name()
                    + " into one buffer: at most " + MAX_FLOATS);
        }
    }

    /** Converts {@code n} little-endian elements of {@code dtype} from {@code src} into {@code dst}. */
    private static void toF32(DType dtype, ByteBuffer src, float[] dst, int n) {
        switch (dtype) {
            case F32 -> src.asFloatBuffer().get(dst, 0, n);
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = HalfFloats.bf16ToF32(src.getShort(2 * i));
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = HalfFloats.f16ToF32(src.getShort(2 * i));
                }
            }
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    dst[i] = (float) src.getDouble(8 * i);
                }
            }
            default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
        }
    }

    private static void closeQuietly(Iterable<FileChannel> channels) {
        for (FileChannel c : channels) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already failing: the first error is the one to report
            }
        }
    }
}
