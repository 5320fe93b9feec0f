package org.stepdpo.generate;

import java.io.Serializable;

/**
 * A generated completion of one problem, with how it was made.
 *
 * @param problem      the problem (its {@code completion} field is the generated text)
 * @param prompt       the prompt the model saw
 * @param promptTokens prompt length in tokens
 * @param newTokens    tokens generated
 * @param finish       {@code stop} (EOS), {@code length} (hit the limit) or {@code prompt_too_long};
 *                     null when the completion came with the data
 */
public record Completion(Problem problem, String prompt, int promptTokens, int newTokens, String finish)
        implements Serializable {

    /** A completion that came with the data (scoring mode): the prompt is the problem itself. */
    public static Completion given(Problem problem) {
        return new Completion(problem, problem.instruction(), 0, 0, null);
    }
}
