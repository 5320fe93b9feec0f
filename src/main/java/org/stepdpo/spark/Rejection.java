package org.stepdpo.spark;

import java.io.Serializable;

/**
 * An input row set aside instead of processed: where it was, why, and its raw text (nothing is
 * lost). Reasons read {@code code: detail}, so counts can be grouped by code.
 */
public record Rejection(String file, long line, String reason, String raw) implements Serializable {
    /** The part of the reason before the first colon, e.g. {@code invalid-json}. */
    public String code() {
        int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }
}
