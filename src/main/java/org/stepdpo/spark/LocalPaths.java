package org.stepdpo.spark;

import java.net.URI;
import java.nio.file.Path;

/** Folders that executors read or write with local file I/O (models, training outputs). */
public final class LocalPaths {
    private LocalPaths() {}

    /** A local path from a plain path or a {@code file:} URI. */
    public static Path of(String path) {
        return path.startsWith("file:") ? Path.of(URI.create(path)) : Path.of(path);
    }
}
