package org.stepdpo.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    private static final Path QWEN = TestFiles.fixture("qwen2-tiny");
    private static final Path LLAMA = TestFiles.fixture("llama-tiny");

    @TempDir
    Path tmp;

    @Test
    void singleFileRoundTripIsBitwise() throws IOException {
        List<SafetensorsWriter.Tensor> tensors = rawTensors(LLAMA);
        SafetensorsWriter.writeModel(tmp, tensors, Map.of("note", "copy"), Long.MAX_VALUE);
        assertEquals(List.of("model.safetensors"), fileNames(tmp));
        Path file = tmp.resolve("model.safetensors");
        checkLayout(file);
        assertEquals("copy", TestFiles.header(file).get("__metadata__").get("note").asText());
        assertSameTensors(LLAMA, tmp);
        try (Checkpoint copy = Checkpoint.open(tmp)) {
            assertEquals(Map.of("format", "pt", "note", "copy"), copy.metadata());
        }
    }

    @Test
    void writtenFilesGetTheUmasksPermissionsNotOwnerOnly() throws IOException {
        SafetensorsWriter.writeModel(tmp, rawTensors(LLAMA), Map.of(), Long.MAX_VALUE);
        Path ordinary = Files.createFile(tmp.resolve("ordinary")); // what the umask gives any new file
        assertEquals(Files.getPosixFilePermissions(ordinary),
                Files.getPosixFilePermissions(tmp.resolve("model.safetensors")));
        assertEquals(List.of("model.safetensors", "ordinary"), fileNames(tmp), "no temporary file is left");
    }

    @Test
    void shardedRoundTripWritesAnHfIndex() throws IOException {
        List<SafetensorsWriter.Tensor> tensors = rawTensors(LLAMA);
        long total = tensors.stream().mapToLong(SafetensorsWriter.Tensor::byteLength).sum();
        long max = 60_000; // lm_head and the embeddings (98304 bytes each) get shards of their own
        SafetensorsWriter.writeModel(tmp, tensors, Map.of(), max);

        JsonNode index = TestFiles.JSON.readTree(tmp.resolve("model.safetensors.index.json").toFile());
        assertEquals(total, index.get("metadata").get("total_size").asLong());
        assertEquals(717568, total, "the fixture's own index says the same");
        JsonNode weightMap = index.get("weight_map");
        assertEquals(30, weightMap.size());
        List<String> shards = fileNames(tmp).stream().filter(n -> n.startsWith("model-")).toList();
        int n = shards.size();
        assertTrue(n > 2, "shards: " + shards);
        for (int i = 0; i < n; i++) {
            assertEquals(String.format("model-%05d-of-%05d.safetensors", i + 1, n), shards.get(i));
            Path shard = tmp.resolve(shards.get(i));
            checkLayout(shard);
            JsonNode header = TestFiles.header(shard);
            long bytes = Files.size(shard) - 8 - TestFiles.headerLength(shard);
            assertTrue(bytes <= max || header.size() == 2, shard + " holds " + bytes + " bytes in several tensors");
            header.fieldNames().forEachRemaining(name -> {
                if (!name.equals("__metadata__")) {
                    assertEquals(shard.getFileName().toString(), weightMap.get(name).asText(), name);
                }
            });
        }
        assertSameTensors(LLAMA, tmp);
    }

    @Test
    void bf16WrittenFromWidenedValuesEqualsTheOriginal() throws IOException {
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        try (Checkpoint ckpt = Checkpoint.open(QWEN)) {
            for (String name : ckpt.names()) {
                TensorInfo t = ckpt.info(name);
                tensors.add(SafetensorsWriter.f32(name, t.shape(), ckpt.readF32(name), DType.BF16));
            }
        }
        Path file = tmp.resolve("copy.safetensors");
        SafetensorsWriter.write(file, tensors, Map.of());
        checkLayout(file);
        assertSameTensors(QWEN, file);
    }

    @Test
    void storesF32ValuesAsF16() throws IOException {
        FloatBuffer values = FloatBuffer.wrap(new float[] {9, 1.0f, 65504f, 1e-8f, 0.1f, -0f, Float.NaN});
        values.position(1); // only the values after the position are written
        Path file = tmp.resolve("half.safetensors");
        SafetensorsWriter.write(file, List.of(SafetensorsWriter.f32("h", new long[] {2, 3}, values, DType.F16)),
                Map.of());
        assertEquals(1, values.position(), "the caller's buffer is not moved");
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            assertEquals(DType.F16, ckpt.info("h").dtype());
            assertEquals(0x2e66, ckpt.readBytes("h").getShort(6), "0.1 is the fourth value");
            FloatBuffer back = ckpt.readF32("h", new long[] {2, 3});
            assertEquals(1.0f, back.get(0));
            assertEquals(65504f, back.get(1));
            assertEquals(0f, back.get(2));
            assertEquals(0.0999755859375f, back.get(3));
            assertEquals(0x80000000, Float.floatToRawIntBits(back.get(4)));
            assertTrue(Float.isNaN(back.get(5)));
        }
    }

    @Test
    void aNewSaveReplacesTheOldWeightFiles() throws IOException {
        List<SafetensorsWriter.Tensor> tensors = rawTensors(LLAMA);
        SafetensorsWriter.writeModel(tmp, tensors, Map.of(), 100_000);
        Files.writeString(tmp.resolve("config.json"), "{}");
        assertTrue(fileNames(tmp).size() > 3);
        SafetensorsWriter.writeModel(tmp, tensors, Map.of(), Long.MAX_VALUE);
        assertEquals(List.of("config.json", "model.safetensors"), fileNames(tmp));
        SafetensorsWriter.writeModel(tmp, tensors, Map.of(), 400_000);
        assertEquals(List.of("config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
                "model.safetensors.index.json"), fileNames(tmp));
        assertSameTensors(LLAMA, tmp);
    }

    @Test
    void refusesInconsistentTensors() {
        ByteBuffer eight = ByteBuffer.allocate(8);
        String size = assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter.Tensor("w", DType.F32, new long[] {3}, eight)).getMessage();
        assertEquals("tensor w: F32 [3] needs 12 bytes of data, got 8", size);
        SafetensorsWriter.Tensor a = new SafetensorsWriter.Tensor("w", DType.F32, new long[] {2}, eight);
        String twice = assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.write(tmp.resolve("x.safetensors"), List.of(a, a), Map.of())).getMessage();
        assertTrue(twice.contains("w") && twice.contains("twice"), twice);
        assertThrows(IllegalArgumentException.class,
                () -> SafetensorsWriter.f32("i", new long[] {1}, FloatBuffer.allocate(1), DType.I32));
    }

    /** Every tensor of a checkpoint as stored, bytes untouched. */
    private static List<SafetensorsWriter.Tensor> rawTensors(Path dir) {
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            for (String name : ckpt.names()) {
                TensorInfo t = ckpt.info(name);
                tensors.add(new SafetensorsWriter.Tensor(name, t.dtype(), t.shape(), ckpt.readBytes(name)));
            }
        }
        return tensors;
    }

    private static void assertSameTensors(Path expected, Path actual) {
        try (Checkpoint a = Checkpoint.open(expected); Checkpoint b = Checkpoint.open(actual)) {
            assertEquals(a.names(), b.names());
            for (String name : a.names()) {
                assertEquals(a.info(name).dtype(), b.info(name).dtype(), name);
                assertArrayEquals(a.info(name).shape(), b.info(name).shape(), name);
                assertEquals(a.readBytes(name), b.readBytes(name), name);
            }
        }
    }

    /** What HF's safetensors expects: aligned header, sorted names, contiguous offsets, metadata. */
    private static void checkLayout(Path file) throws IOException {
        long n = TestFiles.headerLength(file);
        assertEquals(0, (8 + n) % 8, file + ": header not 8-byte aligned");
        JsonNode header = TestFiles.header(file);
        assertEquals("pt", header.get("__metadata__").get("format").asText());
        long offset = 0;
        String previous = "";
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            assertTrue(e.getKey().compareTo(previous) > 0, "names sorted: " + e.getKey());
            previous = e.getKey();
            assertEquals(offset, e.getValue().get("data_offsets").get(0).asLong(), e.getKey());
            offset = e.getValue().get("data_offsets").get(1).asLong();
        }
        assertEquals(Files.size(file), 8 + n + offset, file + ": data does not end at the last offset");
    }

    private static List<String> fileNames(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writtenFilesLeaveNoTemporaryFilesBehind() throws IOException {
        SafetensorsWriter.writeModel(tmp, rawTensors(LLAMA), Map.of(), 100_000);
        assertFalse(fileNames(tmp).stream().anyMatch(n -> n.endsWith(".tmp")));
    }
}
