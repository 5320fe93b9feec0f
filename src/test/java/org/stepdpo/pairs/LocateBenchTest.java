package org.stepdpo.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.spark.SharedSpark;

class LocateBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void rowsComeFromJsonArraysOrLinesAndBadOnesAreSetAsideWithReasons() {
        String array = "[{\"id\": \"gsm8k-3\", \"problem\": \"p\", \"steps\": [\"a\", \"b\"], \"label\": 1},"
                + " {\"id\": \"gsm8k-4\", \"problem\": \"p\", \"steps\": [\"a\"], \"label\": 1}, 7]";
        List<LocateBench.Parsed> parsed = LocateBench.parse("file:/d/bench.json", "\uFEFF" + array);
        assertEquals(3, parsed.size());
        assertEquals("gsm8k", parsed.get(0).row().subset());
        assertEquals(1, parsed.get(0).row().label());
        assertTrue(parsed.get(1).rejection().reason().startsWith("invalid-label: 1 for 1 steps"));
        assertEquals(2, parsed.get(1).rejection().line());
        assertEquals("not-an-object", parsed.get(2).rejection().reason());

        String lines = "{\"problem\": \"p\", \"steps\": [\"a\"], \"label\": -1, \"subset\": \"mine\"}\r\n"
                + "\n{not json\n{\"problem\": \"p\", \"steps\": [], \"label\": -1}\n"
                + "{\"problem\": \"p\", \"steps\": [\"a\"], \"label\": \"0\"}\n{\"problem\": \"p\", \"steps\": [\"a\"], \"label\": 0}\n\n";
        parsed = LocateBench.parse("file:/d/more.jsonl", lines);
        assertEquals(6, parsed.size());
        assertEquals("mine", parsed.get(0).row().subset());
        assertEquals("empty-line", parsed.get(1).rejection().reason());
        assertEquals("invalid-json", parsed.get(2).rejection().code());
        assertEquals("missing-field", parsed.get(3).rejection().code());
        assertEquals("missing-field", parsed.get(4).rejection().code()); // a label must be a number
        assertEquals("more", parsed.get(5).row().subset()); // no id: the file's name
        assertEquals("file:/d/more.jsonl:6", parsed.get(5).row().id());
    }

    @Test
    void stepsAreLabelledOnceEach() {
        StepFormat.Steps steps = LocateBench.solution(List.of("We add.", "Step 2: 3 + 4 = 7.", "  So 7.  "));
        assertEquals("Step 1: We add.\nStep 2: 3 + 4 = 7.\nStep 3: So 7.", steps.text());
        assertEquals(3, steps.count());
        assertEquals(" 3 + 4 = 7.", steps.body(2));
        assertEquals(StepFormat.steps(steps.text()).count(), steps.count());
    }

    @Test
    void metricsAreProcessBenchs() {
        List<LocateBench.Prediction> p = new ArrayList<>();
        // subset a: 3 erroneous (2 found exactly, 1 placed a step late), 2 correct (1 called correct)
        p.add(prediction("a", 0, 0, true));
        p.add(prediction("a", 2, 2, true));
        p.add(prediction("a", 1, 2, true));
        p.add(prediction("a", -1, -1, true));
        p.add(prediction("a", -1, 3, true));
        // subset b: one correct solution the judge could not read
        p.add(prediction("b", -1, -1, false));
        Map<String, Object> m = LocateBench.metrics(p);
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> subsets = (Map<String, Map<String, Object>>) m.get("subsets");
        Map<String, Object> a = subsets.get("a");
        assertEquals(0.666667, (double) a.get("error_accuracy"), 1e-6);
        assertEquals(0.5, (double) a.get("correct_accuracy"), 1e-12);
        assertEquals(2 * (2.0 / 3) * 0.5 / (2.0 / 3 + 0.5), (double) a.get("f1"), 1e-6);
        Map<String, Object> b = subsets.get("b");
        assertEquals(0.0, (double) b.get("correct_accuracy"), "an unjudged row is a miss");
        assertEquals(1L, b.get("unjudged"));
        assertEquals(((double) a.get("f1") + 0.0) / 2, (double) m.get("average_f1"), 1e-6);
    }

    @Test
    void theVerifierFindsEveryLabelOfSyntheticRowsAndJudgesRunOnTheExecutors(@TempDir Path dir) throws Exception {
        // synthetic solutions: the gold one (no wrong step) and copies with step k's result changed
        List<String> problems = Files.readAllLines(Path.of("data/synthetic/test.jsonl")).subList(0, 6);
        StringBuilder rows = new StringBuilder();
        int wrong = 0;
        for (String line : problems) {
            JsonNode p = JSON.readTree(line);
            StepFormat.Steps gold = StepFormat.steps(p.get("output").asText());
            for (int k = 0; k <= Math.min(2, gold.count()); k++) {
                ArrayNode steps = JSON.createArrayNode();
                for (int j = 1; j <= gold.count(); j++) {
                    String step = gold.through(j).substring(gold.labelStarts()[j - 1]).strip();
                    steps.add(j == k ? step.replaceFirst("= (\\d+)", "= 1$1") : step);
                }
                ObjectNode row = JSON.createObjectNode().put("id", p.get("idx").asText() + "/" + k)
                        .put("subset", "synthetic").put("problem", p.get("instruction").asText())
                        .put("label", k - 1).put("dataset", "synthetic").put("reference", p.get("output").asText());
                row.set("steps", steps);
                rows.append(row).append('\n');
                wrong += k > 0 ? 1 : 0;
            }
        }
        rows.append("{\"id\": \"gsm8k-0\", \"problem\": \"What is 2 + 3?\", \"steps\": [\"2 + 3 = 5.\"], \"label\": -1}\n");
        Path data = dir.resolve("bench.jsonl");
        Files.writeString(data, rows);

        Map<String, Object> summary = LocateBenchStage.run(SharedSpark.get(), new LocateBenchStage.Config(
                List.of(data.toString()), dir.resolve("verifier").toString(), Locate.VERIFIER, null, "float32", 24, 2,
                0, false));
        @SuppressWarnings("unchecked")
        Map<String, Object> overall = (Map<String, Object>) summary.get("overall");
        assertEquals((long) problems.size() + wrong, overall.get("n"));
        assertEquals((long) wrong, overall.get("erroneous"));
        assertEquals(1.0, overall.get("f1"));
        assertEquals(1L, summary.get("rejected"), "the row without a verifier");
        assertTrue(Files.readString(dir.resolve("verifier/summary.json")).contains("\"error_accuracy\" : 1.0"));
        List<String> predictions = Files.readAllLines(dir.resolve("verifier/predictions.jsonl"));
        assertEquals(problems.size() + wrong, predictions.size());
        assertTrue(predictions.stream().allMatch(l -> l.contains("\"hit\":true")));

        // a judge model: every row gets a verdict through the executors' judge, metrics over all of them
        Path judge = StepJudgeTest.qwenJudge(dir.resolve("judge"));
        summary = LocateBenchStage.run(SharedSpark.get(), new LocateBenchStage.Config(List.of(data.toString()),
                dir.resolve("judged").toString(), Locate.JUDGE, judge.toString(), "float32", 24, 2, 5, false));
        @SuppressWarnings("unchecked")
        Map<String, Object> judged = (Map<String, Object>) summary.get("overall");
        assertEquals(5L, judged.get("n"), "--limit 5");
        assertEquals(0L, judged.get("unjudged"));
        assertEquals(0L, summary.get("rejected"));
        for (String line : Files.readAllLines(dir.resolve("judged/predictions.jsonl"))) {
            JsonNode p = JSON.readTree(line);
            assertTrue(p.get("predicted").asInt() >= -1 && p.get("evidence").asText().startsWith("1:"), line);
        }
    }

    @Test
    void badConfigurationFailsNamingTheFlag(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new LocateBenchStage.Config(
                List.of("x"), dir.toString(), Locate.JUDGE, null, "auto", 24, 0, 0, false));
        assertTrue(e.getMessage().contains("--judge-model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new LocateBenchStage.Config(
                List.of("x"), dir.toString(), Locate.ROLLOUT, null, "auto", 24, 0, 0, false));
        assertTrue(e.getMessage().contains("--locate"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LocateBenchStage.run(SharedSpark.get(),
                new LocateBenchStage.Config(List.of(dir.resolve("none.json").toString()), dir.resolve("o").toString(),
                        Locate.VERIFIER, null, "auto", 24, 0, 0, false)));
        assertTrue(e.getMessage().contains("--data"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LocateBenchStage.run(SharedSpark.get(),
                new LocateBenchStage.Config(List.of("data/synthetic/test.jsonl"), dir.resolve("o").toString(),
                        Locate.JUDGE, "data/models/arith-tiny", "auto", 24, 0, 0, false)));
        assertTrue(e.getMessage().contains("--judge-model") && e.getMessage().contains("verdict"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("o")), "nothing written before the checks pass");
    }

    private static LocateBench.Prediction prediction(String subset, int label, int predicted, boolean judged) {
        return new LocateBench.Prediction("f", 1, "id", subset, label, predicted, judged, "");
    }
}
