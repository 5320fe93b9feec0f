package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class StepSplitterTest {

    @Test
    void splitsAtStepLabelsKeepingThem() {
        String text = "Step 1: Add 2 and 3.\nStep 2: Get 5.\n\nStep 3: The answer is 5.";
        assertEquals(List.of("Step 1: Add 2 and 3.", "Step 2: Get 5.", "Step 3: The answer is 5."),
                StepSplitter.split(text));
    }

    @Test
    void textBeforeTheFirstLabelIsAStep() {
        String completion = "Add 2 and 3.\nStep 2: Multiply by 4\nto get 20.\nStep 3: So 20.";
        assertEquals(List.of("Add 2 and 3.", "Step 2: Multiply by 4\nto get 20.", "Step 3: So 20."),
                StepSplitter.split(completion));
    }

    @Test
    void labelsOnlyAtLineStarts() {
        assertEquals(List.of("As in Step 1: nothing.", "Then more."),
                StepSplitter.split("As in Step 1: nothing.\n\nThen more."));
    }

    @Test
    void paragraphsThenLines() {
        assertEquals(List.of("a\nb", "c"), StepSplitter.split("a\nb\n\n  \nc\n"));
        assertEquals(List.of("a", "b", "c"), StepSplitter.split("a\nb\n\nc".replace("\n\n", "\n")));
        assertEquals(List.of("one line"), StepSplitter.split("  one line  "));
    }

    @Test
    void noEmptySteps() {
        assertEquals(List.of(), StepSplitter.split(""));
        assertEquals(List.of(), StepSplitter.split(" \n\n "));
        assertEquals(List.of(), StepSplitter.split(null));
        assertEquals(List.of("Step 1: x"), StepSplitter.split("Step 1: x\nStep 2:\n"));
    }
}
