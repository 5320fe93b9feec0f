package org.stepdpo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.generate.CompletionLog;
import org.stepdpo.model.Fixtures;
import org.stepdpo.spark.SharedSpark;

/**
 * EvalJob's generation mode on the shared local session: the tiny Qwen2 fixture with the real Qwen
 * tokenizer, generating for a handful of problems of mixed prompt lengths.
 */
class EvalGenerationTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path shared;
    private static Path model;
    private static Path data;

    @BeforeAll
    static void prepare() throws Exception {
        model = Files.createDirectories(shared.resolve("qwen2-tiny-tok"));
        Path weights = Fixtures.model("qwen2-tiny");
        Files.copy(weights.resolve("config.json"), model.resolve("config.json"));
        Files.copy(weights.resolve("model.safetensors"), model.resolve("model.safetensors"));
        Path tok = Fixtures.tokenizer("qwen3");
        Files.copy(tok.resolve("tokenizer.json"), model.resolve("tokenizer.json"));
        Files.copy(tok.resolve("tokenizer_config.json"), model.resolve("tokenizer_config.json"));
        List<String> rows = new ArrayList<>();
        String[] questions = {"What is 1+1?", "Compute $\\frac{1}{2}+\\frac{1}{3}$.", "Seven?",
            "A train leaves at 3 pm and travels 60 miles per hour for two and a half hours. How far does it go?",
            "x", "Find the value of $x$ such that $2x+3=11$, then report $x^2$."};
        for (int i = 0; i < questions.length; i++) {
            rows.add(JSON.createObjectNode().put("idx", "q_" + i).put("instruction", questions[i])
                    .set("answer", JSON.createArrayNode().add(String.valueOf(i))).toString());
        }
        rows.add(JSON.createObjectNode().put("idx", "long_0").put("instruction", "word ".repeat(5000))
                .set("answer", JSON.createArrayNode().add("0")).toString());
        data = shared.resolve("problems.jsonl");
        Files.writeString(data, String.join("\n", rows) + "\n");
    }

    private static EvalConfig config(Path out, int batch, int partitions, double temperature, boolean resume) {
        EvalConfig.Generation g = new EvalConfig.Generation(model.toString(), "qwen2-boxed", 10, batch, temperature,
                0.95, 0, 7, "float32");
        return new EvalConfig(List.of(data.toString()), out.toString(), null, g, partitions, false, resume);
    }

    private static Map<String, JsonNode> samples(Path out) throws Exception {
        Map<String, JsonNode> byIdx = new TreeMap<>();
        for (String l : Files.readAllLines(out.resolve("samples.jsonl"))) {
            JsonNode r = JSON.readTree(l);
            byIdx.put(r.get("idx").asText(), r);
        }
        return byIdx;
    }

    private static Map<String, String> completions(Path out) throws Exception {
        Map<String, String> m = new TreeMap<>();
        samples(out).forEach((k, v) -> m.put(k, v.get("completion").asText()));
        return m;
    }

    @Test
    void batchedGreedyGenerationEqualsOneAtATimeAndReportsLongPrompts(@TempDir Path dir) throws Exception {
        EvalSummary batched = EvalStage.run(SharedSpark.get(), config(dir.resolve("b4"), 4, 2, 0, false));
        EvalStage.run(SharedSpark.get(), config(dir.resolve("b1"), 1, 1, 0, false));
        assertEquals(7, batched.overall().n());
        assertEquals(completions(dir.resolve("b1")), completions(dir.resolve("b4")));

        Map<String, JsonNode> s = samples(dir.resolve("b4"));
        assertEquals("prompt_too_long", s.get("long_0").get("finish").asText());
        assertEquals(0, s.get("long_0").get("new_tokens").asInt());
        JsonNode q = s.get("q_3");
        assertTrue(q.get("prompt").asText().startsWith("<|im_start|>system\n"), q.toString());
        assertTrue(q.get("new_tokens").asInt() >= 1 && q.get("new_tokens").asInt() <= 10, q.toString());
        assertTrue(q.get("completion").asText().length() > 0);

        JsonNode summary = JSON.readTree(dir.resolve("b4/summary.json").toFile());
        assertEquals(7, summary.get("generation").get("generated").asInt());
        assertEquals(1, summary.get("generation").get("prompt_too_long").asInt());
        assertTrue(summary.get("generation").get("new_tokens").asInt() >= 6);
        assertTrue(summary.get("timing").has("generate_s"));

        // A second run into the same folder must say how to proceed.
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EvalStage.run(SharedSpark.get(), config(dir.resolve("b4"), 4, 2, 0, false)));
        assertTrue(e.getMessage().contains("--overwrite"), e.getMessage());
    }

    @Test
    void samplingIsReproducibleAcrossBatchSizesAndPartitions(@TempDir Path dir) throws Exception {
        EvalStage.run(SharedSpark.get(), config(dir.resolve("a"), 1, 1, 0.8, false));
        EvalStage.run(SharedSpark.get(), config(dir.resolve("b"), 3, 3, 0.8, false));
        assertEquals(completions(dir.resolve("a")), completions(dir.resolve("b")));
    }

    @Test
    void resumeGeneratesOnlyWhatIsMissing(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("run");
        EvalStage.run(SharedSpark.get(), config(out, 2, 2, 0, false));
        Map<String, String> first = completions(out);
        List<Path> parts;
        try (Stream<Path> files = Files.list(out.resolve(CompletionLog.DIR))) {
            parts = files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList();
        }
        assertTrue(parts.size() >= 2, parts.toString());
        int lost = Files.readAllLines(parts.get(0)).size();
        Files.delete(parts.get(0)); // as if the run had stopped before this batch

        EvalStage.run(SharedSpark.get(), config(out, 2, 2, 0, true));
        JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(lost, summary.get("generation").get("generated").asInt());
        assertEquals(7 - lost, summary.get("generation").get("resumed").asInt());
        assertEquals(first, completions(out));
    }
}
