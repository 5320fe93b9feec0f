package org.stepdpo.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Reads the two model fixtures; expected values were computed from the same files with numpy. */
class CheckpointTest {

    private static final Path QWEN = TestFiles.fixture("qwen2-tiny");
    private static final Path LLAMA = TestFiles.fixture("llama-tiny");

    @Test
    void readsASingleBf16File() {
        try (Checkpoint ckpt = Checkpoint.open(QWEN)) {
            assertEquals(26, ckpt.names().size());
            assertEquals(List.copyOf(ckpt.names()), ckpt.names().stream().sorted().toList());
            assertFalse(ckpt.contains("lm_head.weight"), "tied embeddings: no lm_head");
            assertTrue(ckpt.contains("model.layers.1.self_attn.v_proj.bias"));
            assertEquals(Map.of("format", "pt"), ckpt.metadata());

            TensorInfo embed = ckpt.info("model.embed_tokens.weight");
            assertEquals(DType.BF16, embed.dtype());
            assertArrayEquals(new long[] {151936, 32}, embed.shape());
            assertEquals(151936L * 32, embed.elements());
            assertEquals(QWEN.resolve("model.safetensors"), embed.file());
            assertEquals(8 + 2728, embed.dataStart());
            assertEquals(9723904, embed.byteLength());

            FloatBuffer e = ckpt.readF32("model.embed_tokens.weight", new long[] {151936, 32});
            assertTrue(e.isDirect());
            assertEquals(ByteOrder.nativeOrder(), e.order());
            assertEquals(151936 * 32, e.remaining());
            assertEquals(-0.255859375f, e.get(0));
            assertEquals(0.515625f, e.get(1));
            assertEquals(-0.1767578125f, e.get(2));
            assertEquals(-0.87890625f, e.get(e.limit() - 1));
            assertEquals(1387.1435417382163, sum(e), 1e-6);

            FloatBuffer norm = ckpt.readF32("model.norm.weight");
            assertEquals(0.9609375f, norm.get(0));
            assertEquals(1.109375f, norm.get(31));
            assertEquals(32.4375, sum(norm));
            FloatBuffer bias = ckpt.readF32("model.layers.1.self_attn.v_proj.bias");
            assertEquals(0.349609375f, bias.get(0));
            assertEquals(-0.4176025390625, sum(bias));

            assertEquals((short) 0x3f76, ckpt.readBytes("model.norm.weight").getShort(0));
            FloatBuffer lastRow = ckpt.readF32("model.embed_tokens.weight", 151935L * 32, 32);
            assertEquals(32, lastRow.remaining());
            assertEquals(-0.87890625f, lastRow.get(31));
        }
    }

    @Test
    void readsAShardedF32Checkpoint() {
        try (Checkpoint ckpt = Checkpoint.open(LLAMA)) {
            assertEquals(30, ckpt.names().size());
            assertTrue(ckpt.contains("lm_head.weight"));
            assertEquals(Map.of("format", "pt"), ckpt.metadata());
            TensorInfo norm = ckpt.info("model.norm.weight");
            assertEquals(DType.F32, norm.dtype());
            assertEquals(LLAMA.resolve("model-00002-of-00002.safetensors"), norm.file());
            assertEquals(LLAMA.resolve("model-00001-of-00002.safetensors"), ckpt.info("lm_head.weight").file());
            assertArrayEquals(new long[] {64, 172}, ckpt.info("model.layers.2.mlp.down_proj.weight").shape());

            FloatBuffer head = ckpt.readF32("lm_head.weight", new long[] {384, 64});
            assertTrue(head.isDirect());
            assertEquals(0xbeb4780c, Float.floatToRawIntBits(head.get(0)));
            assertEquals(0x3f3ddf7d, Float.floatToRawIntBits(head.get(1)));
            assertEquals(0xbebb7b78, Float.floatToRawIntBits(head.get(384 * 64 - 1)));
            assertEquals(-4.806091037055012, sum(head), 1e-9);
            FloatBuffer n = ckpt.readF32("model.norm.weight");
            assertEquals(0x3f6b7085, Float.floatToRawIntBits(n.get(0)));
            assertEquals(64.10597968101501, sum(n), 1e-9);
            assertEquals(-11.85918386422236, sum(ckpt.readF32("model.layers.2.mlp.down_proj.weight")), 1e-9);
        }
    }

    @Test
    void opensOneSafetensorsFile() {
        try (Checkpoint ckpt = Checkpoint.open(LLAMA.resolve("model-00002-of-00002.safetensors"))) {
            assertEquals(15, ckpt.names().size());
            assertTrue(ckpt.contains("model.norm.weight"));
            assertFalse(ckpt.contains("lm_head.weight"));
        }
    }

    @Test
    void namesTheTensorAndPlaceWhenAskedWrongly() {
        try (Checkpoint ckpt = Checkpoint.open(LLAMA)) {
            String missing = assertThrows(IllegalArgumentException.class, () -> ckpt.info("model.lm_head.weight"))
                    .getMessage();
            assertTrue(missing.contains("model.lm_head.weight") && missing.contains(LLAMA.toString()), missing);

            String shape = assertThrows(IllegalArgumentException.class,
                    () -> ckpt.readF32("model.norm.weight", new long[] {32})).getMessage();
            assertEquals("tensor model.norm.weight in " + LLAMA.resolve("model-00002-of-00002.safetensors")
                    + " has shape [64], expected [32]", shape);

            String range = assertThrows(IndexOutOfBoundsException.class,
                    () -> ckpt.readF32("model.norm.weight", 60, 8)).getMessage();
            assertTrue(range.contains("model.norm.weight") && range.contains("64 elements"), range);
        }
    }

    @Test
    void refusesReadsAfterClose() {
        Checkpoint ckpt = Checkpoint.open(QWEN);
        ckpt.close();
        String msg = assertThrows(IllegalStateException.class, () -> ckpt.readF32("model.norm.weight")).getMessage();
        assertTrue(msg.contains("closed") && msg.contains("model.norm.weight"), msg);
    }

    @Test
    void aReaderInterruptedMidReadDoesNotBreakOtherReaders() throws Exception {
        try (Checkpoint ckpt = Checkpoint.open(QWEN)) {
            Thread.currentThread().interrupt();
            assertThrows(RuntimeException.class, () -> ckpt.readF32("model.embed_tokens.weight"));
            assertTrue(Thread.interrupted(), "the interrupt stays visible to the caller");
            // NIO closed the shared channel on interrupt; the next read reopens it
            assertEquals(0.9609375f, ckpt.readF32("model.norm.weight").get(0));
        }
    }

    static double sum(FloatBuffer b) {
        double s = 0;
        for (int i = b.position(); i < b.limit(); i++) {
            s += b.get(i);
        }
        return s;
    }
}
