package org.stepdpo.model.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Writes safetensors files that HF's {@code safetensors} library and transformers load: names sorted,
 * data laid out contiguously in header order, the header padded with spaces to a multiple of 8 bytes,
 * and {@code __metadata__} always present ({@code "format": "pt"} unless given). Files are written under
 * a temporary name and then moved into place, so a failed write leaves no partial file behind.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHARD_NAME = Pattern.compile("model-\\d{5}-of-\\d{5}\\.safetensors");

    private SafetensorsWriter() {}

    /**
     * One tensor to write.
     *
     * @param name  tensor name
     * @param dtype element type of {@code data}
     * @param shape dimensions; copied
     * @param data  little-endian bytes of {@code dtype}, {@code remaining() == elements * bytes};
     *              read from its position without moving it
     */
    public record Tensor(String name, DType dtype, long[] shape, ByteBuffer data) {

        public Tensor {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(dtype, "dtype");
            Objects.requireNonNull(data, "data");
            if (name.isEmpty() || name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name \"" + name + "\"");
            }
            shape = shape.clone();
            long needed = Math.multiplyExact(TensorInfo.elements(shape), (long) dtype.bytes());
            if (data.remaining() != needed) {
                throw new IllegalArgumentException("tensor " + name + ": " + dtype + " " + Arrays.toString(shape)
                        + " needs " + needed + " bytes of data, got " + data.remaining());
            }
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Bytes of data. */
        public long byteLength() {
            return data.remaining();
        }
    }

    /**
     * A tensor from F32 values, stored as F32, F16 or BF16 (narrowing rounds to nearest even).
     *
     * @param values {@code elements(shape)} floats from its position on; its position does not move
     */
    public static Tensor f32(String name, long[] shape, FloatBuffer values, DType storeAs) {
        long n = TensorInfo.elements(shape);
        if (values.remaining() != n) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " has " + n
                    + " elements, got " + values.remaining() + " values");
        }
        if (n * storeAs.bytes() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + name + " is over 2 GiB as " + storeAs
                    + ": split it before writing");
        }
        ByteBuffer out = ByteBuffer.allocate((int) n * storeAs.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        int start = values.position();
        switch (storeAs) {
            case F32 -> out.asFloatBuffer().put(values.duplicate());
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(2 * i, HalfFloats.f32ToF16(values.get(start + i)));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out.putShort(2 * i, HalfFloats.f32ToBf16(values.get(start + i)));
                }
            }
            default -> throw new IllegalArgumentException("tensor " + name + ": cannot store F32 values as "
                    + storeAs + ": expected F32, F16 or BF16");
        }
        return new Tensor(name, storeAs, shape, out);
    }

    /** Writes one safetensors file holding {@code tensors} (sorted by name) and {@code metadata}. */
    public static void write(Path file, List<Tensor> tensors, Map<String, String> metadata) {
        List<Tensor> sorted = sortedUnique(tensors);
        Map<String, Object> header = new LinkedHashMap<>();
        Map<String, String> meta = new TreeMap<>(metadata);
        meta.putIfAbsent("format", "pt");
        header.put(SafetensorsHeader.METADATA_KEY, meta);
        long offset = 0;
        for (Tensor t : sorted) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", t.dtype().name());
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[] {offset, offset + t.byteLength()});
            header.put(t.name(), entry);
            offset += t.byteLength();
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode the header of " + file, e);
        }
        int padded = (json.length + 7) / 8 * 8; // so that 8 + header length is a multiple of 8
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        writeAtomically(file, channel -> {
            writeFully(channel, head.flip());
            for (Tensor t : sorted) {
                writeFully(channel, t.data().duplicate());
            }
        });
    }

    /**
     * Writes a model's weights into {@code dir} as HF does: {@code model.safetensors} when the total fits
     * {@code maxShardBytes}, else {@code model-0000i-of-0000n.safetensors} shards (filled in name order; a
     * tensor bigger than the limit gets a shard of its own) and {@code model.safetensors.index.json}.
     * Weight files of an earlier save that this one does not replace are deleted afterwards.
     */
    public static void writeModel(Path dir, List<Tensor> tensors, Map<String, String> metadata, long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        List<Tensor> sorted = sortedUnique(tensors);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        long total = sorted.stream().mapToLong(Tensor::byteLength).sum();
        Set<String> written = new HashSet<>();
        if (total <= maxShardBytes) {
            write(dir.resolve(CheckpointFiles.SINGLE), sorted, metadata);
            written.add(CheckpointFiles.SINGLE);
        } else {
            List<List<Tensor>> shards = new ArrayList<>();
            long shardBytes = 0;
            for (Tensor t : sorted) {
                if (shards.isEmpty() || (shardBytes > 0 && shardBytes + t.byteLength() > maxShardBytes)) {
                    shards.add(new ArrayList<>());
                    shardBytes = 0;
                }
                shards.get(shards.size() - 1).add(t);
                shardBytes += t.byteLength();
            }
            Map<String, String> weightMap = new TreeMap<>();
            for (int i = 0; i < shards.size(); i++) {
                String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
                write(dir.resolve(name), shards.get(i), metadata);
                shards.get(i).forEach(t -> weightMap.put(t.name(), name));
                written.add(name);
            }
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("metadata", Map.of("total_size", total));
            index.put("weight_map", weightMap);
            writeAtomically(dir.resolve(CheckpointFiles.INDEX), channel ->
                    writeFully(channel, ByteBuffer.wrap(JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(index))));
            written.add(CheckpointFiles.INDEX);
        }
        deleteStaleWeights(dir, written);
    }

    private static List<Tensor> sortedUnique(List<Tensor> tensors) {
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Tensor::name));
        for (int i = 1; i < sorted.size(); i++) {
            if (sorted.get(i).name().equals(sorted.get(i - 1).name())) {
                throw new IllegalArgumentException("tensor " + sorted.get(i).name() + " is given twice");
            }
        }
        return sorted;
    }

    /** Removes {@code model.safetensors}, its index and {@code model-*-of-*} shards not just written. */
    private static void deleteStaleWeights(Path dir, Set<String> written) {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                boolean weights = name.equals(CheckpointFiles.SINGLE) || name.equals(CheckpointFiles.INDEX)
                        || SHARD_NAME.matcher(name).matches();
                if (weights && !written.contains(name)) {
                    Files.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove earlier weight files from " + dir + ": " + e.getMessage(), e);
        }
    }

    private interface ChannelWork {
        void run(FileChannel channel) throws IOException;
    }

    /**
     * Writes to a temporary file beside {@code file}, then moves it over {@code file}. The temporary
     * file is created like any other (permissions from the umask), not with
     * {@code Files.createTempFile}, whose owner-only permissions the model would keep: executors or
     * users running under other accounts could not read it.
     */
    private static void writeAtomically(Path file, ChannelWork work) {
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + java.util.UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                work.run(channel);
                channel.force(false);
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write already failed; that error is the one reported
                }
            }
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
        }
    }
}
