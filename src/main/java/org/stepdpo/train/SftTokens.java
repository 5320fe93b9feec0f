package org.stepdpo.train;

import java.io.Serializable;

/**
 * A tokenized supervised example: the unit that SFT consumes.
 *
 * @param prompt   prompt tokens (not scored)
 * @param response response tokens, scored (with EOS when the tokenizer has one)
 */
public record SftTokens(int[] prompt, int[] response) implements Serializable {}
