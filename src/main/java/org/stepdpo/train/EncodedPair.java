package org.stepdpo.train;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A preference pair as token ids, ready for the loss: the model reads {@code prompt + chosen} and
 * {@code prompt + rejected}; only the {@code chosen} / {@code rejected} tokens are scored.
 *
 * @param id       where the pair came from ({@code file:line})
 * @param prompt   the shared prompt ids (BOS first when the tokenizer has one, unless truncated away)
 * @param chosen   the chosen response ids
 * @param rejected the rejected response ids
 */
public record EncodedPair(String id, int[] prompt, int[] chosen, int[] rejected) implements Serializable {

    /**
     * Hex SHA-256 of the three arrays, each written as its length then its ids (4-byte big-endian
     * ints), in the order prompt, chosen, rejected. Equal ids give equal fingerprints on any JVM.
     */
    public String fingerprint() {
        return EncodedExample.sha256(prompt, chosen, rejected);
    }

    /** Total tokens of the longer of the two sequences. */
    public int maxSequenceLength() {
        return prompt.length + Math.max(chosen.length, rejected.length);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EncodedPair p && id.equals(p.id) && Arrays.equals(prompt, p.prompt)
                && Arrays.equals(chosen, p.chosen) && Arrays.equals(rejected, p.rejected);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * (31 * id.hashCode() + Arrays.hashCode(prompt)) + Arrays.hashCode(chosen))
                + Arrays.hashCode(rejected);
    }

    @Override
    public String toString() {
        return "EncodedPair[id=" + id + ", prompt=" + Arrays.toString(prompt) + ", chosen=" + Arrays.toString(chosen)
                + ", rejected=" + Arrays.toString(rejected) + "]";
    }
}
