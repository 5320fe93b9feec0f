package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stepdpo.eval.EvalConfig;
import picocli.CommandLine;

class EvalJobTest {
    private static String failing(String... args) {
        StringWriter err = new StringWriter();
        int code = JobRunner.execute(new EvalJob(), args, new PrintWriter(err, true));
        assertEquals(JobRunner.USAGE_ERROR, code, err.toString());
        return err.toString();
    }

    @Test
    void unknownAndMissingFlagsFailFastNamingThem() {
        assertTrue(failing("--data", "d.jsonl", "--out", "o", "--completion-field", "output", "--bogus", "1")
                .contains("--bogus"));
        assertTrue(failing("--out", "o", "--completion-field", "output").contains("--data"));
        assertTrue(failing("--data", "d.jsonl", "--out", "o").contains("--completion-field"));
        assertTrue(failing("--data", "d.jsonl", "--out", "o", "--model", "m").contains("--prompt"));
        assertTrue(failing("--data", "d.jsonl", "--out", "o", "--completion-field", "output",
                "--partitions", "many").contains("--partitions"));
    }

    @Test
    void parsesFlagsIntoTheConfigRecord() {
        EvalJob job = new EvalJob();
        new CommandLine(job).parseArgs("--data", "a.jsonl,b.jsonl", "--data", "c.jsonl", "--out", "o",
                "--completion-field", "output", "--partitions", "6", "--overwrite");
        EvalConfig c = job.config();
        assertEquals(List.of("a.jsonl", "b.jsonl", "c.jsonl"), c.data());
        assertEquals("output", c.completionField());
        assertEquals(6, c.partitions());
        assertTrue(c.overwrite());
        assertTrue(c.scoringMode());
    }

    @Test
    void withoutPromptAModelWithAChatTemplateUsesIt() {
        EvalJob job = new EvalJob();
        new CommandLine(job).parseArgs("--data", "data/synthetic/test.jsonl", "--out", "o", "--model",
                "data/models/arith-tiny");
        assertEquals("chat", job.config().generation().prompt());
        EvalJob explicit = new EvalJob();
        new CommandLine(explicit).parseArgs("--data", "d.jsonl", "--out", "o", "--model", "data/models/arith-tiny",
                "--prompt", "plain");
        assertEquals("plain", explicit.config().generation().prompt());
        // a model directory without a chat template: the flag is required, and the error says why
        String err = failing("--data", "d.jsonl", "--out", "o", "--model", "src/test/resources/fixtures/models/llama-tiny");
        assertTrue(err.contains("--prompt") && err.contains("chat_template"), err);
    }
}
