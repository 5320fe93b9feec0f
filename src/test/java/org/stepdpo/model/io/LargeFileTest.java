package org.stepdpo.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offsets beyond 2 GiB, on a sparse file: only the header and the few bytes written take disk space,
 * the 2.4 GB of zeros before them do not.
 */
class LargeFileTest {

    private static final long BIG = 600_000_000L; // F32 elements: 2.4 GB, more than one float buffer holds

    @TempDir
    Path tmp;

    @Test
    void readsTensorsPastTwoGibibytes() throws IOException {
        long bigBytes = BIG * 4;
        String header = "{\"big\": {\"dtype\": \"F32\", \"shape\": [" + BIG + "], \"data_offsets\": [0, " + bigBytes
                + "]}, \"h\": {\"dtype\": \"BF16\", \"shape\": [2], \"data_offsets\": [" + (bigBytes + 16) + ", "
                + (bigBytes + 20) + "]}, \"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [" + bigBytes
                + ", " + (bigBytes + 16) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        long data = 8 + h.length;
        Path file = tmp.resolve("model.safetensors");
        try (FileChannel c = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h);
            c.write(head.flip(), 0);
            c.write(floats(7f, 8f, 9f, 10f), data + bigBytes - 16); // the last four elements of big
            c.write(floats(1.5f, -2f, 1e30f, Float.MIN_VALUE), data + bigBytes); // w
            c.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3f80)
                    .putShort((short) 0xc040).flip(), data + bigBytes + 16); // h = [1, -3]
        }
        assertTrue(Files.size(file) > (1L << 31));

        try (Checkpoint ckpt = Checkpoint.open(tmp)) {
            TensorInfo w = ckpt.info("w");
            assertEquals(data + bigBytes, w.dataStart());
            FloatBuffer wv = ckpt.readF32("w", new long[] {4});
            assertEquals(1.5f, wv.get(0));
            assertEquals(-2f, wv.get(1));
            assertEquals(1e30f, wv.get(2));
            assertEquals(Float.MIN_VALUE, wv.get(3));
            FloatBuffer hv = ckpt.readF32("h");
            assertEquals(1f, hv.get(0));
            assertEquals(-3f, hv.get(1));

            String whole = assertThrows(IllegalArgumentException.class, () -> ckpt.readF32("big")).getMessage();
            assertTrue(whole.startsWith("tensor big in " + file + " has 600000000 elements") && whole.contains("parts"),
                    whole);
            assertThrows(IllegalArgumentException.class, () -> ckpt.readBytes("big"));
            FloatBuffer tail = ckpt.readF32("big", BIG - 5, 5);
            assertEquals(0f, tail.get(0));
            assertEquals(7f, tail.get(1));
            assertEquals(10f, tail.get(4));
        }
    }

    @Test
    void narrowsF64() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.1).putDouble(-1e300);
        Path file = TestFiles.rawFile(tmp.resolve("d.safetensors"),
                "{\"d\": {\"dtype\": \"F64\", \"shape\": [2], \"data_offsets\": [0, 16]}}", d.array());
        try (Checkpoint ckpt = Checkpoint.open(file)) {
            FloatBuffer v = ckpt.readF32("d");
            assertEquals(0.1f, v.get(0));
            assertEquals(Float.NEGATIVE_INFINITY, v.get(1));
        }
    }

    private static ByteBuffer floats(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.flip();
    }
}
