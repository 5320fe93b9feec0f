package org.stepdpo.math;

import java.util.List;

/**
 * The outcome of grading one answer: the final answers taken from a completion (or the one answer
 * given) and whether they match the reference answers.
 *
 * @param extracted the extracted final answers, in order of appearance (empty when none was found)
 * @param correct   whether the extracted answers match the reference answers
 */
public record Grade(List<String> extracted, boolean correct) {

    /** Copies the list so that a grade never changes after it is made. */
    public Grade {
        extracted = List.copyOf(extracted);
    }

    /** The extracted answers joined by ", " ("" when none). */
    public String extractedText() {
        return String.join(", ", extracted);
    }

    /** Whether an answer was extracted at all. */
    public boolean valid() {
        return !extracted.isEmpty();
    }
}
