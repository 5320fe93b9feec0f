package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BuildPairsJob as users launch it, on a two-executor local-cluster and on local[1]. */
class BuildPairsIT {
    private static List<String> args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--class", "BuildPairsJob", "target/stepdpo.jar",
                "--data", "data/synthetic/pairs-source.jsonl", "--model", "data/models/arith-tiny",
                "--out", out.toString(), "--limit", "10", "--samples-per-problem", "3", "--rollouts", "4",
                "--rectify-samples", "4", "--max-new-tokens", "160", "--seed", "3"));
        a.addAll(List.of(more));
        return a;
    }

    @Test
    void aTwoExecutorClusterBuildsTheSamePairsAsOneLocalCore(@TempDir Path dir) throws Exception {
        LocalCluster cluster = new LocalCluster(dir);
        Path two = dir.resolve("two");
        List<String> cmd = new ArrayList<>(List.of(cluster.submit.toString(), "--master", "local-cluster[2,1,1536]",
                "--conf", "spark.executor.memory=1g"));
        cmd.addAll(args(two, "--partitions", "4"));
        Launch.Result r = Launch.runWithEnv(400, cluster.env(), null, cmd.toArray(String[]::new));
        assertEquals(0, r.code(), r.both());

        Path one = dir.resolve("one");
        List<String> local = new ArrayList<>(List.of("jobs/spark-submit", "--master", "local[1]"));
        local.addAll(args(one));
        Launch.Result l = Launch.run(400, null, local.toArray(String[]::new));
        assertEquals(0, l.code(), l.both());

        List<String> a = Files.readAllLines(one.resolve("pairs.jsonl"));
        List<String> b = Files.readAllLines(two.resolve("pairs.jsonl"));
        assertTrue(a.size() >= 3, "pairs: " + a.size() + "\n" + l.both());
        assertEquals(a, b, "the same pairs whatever the partitioning");
        assertTrue(l.out().contains("\"pairs\" : " + a.size()), l.out());
    }

    @Test
    void badFlagsAndModelsFailBeforeAnyTaskNamingTheFlag(@TempDir Path dir) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("jobs/spark-submit", "--master", "local[1]"));
        cmd.addAll(args(dir.resolve("o"), "--locate", "oracle"));
        Launch.Result r = Launch.run(120, null, cmd.toArray(String[]::new));
        assertEquals(2, r.code(), r.both());
        assertTrue(r.err().contains("--locate"), r.err());

        cmd = new ArrayList<>(List.of("jobs/spark-submit", "--master", "local[1]"));
        cmd.addAll(args(dir.resolve("o2")));
        cmd.set(cmd.indexOf("data/models/arith-tiny"), dir.toString());
        r = Launch.run(120, null, cmd.toArray(String[]::new));
        assertEquals(2, r.code(), r.both());
        assertTrue(r.err().contains("--model") && r.err().contains("config.json"), r.err());
    }

    /**
     * The driver killed (SIGKILL) while BuildPairsJob runs: re-running with {@code --resume} keeps
     * the problems saved so far, builds the rest, and gives the undisturbed run's pairs, each problem
     * once.
     */
    @Test
    void aKilledDriverIsResumedWithoutLostOrRepeatedProblems(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight");
        List<String> cmd = new ArrayList<>(List.of("jobs/spark-submit", "--master", "local[2]"));
        cmd.addAll(args(straight, "--partitions", "5", "--concurrent-problems", "1"));
        Launch.Result s = Launch.run(400, null, cmd.toArray(String[]::new));
        assertEquals(0, s.code(), s.both());

        Path out = dir.resolve("killed");
        cmd = new ArrayList<>(List.of(Launch.ROOT.resolve("jobs/spark-submit").toString(), "--master", "local[2]"));
        cmd.addAll(args(out, "--partitions", "5", "--concurrent-problems", "1"));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(Launch.ROOT.toFile())
                .redirectOutput(dir.resolve("driver.out").toFile()).redirectError(dir.resolve("driver.err").toFile());
        Process driver = pb.start();
        boolean killedRunning;
        try {
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(300);
            while (!ClusterFaultsIT.anyFile(out.resolve(org.stepdpo.pairs.BuildPairsStage.PROGRESS)) && driver.isAlive()
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            killedRunning = driver.isAlive();
        } finally {
            driver.descendants().forEach(ProcessHandle::destroyForcibly);
            driver.destroyForcibly(); // the launcher execs the driver JVM: this is SIGKILL to it
            driver.waitFor();
        }
        assertTrue(killedRunning, "the driver was killed before it finished\n" + Files.readString(dir.resolve("driver.err")));
        assertTrue(!Files.exists(out.resolve("stats.json")), "a killed run leaves no stats.json");
        long saved = ClusterFaultsIT.savedParts(out.resolve(org.stepdpo.pairs.BuildPairsStage.PROGRESS));
        assertTrue(saved > 0);

        cmd = new ArrayList<>(List.of("jobs/spark-submit", "--master", "local[2]"));
        cmd.addAll(args(out, "--partitions", "5", "--concurrent-problems", "1", "--resume"));
        Launch.Result r = Launch.run(400, null, cmd.toArray(String[]::new));
        assertEquals(0, r.code(), r.both());
        java.util.regex.Matcher kept = java.util.regex.Pattern.compile("built pairs for (\\d+) problems in .* \\((\\d+) kept")
                .matcher(r.both());
        assertTrue(kept.find(), r.both());
        int built = Integer.parseInt(kept.group(1));
        int fromBefore = Integer.parseInt(kept.group(2));
        assertTrue(fromBefore > 0 && fromBefore < 10, "kept " + fromBefore);
        assertEquals(10, built + fromBefore, "each problem built once: " + built + " now, " + fromBefore + " before");
        assertEquals(Files.readAllLines(straight.resolve("pairs.jsonl")), Files.readAllLines(out.resolve("pairs.jsonl")));
        com.fasterxml.jackson.databind.JsonNode stats = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(out.resolve("stats.json").toFile());
        assertEquals(10, stats.get("problems").asInt(), stats.toString());
    }
}
