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

    private static EvalConfig.Generation gen(int maxNew, int batch, double temperature, double topP, int topK,
            String dtype) {
        return new EvalConfig.Generation("m", "plain", maxNew, batch, temperature, topP, topK, 0, dtype);
    }

    @Test
    void namesTheFlagOfEveryBadSetting() {
        List<String> d = List.of("d.jsonl");
        EvalConfig.Generation ok = EvalConfig.Generation.greedy("m", "plain");
        rejects("--data", () -> new EvalConfig(List.of(), "o", "output", null, 0, false, false));
        rejects("--out", () -> new EvalConfig(d, " ", "output", null, 0, false, false));
        rejects("--completion-field", () -> new EvalConfig(d, "o", null, null, 0, false, false));
        rejects("--completion-field", () -> new EvalConfig(d, "o", "output", ok, 0, false, false));
        rejects("--partitions", () -> new EvalConfig(d, "o", "output", null, -1, false, false));
        rejects("--resume", () -> new EvalConfig(d, "o", null, ok, 0, true, true));
        rejects("--resume", () -> new EvalConfig(d, "o", "output", null, 0, false, true));
        rejects("--prompt", () -> new EvalConfig.Generation("m", null, 1, 1, 0, 1, 0, 0, "auto"));
        rejects("--max-new-tokens", () -> gen(0, 1, 0, 1, 0, "auto"));
        rejects("--batch-size", () -> gen(1, 0, 0, 1, 0, "auto"));
        rejects("--temperature", () -> gen(1, 1, Double.NaN, 1, 0, "auto"));
        rejects("--top-p", () -> gen(1, 1, 1, 0, 0, "auto"));
        rejects("--top-k", () -> gen(1, 1, 1, 1, -1, "auto"));
        rejects("--dtype", () -> gen(1, 1, 1, 1, 0, "bfloat16"));
    }
}
