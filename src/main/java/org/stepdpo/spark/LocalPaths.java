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

    /**
     * A plain relative path made absolute against the driver's working folder (executors run in
     * folders of their own, so a relative path would name another place there); absolute paths and
     * {@code file:} URIs are kept as they are.
     */
    public static String absolute(String path) {
        if (path.startsWith("file:") || Path.of(path).isAbsolute()) {
            return path;
        }
        return Path.of(path).toAbsolutePath().normalize().toString();
    }
}
