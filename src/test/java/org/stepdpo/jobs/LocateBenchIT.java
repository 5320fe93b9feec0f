package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LocateBenchJob as users launch it: a judge model on the first rows of ProcessBench's GSM8K and
 * MATH files, and the exact verifier on the embedded model's own solutions of synthetic problems.
 */
class LocateBenchIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aJudgeScoresProcessBenchAndTheVerifierScoresSyntheticSolutionsExactly(@TempDir Path dir) throws Exception {
        // a judge with a general vocabulary (arith-tiny's task vocabulary cannot write the verdict words)
        Path judge = Files.createDirectories(dir.resolve("judge"));
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(Launch.ROOT.resolve("src/test/resources/fixtures/models/qwen2-tiny").resolve(f), judge.resolve(f));
        }
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(Launch.ROOT.resolve("src/test/resources/fixtures/tokenizers/qwen3").resolve(f), judge.resolve(f));
        }
        for (String subset : List.of("gsm8k", "math")) {
            Path out = dir.resolve(subset);
            Launch.Result r = Launch.run(300, null, "jobs/spark-submit", "--master", "local[2]", "--class",
                    "LocateBenchJob", "target/stepdpo.jar", "--data", "data/external/processbench/" + subset + ".json",
                    "--locate", "judge", "--judge-model", judge.toString(), "--limit", "4", "--out", out.toString());
            assertEquals(0, r.code(), r.both());
            JsonNode s = JSON.readTree(out.resolve("summary.json").toFile()).path("subsets").path(subset);
            assertEquals(4, s.path("n").asInt(), s.toString());
            assertEquals(4, s.path("erroneous").asInt() + s.path("correct").asInt());
            for (String metric : List.of("error_accuracy", "correct_accuracy", "f1")) {
                double v = s.path(metric).asDouble(-1);
                assertTrue(v >= 0 && v <= 1, metric + " " + s);
            }
            assertEquals(4, Files.readAllLines(out.resolve("predictions.jsonl")).size());
        }

        // the embedded model's solutions of 24 problems, labelled by the verifier, scored by it
        Path problems = dir.resolve("problems.jsonl");
        Files.write(problems, Files.readAllLines(Launch.ROOT.resolve("data/synthetic/test.jsonl")).subList(0, 24));
        Launch.Result eval = Launch.run(300, null, "jobs/spark-submit", "--master", "local[2]", "--class", "EvalJob",
                "target/stepdpo.jar", "--data", problems.toString(), "--model", "data/models/arith-tiny",
                "--max-new-tokens", "256", "--out", dir.resolve("eval").toString());
        assertEquals(0, eval.code(), eval.both());
        Path labelled = dir.resolve("synthetic.jsonl");
        Launch.Result verify = Launch.run(120, null, "jobs/synth", "verify", "--data", problems.toString(),
                "--completions", dir.resolve("eval/samples.jsonl").toString(), "--processbench", labelled.toString());
        assertEquals(0, verify.code(), verify.both());
        Path out = dir.resolve("verifier");
        Launch.Result r = Launch.run(300, null, "jobs/spark-submit", "--master", "local[2]", "--class",
                "LocateBenchJob", "target/stepdpo.jar", "--data", labelled.toString(), "--locate", "verifier",
                "--out", out.toString());
        assertEquals(0, r.code(), r.both());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile()).path("subsets").path("synthetic");
        assertEquals(24, s.path("n").asInt(), s.toString());
        assertTrue(s.path("erroneous").asInt() > 0 && s.path("correct").asInt() > 0, s.toString());
        assertEquals(1.0, s.path("f1").asDouble(), s.toString());
    }
}
