package org.stepdpo.eval;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class EvalConfigTest {
    private static void rejects(String flag, Runnable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build::run);
        assertTrue(e.getMessage().contains(flag), e.getMessage());
    }

    @Test
    void namesTheFlagOfEveryBadSetting() {
        List<String> d = List.of("d.jsonl");
        rejects("--data", () -> new EvalConfig(List.of(), "o", "output", null, null, 1, 1, 0, 0, false));
        rejects("--out", () -> new EvalConfig(d, " ", "output", null, null, 1, 1, 0, 0, false));
        rejects("--completion-field", () -> new EvalConfig(d, "o", null, null, null, 1, 1, 0, 0, false));
        rejects("--completion-field", () -> new EvalConfig(d, "o", "output", "m", "p", 1, 1, 0, 0, false));
        rejects("--max-new-tokens", () -> new EvalConfig(d, "o", null, "m", "p", 0, 1, 0, 0, false));
        rejects("--batch-size", () -> new EvalConfig(d, "o", null, "m", "p", 1, 0, 0, 0, false));
        rejects("--temperature", () -> new EvalConfig(d, "o", null, "m", "p", 1, 1, Double.NaN, 0, false));
        rejects("--partitions", () -> new EvalConfig(d, "o", "output", null, null, 1, 1, 0, -1, false));
    }
}
