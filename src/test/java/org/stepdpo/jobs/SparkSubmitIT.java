package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** EvalJob through jobs/spark-submit on local[2], as the README tells users to run it. */
class SparkSubmitIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void scoresEveryReferenceSolutionOfMathAndGsm8k(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("reference");
        Launch.Result r = Launch.run(600, null, "jobs/spark-submit", "--master", "local[2]", "--class", "EvalJob",
                "target/stepdpo.jar", "--data", "data/test/MATH_test_data.jsonl,data/test/GSM8K_test_data.jsonl",
                "--out", out.toString(), "--completion-field", "output");
        assertEquals(0, r.code(), r.both());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        JsonNode math = s.get("by_dataset").get("MATH");
        JsonNode gsm = s.get("by_dataset").get("GSM8K");
        // hendrycks_math_3527 is published with an empty gold ([""]): set aside, not scored.
        assertEquals(4999, math.get("n").asInt());
        assertEquals(1319, gsm.get("n").asInt());
        assertTrue(math.get("correct").asInt() >= 4990, "MATH references correct: " + math);
        assertTrue(gsm.get("correct").asInt() >= 1318, "GSM8K references correct: " + gsm);
        assertEquals(1, s.get("rejected").asInt());
        assertEquals(1, s.get("rejected_by_reason").get("missing-field").asInt());
        assertEquals(4999, s.get("by_type").get("Algebra").get("n").asInt()
                + s.get("by_type").get("Counting & Probability").get("n").asInt()
                + s.get("by_type").get("Geometry").get("n").asInt()
                + s.get("by_type").get("Intermediate Algebra").get("n").asInt()
                + s.get("by_type").get("Number Theory").get("n").asInt()
                + s.get("by_type").get("Prealgebra").get("n").asInt()
                + s.get("by_type").get("Precalculus").get("n").asInt());
        assertTrue(r.out().contains("dataset MATH"), r.out());
        assertEquals(6318, Files.readAllLines(out.resolve("samples.jsonl")).size());
    }

    @Test
    void badRowsAreSetAsideAndTheJobStillSucceeds(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("mixed.jsonl");
        Files.writeString(data, String.join("\n",
                "{\"idx\": \"g1\", \"instruction\": \"1+1?\", \"answer\": [\"2\"], \"output\": \"#### 2\"}",
                "not json at all",
                "",
                "{\"idx\": \"g2\", \"instruction\": \"2+2?\", \"output\": \"#### 4\"}",
                "{\"idx\": \"g3\", \"answer\": [\"4\"], \"output\": \"#### 4\"}",
                "{\"idx\": \"g4\", \"instruction\": \"3+3?\", \"answer\": [\"6\"], \"output\": \"#### 5\"}") + "\n");
        Path out = dir.resolve("out");
        Launch.Result r = Launch.run(300, null, "jobs/spark-submit", "--master", "local[2]", "--class", "EvalJob",
                "target/stepdpo.jar", "--data", data.toString(), "--out", out.toString(),
                "--completion-field", "output");
        assertEquals(0, r.code(), r.both());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(2, s.get("n").asInt());
        assertEquals(1, s.get("correct").asInt());
        assertEquals(4, s.get("rejected").asInt());
        try (var parts = Files.list(out.resolve("rejected"))) {
            Path part = parts.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
            assertEquals(4, Files.readAllLines(part).size());
        }
    }

    @Test
    void aMissingInputFileOrAnUnknownFlagFailsFastNamingIt(@TempDir Path dir) throws Exception {
        String missing = dir.resolve("no-such-file.jsonl").toString();
        Launch.Result r = Launch.run(300, null, "jobs/spark-submit", "--master", "local[1]", "--class", "EvalJob",
                "target/stepdpo.jar", "--data", missing, "--out", dir.resolve("o").toString(),
                "--completion-field", "output");
        assertEquals(2, r.code(), r.both());
        assertTrue(r.err().contains(missing) && r.err().contains("--data"), r.both());

        Launch.Result flag = Launch.run(300, null, "jobs/spark-submit", "--master", "local[1]", "--class",
                "EvalJob", "target/stepdpo.jar", "--data", missing, "--out", "o", "--completion-feild", "output");
        assertEquals(2, flag.code(), flag.both());
        assertTrue(flag.err().contains("--completion-feild"), flag.both());
    }

    @Test
    void gradeToolGradesJsonLinesFromStandardInput() throws Exception {
        String in = "{\"gold\": \"\\\\frac{1}{2}\", \"pred\": \"0.5\"}\n"
                + "{\"gold\": [\"3\"], \"completion\": \"so we get \\\\boxed{4}.\"}\n"
                + "oops\n";
        Launch.Result r = Launch.run(120, in, "jobs/grade");
        assertEquals(0, r.code(), r.both());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.both());
        JsonNode first = JSON.readTree(lines[0]);
        assertTrue(first.get("correct").asBoolean());
        JsonNode second = JSON.readTree(lines[1]);
        assertEquals("4", second.get("extracted").asText());
        assertTrue(!second.get("correct").asBoolean());
        assertTrue(JSON.readTree(lines[2]).get("error").asText().startsWith("invalid-json"));

        String texts = "{\"gold\": \"$x \\\\in [-2,7]$\", \"pred\": \"We find that $-2 \\\\le x \\\\le 7$.\"}\n"
                + "{\"gold\": \"$x \\\\in [-2,7]$\", \"pred\": \"We find that $-2 < x \\\\le 7$.\"}\n";
        Launch.Result sym = Launch.run(120, texts, "jobs/grade", "--symmetric");
        assertEquals(0, sym.code(), sym.both());
        String[] graded = sym.out().strip().split("\n");
        assertEquals(2, graded.length, sym.both());
        assertTrue(JSON.readTree(graded[0]).get("correct").asBoolean(), graded[0]);
        assertEquals("-2 \\le x \\le 7", JSON.readTree(graded[0]).get("extracted").asText());
        assertTrue(!JSON.readTree(graded[1]).get("correct").asBoolean(), graded[1]);
    }
}
