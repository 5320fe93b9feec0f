package org.stepdpo.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.stepdpo.model.text.PromptTemplates;

/** Cutting solutions into steps, and the prompts and pair fields each family gives. */
class StepFormatTest {
    private static final String SOLUTION = "Step 1: 6 * 94 = 564 sheep.\nStep 2: 564 - 36 = 528 sheep.\n"
            + "Step 3: 528 - 15 = 513 sheep.\nThe answer is \\boxed{513}.";

    @Test
    void stepsRunFromTheirLabelToTheNextOneAndTheLastKeepsTheAnswer() {
        StepFormat.Steps s = StepFormat.steps(SOLUTION);
        assertEquals(3, s.count());
        assertEquals("", s.through(0));
        assertEquals("Step 1: 6 * 94 = 564 sheep.\n", s.through(1));
        assertEquals("Step 1: 6 * 94 = 564 sheep.\nStep 2:", s.upToLabel(2));
        assertEquals(" 564 - 36 = 528 sheep.", s.body(2));
        assertEquals(" 528 - 15 = 513 sheep.\nThe answer is \\boxed{513}.", s.body(3));
        assertEquals(SOLUTION, s.through(3));
        assertEquals(s.upToLabel(2) + s.after(2), SOLUTION);
        assertEquals(0, StepFormat.steps("The answer is 5.").count());
    }

    @Test
    void aRectifiedStepIsTheContinuationBeforeTheNextStepLabel() {
        assertEquals(" 564 - 36 = 528 sheep.", StepFormat.firstStep(" 564 - 36 = 528 sheep.\nStep 3: 528 - 15 = 513."));
        assertEquals(" 513.\nThe answer is 513.", StepFormat.firstStep(" 513.\nThe answer is 513."));
    }

    @Test
    void seedFamiliesSampleWithStepTemplatesAndTrainOnTheSameText() {
        StepFormat qwen = StepFormat.of("qwen2-boxed");
        String solution = qwen.solution("6 * 94 = 564.\nStep 2: 1 + 1 = 3.");
        StepFormat.Steps s = StepFormat.steps(solution);
        String initial = qwen.head() + s.upToLabel(2);
        assertEquals("Let's think step by step.\nStep 1: 6 * 94 = 564.\nStep 2:", initial);
        // the rectification prompt is exactly the training prompt of the pair
        assertEquals(PromptTemplates.training("qwen2-boxed", "Q", initial),
                PromptTemplates.generation(qwen.prefixTemplate(), "Q", s.upToLabel(2)));
        // and a sampled solution is the sample prompt's continuation
        assertTrue(PromptTemplates.generation(qwen.sampleTemplate(), "Q", null).endsWith(qwen.head() + qwen.opening()));
        for (String family : new String[] {"deepseek-math", "alpaca"}) {
            StepFormat f = StepFormat.of(family);
            assertEquals(PromptTemplates.training(family, "Q", f.head() + s.upToLabel(2)),
                    PromptTemplates.generation(f.prefixTemplate(), "Q", s.upToLabel(2)), family);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StepFormat.of("plain"));
        assertTrue(e.getMessage().contains("--prompt"), e.getMessage());
    }
}
