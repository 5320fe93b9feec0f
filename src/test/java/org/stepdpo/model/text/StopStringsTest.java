package org.stepdpo.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.stepdpo.model.Fixtures;

class StopStringsTest {
    @Test
    void stopsWhenTheDecodedTailReachesAStopString() {
        try (HfTokenizer tok = HfTokenizer.load(Fixtures.tokenizer("qwen3"))) {
            StopStrings stops = new StopStrings(tok, List.of("\nStep "));
            String body = "We add the two numbers: $12 + 30 = 42$, which is the total number of apples in the basket.";
            assertFalse(stops.done(tok.encode(body)));
            assertTrue(stops.done(tok.encode(body + "\nStep 2:")));
            assertEquals(body, stops.cut(body + "\nStep 2: more"));
            assertEquals(body, stops.cut(body));
        }
    }
}
