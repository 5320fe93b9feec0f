package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The grader must recover the reference answers from the reference solutions of the MATH and
 * GSM8K test sets. The MATH failures allowed are rows whose stored gold was damaged when it was
 * made (units stripped into the value, an unbalanced brace, an empty gold).
 */
class ReferenceCheckTest {

    /** Golds damaged upstream: {@code \frac{h^2}}, {@code 864^2}, {@code 4} for 4t, "", ... */
    private static final Set<String> DAMAGED_GOLDS = Set.of("hendrycks_math_1030",
            "hendrycks_math_1715", "hendrycks_math_1902", "hendrycks_math_1959", "hendrycks_math_3527",
            "hendrycks_math_3648", "hendrycks_math_4102", "hendrycks_math_4135");

    @Test
    void mathReferenceSolutionsGradeCorrect() throws IOException {
        ReferenceCheck.Result r = ReferenceCheck.run(Path.of("data/test/MATH_test_data.jsonl"));
        assertEquals(5000, r.total());
        Set<String> failed = r.failures().stream().map(ReferenceCheck.Failure::idx).collect(Collectors.toSet());
        assertEquals(Set.of(), failed.stream().filter(f -> !DAMAGED_GOLDS.contains(f)).collect(Collectors.toSet()));
        assertTrue(r.correct() >= 4990, r.correct() + "/5000");
    }

    @Test
    void gsm8kReferenceSolutionsGradeCorrect() throws IOException {
        ReferenceCheck.Result r = ReferenceCheck.run(Path.of("data/test/GSM8K_test_data.jsonl"));
        assertEquals(1319, r.total());
        assertEquals(List.of(), r.failures());
    }
}
