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
}
