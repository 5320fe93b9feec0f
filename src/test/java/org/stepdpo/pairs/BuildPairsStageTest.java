package org.stepdpo.pairs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.plot.PlotAssertions.assertPlot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.generate.Sampling;
import org.stepdpo.spark.SharedSpark;
import org.stepdpo.spark.SourceLine;
import org.stepdpo.train.Objective;
import org.stepdpo.train.PairParser;

/**
 * BuildPairsJob's stage on the shared local session with the shipped model {@code arith-tiny} and
 * problems of the synthetic task, whose exact verifier checks what the stage located and chose.
 */
class BuildPairsStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MODEL = "data/models/arith-tiny";
    private static final int PROBLEMS = 16;
    @TempDir
    static Path shared;
    private static Path data;

    @BeforeAll
    static void prepare() throws Exception {
        List<String> rows = new ArrayList<>(Files.readAllLines(Path.of("data/synthetic/pairs-source.jsonl"))
                .subList(0, PROBLEMS));
        rows.add(2, "{\"idx\": \"no-answer\", \"instruction\": \"Tom has 5 cards.\"}");
        rows.add(5, "not json");
        data = shared.resolve("problems.jsonl");
        Files.writeString(data, String.join("\n", rows) + "\n");
    }

    static PairsConfig config(Path out, Locate locate, int partitions) {
        return config(out, locate, partitions, false);
    }

    static PairsConfig config(Path out, Locate locate, int partitions, boolean resume) {
        return config(out, locate, null, 0, partitions, resume);
    }

    static PairsConfig config(Path out, Locate locate, String judge, int limit, int partitions, boolean resume) {
        PairBuilder.Settings pairs = new PairBuilder.Settings(StepFormat.of("chat"), 4, 6, 6, locate,
                Locate.Search.BINARY, true, 5);
        Sampling.Settings sampling = new Sampling.Settings(16, 160, 0.8, 0.95, 0);
        return new PairsConfig(List.of(data.toString()), out.toString(), MODEL, "float32", judge, pairs, sampling,
                limit, partitions, false, resume, PairsConfig.DEFAULT_CONCURRENT_PROBLEMS);
    }

    private static List<JsonNode> pairs(Path out) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(out.resolve(BuildPairsStage.PAIRS_JSONL))) {
            rows.add(JSON.readTree(line));
        }
        return rows;
    }

    @Test
    void verifierLocatedPairsAreWellFormedAndTrainAsTheyAre(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("verifier");
        Map<String, Object> stats = BuildPairsStage.run(SharedSpark.get(), config(out, Locate.VERIFIER, 3));
        assertEquals((long) PROBLEMS, stats.get("problems"));
        assertEquals((long) PROBLEMS * 4, stats.get("samples"));
        assertEquals((long) stats.get("samples"), (long) stats.get("correct_samples") + (long) stats.get("wrong_samples"));
        List<JsonNode> pairs = pairs(out);
        assertEquals(stats.get("pairs"), (long) pairs.size());
        assertTrue(pairs.size() >= 5, "pairs: " + pairs.size());
        assertPlot(out.resolve("stats.png"), 2); // first wrong steps; samples to pairs
        PairParser parser = new PairParser(Objective.STEP_DPO);
        for (int i = 0; i < pairs.size(); i++) {
            JsonNode p = pairs.get(i);
            int k = p.get("step").asInt();
            assertTrue(p.get("initial_reason_steps").asText().endsWith("Step " + k + ":"), p.toString());
            assertEquals(k, p.get("verifier_step").asInt());
            assertTrue(!p.get("chosen").asText().strip().equals(p.get("rejected").asText().strip()));
            assertEquals("synthetic", p.get("dataset").asText());
            assertTrue(parser.call(new SourceLine("pairs.jsonl", i + 1, p.toString(), null)).ok(), p.toString());
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> verifier = (Map<String, Object>) stats.get("verifier");
        assertEquals(1.0, verifier.get("located_accuracy"));
        assertTrue((double) verifier.get("chosen_accuracy") >= 0.9, verifier.toString());
        @SuppressWarnings("unchecked")
        Map<String, Long> rejected = (Map<String, Long>) stats.get("rejected");
        assertEquals(1L, rejected.get("missing-field"));
        assertEquals(1L, rejected.get("invalid-json"));
        assertTrue(Files.isDirectory(out.resolve(BuildPairsStage.PAIRS_PARQUET)));

        // a resumed run finds every problem done: it generates nothing and writes the same pairs
        List<String> before = Files.readAllLines(out.resolve(BuildPairsStage.PAIRS_JSONL));
        long saved;
        try (var files = Files.list(out.resolve(BuildPairsStage.PROGRESS))) {
            saved = files.count();
        }
        Map<String, Object> again = BuildPairsStage.run(SharedSpark.get(), config(out, Locate.VERIFIER, 2, true));
        assertEquals(before, Files.readAllLines(out.resolve(BuildPairsStage.PAIRS_JSONL)));
        assertEquals(stats.get("pairs"), again.get("pairs"));
        try (var files = Files.list(out.resolve(BuildPairsStage.PROGRESS))) {
            assertEquals(saved, files.count(), "nothing generated again");
        }
    }

    @Test
    void rolloutLocalizationFindsTheVerifiersStepAndChoosesCorrectSteps(@TempDir Path dir) throws Exception {
        Map<String, Object> stats = BuildPairsStage.run(SharedSpark.get(), config(dir.resolve("r"), Locate.ROLLOUT, 2));
        assertTrue((long) stats.get("rollouts") > 0);
        assertTrue((long) stats.get("pairs") >= 5, "pairs: " + stats.get("pairs"));
        @SuppressWarnings("unchecked")
        Map<String, Object> verifier = (Map<String, Object>) stats.get("verifier");
        // no judge: rollouts and the equation check, measured against the exact verifier
        assertTrue((double) verifier.get("pairs_located_accuracy") >= 0.85, verifier.toString());
        assertTrue((double) verifier.get("chosen_accuracy") >= 0.95, verifier.toString());
        for (JsonNode p : pairs(dir.resolve("r"))) {
            assertEquals("rollout", p.get("locate").asText());
            assertTrue(!p.get("prefix_success").asText().isEmpty() || p.get("step").asInt() == 1, p.toString());
        }
    }

    @Test
    void badConfigurationFailsBeforeAnyTaskNamingTheFlag(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Locate.parse("judge2"));
        assertTrue(e.getMessage().contains("--locate"), e.getMessage());
        PairsConfig bad = new PairsConfig(List.of(data.toString()), dir.resolve("o").toString(), dir.toString(),
                "float32", null, config(dir, Locate.VERIFIER, 1).pairs(), config(dir, Locate.VERIFIER, 1).sampling(),
                0, 1, false, false, 1);
        e = assertThrows(IllegalArgumentException.class, () -> BuildPairsStage.run(SharedSpark.get(), bad));
        assertTrue(e.getMessage().contains("--model") && e.getMessage().contains("config.json"), e.getMessage());
        // a judge: required by --locate judge, refused otherwise, and one whose vocabulary cannot say its verdicts
        e = assertThrows(IllegalArgumentException.class, () -> config(dir, Locate.JUDGE, null, 0, 1, false));
        assertTrue(e.getMessage().contains("--judge-model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> config(dir, Locate.ROLLOUT, MODEL, 0, 1, false));
        assertTrue(e.getMessage().contains("--judge-model"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BuildPairsStage.run(SharedSpark.get(),
                config(dir.resolve("j"), Locate.JUDGE, MODEL, 0, 1, false)));
        assertTrue(e.getMessage().contains("--judge-model") && e.getMessage().contains("cannot judge"), e.getMessage());
    }

    @Test
    void judgeLocalizationUsesTheJudgesVerdicts(@TempDir Path dir) throws Exception {
        Path judge = StepJudgeTest.qwenJudge(dir.resolve("judge"));
        Path out = dir.resolve("judged");
        Map<String, Object> stats = BuildPairsStage.run(SharedSpark.get(),
                config(out, Locate.JUDGE, judge.toString(), 8, 2, false));
        assertEquals(0L, stats.get("rollouts"));
        long located = (long) stats.get("located");
        assertTrue(located > 0, stats.toString()); // the fixture judge calls some steps wrong
        @SuppressWarnings("unchecked")
        Map<String, Long> unlocated = (Map<String, Long>) stats.get("unlocated");
        assertEquals((long) stats.get("wrong_samples"), located + unlocated.values().stream().mapToLong(v -> v).sum());
        for (JsonNode p : pairs(out)) {
            assertEquals("judge", p.get("locate").asText());
            int k = p.get("step").asInt();
            // the verdicts of steps 1..k: correct up to k-1, then neutral or incorrect
            String[] verdicts = p.get("prefix_success").asText().split(",");
            assertEquals(k, verdicts.length, p.toString());
            for (int j = 0; j < k; j++) {
                assertTrue(verdicts[j].startsWith((j + 1) + ":"), p.toString());
                assertEquals(j < k - 1, verdicts[j].endsWith(":correct"), p.toString());
            }
        }
    }
}
