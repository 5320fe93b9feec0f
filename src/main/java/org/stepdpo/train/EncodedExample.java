package org.stepdpo.train;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * An SFT example as token ids: the model reads {@code prompt + response}; only the response tokens
 * are scored.
 *
 * @param id       where the example came from ({@code file:line})
 * @param prompt   the prompt ids (BOS first when the tokenizer has one, unless truncated away)
 * @param response the response ids (EOS last when the tokenizer has one, unless truncated away)
 */
public record EncodedExample(String id, int[] prompt, int[] response) implements Serializable {

    /** Hex SHA-256 of prompt then response, each written as its length then its ids (big-endian ints). */
    public String fingerprint() {
        return sha256(prompt, response);
    }

    static String sha256(int[]... arrays) {
        int bytes = 0;
        for (int[] a : arrays) {
            bytes += 4 * (a.length + 1);
        }
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        for (int[] a : arrays) {
            buf.putInt(a.length);
            for (int id : a) {
                buf.putInt(id);
            }
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(buf.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedExample e && id.equals(e.id) && Arrays.equals(prompt, e.prompt)
                && Arrays.equals(response, e.response);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * id.hashCode() + Arrays.hashCode(prompt)) + Arrays.hashCode(response);
    }

    @Override
    public String toString() {
        return "EncodedExample[id=" + id + ", prompt=" + Arrays.toString(prompt) + ", response="
                + Arrays.toString(response) + "]";
    }
}
