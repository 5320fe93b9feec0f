package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Generation as users run it: EvalJob through jobs/spark-submit (batched, left-padded) gives each
 * problem exactly the completion that jobs/lm generates for it alone; the tiny Qwen2 fixture with
 * the real Qwen tokenizer.
 */
class GenerationIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void evalJobBatchesGenerateWhatJobsLmGeneratesOneAtATime(@TempDir Path dir) throws Exception {
        Path model = Files.createDirectories(dir.resolve("model"));
        Path fixtures = Launch.ROOT.resolve("src/test/resources/fixtures");
        for (String f : List.of("config.json", "model.safetensors")) {
            Files.copy(fixtures.resolve("models/qwen2-tiny/" + f), model.resolve(f));
        }
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(fixtures.resolve("tokenizers/qwen3/" + f), model.resolve(f));
        }
        String[] questions = {"What is 2+3?", "Natalia sold clips to 48 of her friends in April, and then she sold "
                + "half as many clips in May. How many clips did Natalia sell altogether in April and May?", "Why?"};
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < questions.length; i++) {
            rows.add(JSON.createObjectNode().put("idx", "p_" + i).put("instruction", questions[i])
                    .set("answer", JSON.createArrayNode().add("5")).toString());
        }
        Path data = dir.resolve("problems.jsonl");
        Files.writeString(data, String.join("\n", rows) + "\n");

        Path out = dir.resolve("out");
        Launch.Result eval = Launch.run(300, null, "jobs/spark-submit", "--master", "local[2]", "--class", "EvalJob",
                "target/stepdpo.jar", "--data", data.toString(), "--out", out.toString(), "--model", model.toString(),
                "--prompt", "qwen2-boxed", "--max-new-tokens", "8", "--batch-size", "3", "--partitions", "1");
        assertEquals(0, eval.code(), eval.both());
        List<JsonNode> samples = new ArrayList<>();
        for (String l : Files.readAllLines(out.resolve("samples.jsonl"))) {
            samples.add(JSON.readTree(l));
        }
        assertEquals(3, samples.size());
        for (int i = 0; i < questions.length; i++) {
            Launch.Result lm = Launch.run(120, null, "jobs/lm", "generate", "--model", model.toString(), "--text",
                    questions[i], "--prompt", "qwen2-boxed", "--max-new-tokens", "8");
            assertEquals(0, lm.code(), lm.both());
            JsonNode one = JSON.readTree(lm.out());
            assertEquals(one.get("text").asText(), samples.get(i).get("completion").asText(), "problem " + i);
            assertEquals(one.get("ids").size(), samples.get(i).get("new_tokens").asInt());
        }
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertTrue(summary.get("generation").get("tokens_per_s").asDouble() > 0, summary.toString());

        // an unknown template fails before any task runs, naming the flag
        Launch.Result bad = Launch.run(120, null, "jobs/spark-submit", "--master", "local[1]", "--class", "EvalJob",
                "target/stepdpo.jar", "--data", data.toString(), "--out", dir.resolve("o2").toString(),
                "--model", model.toString(), "--prompt", "qwen3-fancy");
        assertEquals(2, bad.code(), bad.both());
        assertTrue(bad.err().contains("--prompt: unknown generation template 'qwen3-fancy'"), bad.both());
    }
}
