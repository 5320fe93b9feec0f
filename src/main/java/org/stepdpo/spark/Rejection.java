package org.stepdpo.spark;

import java.io.Serializable;

/**
 * An input row set aside instead of processed: where it was, why, and its raw text (nothing is
 * lost: the file and line locate it, and the text is kept up to {@link #MAX_RAW_CHARS} characters). Reasons read {@code code: detail}, so counts can be grouped by code.
 */
public record Rejection(String file, long line, String reason, String raw) implements Serializable {
    /** Characters of a rejected line kept in {@code raw}; a longer line is cut there, with a note. */
    public static final int MAX_RAW_CHARS = 1 << 20;

    public Rejection {
        if (raw != null && raw.length() > MAX_RAW_CHARS) {
            raw = raw.substring(0, MAX_RAW_CHARS) + " [... " + (raw.length() - MAX_RAW_CHARS)
                    + " more characters: see " + file + " line " + line + "]";
        }
    }

    /** The part of the reason before the first colon, e.g. {@code invalid-json}. */
    public String code() {
        int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }
}
