package org.stepdpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every refusal names the file or tensor and what was expected. */
class CheckpointErrorsTest {

    private static final Path QWEN = TestFiles.fixture("qwen2-tiny");
    private static final Path LLAMA = TestFiles.fixture("llama-tiny");

    @TempDir
    Path tmp;

    private String refusal(Path location) {
        return assertThrows(IllegalArgumentException.class, () -> Checkpoint.open(location).close()).getMessage();
    }

    @Test
    void refusesPickleCheckpoints() throws IOException {
        Path bin = Files.writeString(tmp.resolve("pytorch_model.bin"), "PK fake pickle");
        Files.writeString(tmp.resolve("config.json"), "{}");
        assertEquals(bin + " is a pickle-based checkpoint: loading it can run arbitrary code, so only safetensors"
                + " are read; convert it with safetensors' convert script / save_pretrained(safe_serialization=True)",
                refusal(tmp));

        Path other = Files.createDirectory(tmp.resolve("other"));
        Path pt = Files.writeString(other.resolve("weights.pt"), "fake");
        String msg = refusal(other);
        assertTrue(msg.startsWith(pt + " is a pickle-based checkpoint"), msg);
    }

    @Test
    void refusesADirectoryWithoutWeights() throws IOException {
        Files.writeString(tmp.resolve("config.json"), "{}");
        assertEquals("no *.safetensors weights in " + tmp + ": expected model.safetensors or"
                + " model.safetensors.index.json with shards", refusal(tmp));
        String missing = refusal(tmp.resolve("nowhere"));
        assertTrue(missing.contains(tmp.resolve("nowhere").toString()) && missing.contains("does not exist"), missing);
    }

    @Test
    void refusesSeveralFilesWithoutAnIndex() throws IOException {
        for (String shard : new String[] {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
            Files.copy(LLAMA.resolve(shard), tmp.resolve(shard));
        }
        String msg = refusal(tmp);
        assertTrue(msg.contains(tmp.toString()) && msg.contains("model.safetensors.index.json"), msg);
    }

    @Test
    void refusesAnIndexNamingAMissingShard() throws IOException {
        Files.copy(LLAMA.resolve("model.safetensors.index.json"), tmp.resolve("model.safetensors.index.json"));
        Files.copy(LLAMA.resolve("model-00001-of-00002.safetensors"), tmp.resolve("model-00001-of-00002.safetensors"));
        String msg = refusal(tmp);
        assertTrue(msg.contains("model-00002-of-00002.safetensors") && msg.contains("missing"), msg);
    }

    @Test
    void refusesAnIndexThatMapsATensorToTheWrongShard() throws IOException {
        Files.copy(LLAMA.resolve("model-00001-of-00002.safetensors"), tmp.resolve("model-00001-of-00002.safetensors"));
        Files.copy(LLAMA.resolve("model-00002-of-00002.safetensors"), tmp.resolve("model-00002-of-00002.safetensors"));
        String index = Files.readString(LLAMA.resolve("model.safetensors.index.json")).replace(
                "\"model.norm.weight\": \"model-00002-of-00002.safetensors\"",
                "\"model.norm.weight\": \"model-00001-of-00002.safetensors\"");
        Files.writeString(tmp.resolve("model.safetensors.index.json"), index);
        String msg = refusal(tmp);
        assertTrue(msg.contains("model.norm.weight") && msg.contains("model-00002-of-00002.safetensors"), msg);
    }

    @Test
    void refusesATruncatedFile() throws IOException {
        Path file = tmp.resolve("model.safetensors");
        Files.copy(QWEN.resolve("model.safetensors"), file);
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.truncate(9764080 - 10); // cuts into the last tensor only
        }
        assertEquals(file + " is truncated: tensor model.norm.weight needs bytes up to 9764080 but the file has only"
                + " 9764070", refusal(tmp));
    }

    @Test
    void refusesAHeaderLongerThanTheFile() throws IOException {
        ByteBuffer b = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(1000);
        Path file = tmp.resolve("short.safetensors");
        Files.write(file, b.array());
        String msg = refusal(file);
        assertTrue(msg.startsWith(file + " is not a safetensors file or is truncated") && msg.contains("1000")
                && msg.contains("24 bytes"), msg);
        Files.write(file, new byte[] {1, 2, 3});
        assertTrue(refusal(file).startsWith(file + " is not a safetensors file"));
    }

    @Test
    void refusesAHeaderThatIsNotJson() throws IOException {
        Path file = TestFiles.rawFile(tmp.resolve("bad.safetensors"), "{\"w\": {\"dtype\": \"F32\",,}  ", new byte[0]);
        String msg = refusal(file);
        assertTrue(msg.startsWith(file + " has a header that is not valid JSON"), msg);
        TestFiles.rawFile(file, "[1, 2]  ", new byte[0]);
        assertEquals(file + " has a header that is not a JSON object", refusal(file));
    }

    @Test
    void refusesOffsetsThatDoNotMatchDtypeAndShape() throws IOException {
        Path file = TestFiles.rawFile(tmp.resolve("x.safetensors"),
                "{\"w\": {\"dtype\": \"F32\", \"shape\": [2, 2], \"data_offsets\": [0, 12]}}", new byte[12]);
        assertEquals("tensor w in " + file + " has data_offsets [0, 12] spanning 12 bytes, but dtype F32 and shape"
                + " [2, 2] need 16 bytes", refusal(file));
        TestFiles.rawFile(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [8, 0]}}", new byte[8]);
        assertTrue(refusal(file).startsWith("tensor w in " + file + " has data_offsets [8, 0]"));
        TestFiles.rawFile(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [-2], \"data_offsets\": [0, 8]}}", new byte[8]);
        assertTrue(refusal(file).startsWith("tensor w in " + file + " has shape entry -2"));
        TestFiles.rawFile(file, "{\"w\": {\"dtype\": \"F32\", \"shape\": [2]}}", new byte[8]);
        assertTrue(refusal(file).startsWith("tensor w in " + file + " has a malformed header entry"));
    }

    @Test
    void refusesTensorsWhoseBytesOverlap() throws IOException {
        Path file = TestFiles.rawFile(tmp.resolve("x.safetensors"),
                "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]},"
                        + " \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", new byte[12]);
        String refusal = refusal(file);
        assertTrue(refusal.contains(": tensors a and b overlap"), refusal);
    }

    @Test
    void refusesAnUnknownDtype() throws IOException {
        Path file = TestFiles.rawFile(tmp.resolve("x.safetensors"),
                "{\"w\": {\"dtype\": \"F8_E4M3\", \"shape\": [2], \"data_offsets\": [0, 2]}}", new byte[2]);
        String msg = refusal(file);
        assertTrue(msg.startsWith("tensor w in " + file + " has unknown dtype \"F8_E4M3\": expected one of F32, F16"),
                msg);
    }

    @Test
    void readF32RefusesIntegerTensors() throws IOException {
        Path file = TestFiles.rawFile(tmp.resolve("x.safetensors"),
                "{\"ids\": {\"dtype\": \"I64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", new byte[8]);
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            assertEquals(8, ckpt.readBytes("ids").remaining());
            assertEquals("tensor ids in " + file + " has dtype I64: readF32 reads F32, F16, BF16 or F64",
                    assertThrows(IllegalArgumentException.class, () -> ckpt.readF32("ids")).getMessage());
        }
    }
}
