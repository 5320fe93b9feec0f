package org.stepdpo.model.text;

import java.util.Arrays;
import java.util.List;
import org.stepdpo.model.Generator;

/**
 * Ends generation when the decoded text reaches a stop string (e.g. {@code "\nStep "} when sampling a
 * single reasoning step). Only the newest tokens are decoded at each step, enough to hold the
 * longest stop string.
 */
public final class StopStrings implements Generator.StopCheck {
    private final HfTokenizer tokenizer;
    private final List<String> stops;
    private final int tail;

    public StopStrings(HfTokenizer tokenizer, List<String> stops) {
        if (stops.isEmpty() || stops.stream().anyMatch(s -> s == null || s.isEmpty())) {
            throw new IllegalArgumentException("stop strings must be non-empty, got " + stops);
        }
        this.tokenizer = tokenizer;
        this.stops = List.copyOf(stops);
        // a token holds at least one character, plus slack for tokens that split a character
        this.tail = this.stops.stream().mapToInt(String::length).max().orElse(1) + 4;
    }

    @Override
    public boolean done(int[] generated) {
        int[] window = Arrays.copyOfRange(generated, Math.max(0, generated.length - tail), generated.length);
        String text = tokenizer.decode(window, false);
        return stops.stream().anyMatch(text::contains);
    }

    /** {@code text} up to (not including) the first stop string, or all of it when none occurs. */
    public String cut(String text) {
        int end = text.length();
        for (String s : stops) {
            int at = text.indexOf(s);
            if (at >= 0) {
                end = Math.min(end, at);
            }
        }
        return text.substring(0, end);
    }
}
