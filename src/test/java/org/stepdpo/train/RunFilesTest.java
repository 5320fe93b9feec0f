package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A final folder is written under a temporary name and renamed into place whole. */
class RunFilesTest {
    @TempDir
    Path tmp;

    @Test
    void aPartialFolderIsClearedThenRenamedOverTheOldOne() throws Exception {
        Path target = tmp.resolve("model");
        Files.createDirectories(target);
        Files.writeString(target.resolve("old.safetensors"), "old");
        Path stale = tmp.resolve("_model.partial");
        Files.createDirectories(stale);
        Files.writeString(stale.resolve("left-over"), "from a failed attempt");

        Path partial = RunFiles.partial(target);
        assertEquals(stale, partial);
        assertFalse(Files.exists(partial), "a failed attempt's partial folder is cleared");
        Files.createDirectories(partial);
        Files.writeString(partial.resolve("model.safetensors"), "new");
        assertTrue(Files.exists(target.resolve("old.safetensors")), "the old folder stays until the new one is whole");
        RunFiles.publish(partial, target);
        try (Stream<Path> files = Files.list(target)) {
            assertEquals(List.of("model.safetensors"), files.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals("new", Files.readString(target.resolve("model.safetensors")));
        assertFalse(Files.exists(partial));
    }
}
