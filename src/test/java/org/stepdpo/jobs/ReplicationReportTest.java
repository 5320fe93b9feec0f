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

/** jobs/replicate's report from a small run folder laid out as the script leaves it. */
class ReplicationReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static void eval(Path dir, boolean... correct) throws Exception {
        Files.createDirectories(dir);
        StringBuilder samples = new StringBuilder();
        int right = 0;
        for (int i = 0; i < correct.length; i++) {
            samples.append(JSON.createObjectNode().put("idx", "p" + i).put("correct", correct[i])).append('\n');
            right += correct[i] ? 1 : 0;
        }
        Files.writeString(dir.resolve("samples.jsonl"), samples.toString());
        Files.writeString(dir.resolve("summary.json"), JSON.createObjectNode().put("n", correct.length)
                .put("accuracy", right / (double) correct.length).toString());
    }

    private static void run(Path dir, String seed, boolean[] stepDpo, boolean[] dpo, int pairs) throws Exception {
        Path s = Files.createDirectories(dir.resolve("seed-" + seed));
        eval(s.resolve("step-dpo-eval"), stepDpo);
        eval(s.resolve("dpo-eval"), dpo);
        for (String m : List.of("step-dpo", "dpo")) {
            Files.createDirectories(s.resolve(m));
            Files.writeString(s.resolve(m).resolve("train_summary.json"), "{\"steps\": 7}");
        }
        Files.createDirectories(s.resolve("pairs"));
        Files.writeString(s.resolve("pairs/stats.json"), "{\"pairs\": " + pairs + ", \"located\": 10, \"rollouts\": 30,"
                + " \"rollouts_per_located_error\": 3.0, \"verifier\": {\"located_accuracy\": 0.9,"
                + " \"pairs_located_accuracy\": 1.0, \"chosen_accuracy\": 0.95}}");
    }

    @Test
    void accuracyPerSeedMeanSpreadAndFlipsAgainstTheStart(@TempDir Path dir) throws Exception {
        eval(dir.resolve("start"), true, false, false, true);
        run(dir, "1", new boolean[] {true, true, false, true}, new boolean[] {false, false, false, true}, 11);
        run(dir, "2", new boolean[] {true, true, true, true}, new boolean[] {true, false, false, true}, 12);
        assertEquals(0, JobRunner.execute(new ReplicationReport(),
                new String[] {"--run", dir.toString(), "--seeds", "1 2"}));
        JsonNode r = JSON.readTree(dir.resolve("report.json").toFile());
        assertEquals(0.5, r.get("start_accuracy").asDouble());
        JsonNode seed1 = r.get("seeds").get(0);
        assertEquals(11, seed1.get("pairs").asInt());
        assertEquals(1, seed1.get("step-dpo").get("fixed").asInt());
        assertEquals(0, seed1.get("step-dpo").get("broken").asInt());
        assertEquals(25.0, seed1.get("step-dpo").get("gain_points").asDouble());
        assertEquals(1, seed1.get("dpo").get("broken").asInt());
        assertEquals(2, r.get("seeds").get(1).get("step-dpo").get("fixed").asInt());
        // step-dpo: 0.75 and 1.0, mean 0.875, sample std 0.1768; dpo: 0.25 and 0.5
        assertEquals(0.875, r.get("summary").get("step-dpo").get("mean_accuracy").asDouble(), 1e-12);
        assertEquals(Math.sqrt(0.03125), r.get("summary").get("step-dpo").get("std").asDouble(), 1e-12);
        assertEquals(-12.5, r.get("summary").get("dpo").get("mean_gain_points").asDouble(), 1e-9);
        assertEquals(0.9, r.get("localization").get(0).get("located_accuracy").asDouble());
        String md = Files.readString(dir.resolve("report.md"));
        assertTrue(md.contains("| 2 | 12 | step-dpo | 7 | 100.00% | +50.00 | 2 | 0 |"), md);
    }
}
