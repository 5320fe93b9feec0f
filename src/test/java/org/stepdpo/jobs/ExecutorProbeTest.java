package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ExecutorProbe's flags: validated before any Spark session starts. */
class ExecutorProbeTest {
    private static final String MODEL = "src/test/resources/fixtures/models/llama-tiny";

    private static String usageError(String... args) {
        StringWriter err = new StringWriter();
        assertEquals(JobRunner.USAGE_ERROR, JobRunner.execute(new ExecutorProbe(), args, new PrintWriter(err)));
        return err.toString();
    }

    @Test
    void badFlagsAreNamed(@TempDir Path empty) {
        assertTrue(usageError("--model", empty.toString()).contains("--model: config.json not found in "
                + empty.toAbsolutePath()), "missing config.json");
        assertTrue(usageError("--model", MODEL, "--dtype", "bf16").contains("--dtype"));
        assertTrue(usageError("--model", MODEL, "--ids", "1 x").contains("--ids"));
        assertTrue(usageError("--model", MODEL, "--tasks", "0").contains("--tasks"));
    }

    @Test
    void configMakesTheModelPathAbsolute() {
        ExecutorProbe probe = new ExecutorProbe();
        new picocli.CommandLine(probe).parseArgs("--model", MODEL, "--ids", "3, 17 9", "--executors", "2");
        ExecutorProbe.Config c = probe.config();
        assertEquals(Path.of(MODEL).toAbsolutePath().toString(), c.modelDir());
        assertArrayEquals(new int[] {3, 17, 9}, c.ids());
        assertEquals(8, c.tasks());
        assertEquals(2, c.executors());
        assertEquals("decoder-lm:" + c.modelDir() + ":float32",
                new ExecutorProbe.DecoderLmModel(c.modelDir(), c.dtype()).cacheKey());
    }
}
