package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a step-by-step solution into its steps: at {@code Step k:} labels when there are any
 * (each step keeps its label; text before the first label is a step of its own), otherwise at
 * blank lines, otherwise at single newlines. Steps are stripped and never empty (a label with
 * nothing after it is dropped). Stateless and thread-safe.
 */
public final class StepSplitter {

    private static final Pattern LABEL = Pattern.compile("(?m)^[ \\t]*Step\\s+\\d+\\s*:");
    private static final Pattern BLANK_LINE = Pattern.compile("\\n[ \\t]*\\n");

    private StepSplitter() {
    }

    /** The steps of {@code solution}; an empty list when it is null or blank. */
    public static List<String> split(String solution) {
        if (solution == null || solution.isBlank()) {
            return List.of();
        }
        String text = solution.replace("\r\n", "\n");
        Matcher m = LABEL.matcher(text);
        List<Integer> starts = new ArrayList<>();
        while (m.find()) {
            starts.add(m.start());
        }
        if (!starts.isEmpty()) {
            List<String> steps = new ArrayList<>();
            addStep(steps, text.substring(0, starts.get(0)));
            for (int k = 0; k < starts.size(); k++) {
                int end = k + 1 < starts.size() ? starts.get(k + 1) : text.length();
                String step = text.substring(starts.get(k), end);
                if (!LABEL.matcher(step).replaceFirst("").isBlank()) {
                    addStep(steps, step);
                }
            }
            return steps;
        }
        List<String> paragraphs = nonEmpty(BLANK_LINE.split(text));
        return paragraphs.size() > 1 ? paragraphs : nonEmpty(text.split("\n"));
    }

    private static List<String> nonEmpty(String[] parts) {
        List<String> steps = new ArrayList<>();
        for (String part : parts) {
            addStep(steps, part);
        }
        return steps;
    }

    private static void addStep(List<String> steps, String part) {
        String step = part.strip();
        if (!step.isEmpty()) {
            steps.add(step);
        }
    }
}
