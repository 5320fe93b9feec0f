package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.spark.GradientExchange;

/** Where the workers of a retried training attempt resume: one checkpoint, the same for all. */
class ResumePointTest {
    /** Rank 0 of two; the other worker's vector is {@code peer}. */
    private static GradientExchange withPeer(double... peer) {
        return new GradientExchange() {
            @Override
            public int rank() {
                return 0;
            }

            @Override
            public int size() {
                return 2;
            }

            @Override
            public Summed sum(float[] floats, double[] doubles) {
                double[] d = new double[doubles.length];
                for (int i = 0; i < d.length; i++) {
                    d[i] = doubles[i] + peer[i];
                }
                return new Summed(floats.clone(), d);
            }

            @Override
            public float[] allGather(float[] chunk, int n) {
                throw new UnsupportedOperationException("not used here");
            }

            @Override
            public void close() {}
        };
    }

    private static Path checkpoint(RunFiles files, int step, boolean complete) throws IOException {
        Path dir = Files.createDirectories(files.checkpoint(step));
        Files.writeString(dir.resolve("model.safetensors"), "partial");
        if (complete) {
            RunFiles.writeState(dir, Map.of("step", step));
        }
        return dir;
    }

    @Test
    void theWorkersResumeFromTheSmallestLatestCheckpointAnyOfThemSees(@TempDir Path out) throws IOException {
        RunFiles files = new RunFiles(out);
        assertEquals(0, Trainer.agreedResumeStep(withPeer(0, 0), files), "no checkpoint: from the start");
        Path four = checkpoint(files, 4, true);
        Path eight = checkpoint(files, 8, true);
        checkpoint(files, 12, false); // being written: not a resume point
        assertEquals(Optional.of(eight), files.latestCheckpoint());
        // the other worker looked before step 8 was complete
        assertEquals(4, Trainer.agreedResumeStep(withPeer(0, 4), files));
        assertEquals(Optional.of(four), files.completeCheckpoint(4));
        assertEquals(8, Trainer.agreedResumeStep(withPeer(0, 8), files));
        assertEquals(Optional.empty(), files.completeCheckpoint(12));
        // the final model folder counts as the checkpoint after the last step
        RunFiles.writeState(out, Map.of("step", 20));
        assertEquals(20, Trainer.agreedResumeStep(withPeer(0, 20), files));
        assertEquals(Optional.of(out), files.completeCheckpoint(20));
    }
}
