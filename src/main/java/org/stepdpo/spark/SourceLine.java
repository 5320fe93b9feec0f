package org.stepdpo.spark;

import java.io.Serializable;

/**
 * One line of a text input, located by file and 1-based line number.
 *
 * @param file    the input file's path
 * @param line    1-based line number within that file
 * @param text    the decoded line (lossy where {@code problem} says the bytes were not UTF-8)
 * @param problem why the line cannot be used as it is, or {@code null} when it can
 */
public record SourceLine(String file, long line, String text, String problem) implements Serializable {
    /** Whether the line decoded cleanly and is not blank. */
    public boolean usable() {
        return problem == null;
    }

    /** A rejection of this line for {@code reason} ({@code code: detail}). */
    public Rejection reject(String reason) {
        return new Rejection(file, line, reason, text);
    }
}
