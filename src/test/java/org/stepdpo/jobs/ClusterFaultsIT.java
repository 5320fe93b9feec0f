package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.Fixtures;

/**
 * Faults on a real standalone cluster (a Master and two Workers started by jobs/cluster on
 * loopback): an executor JVM killed with SIGKILL in the middle of EvalJob, of BuildPairsJob and of
 * TrainStepDpoJob. The Worker starts a new executor, Spark runs the lost tasks again (the barrier
 * stage as a whole), and the outputs equal an undisturbed run's on the same cluster.
 */
class ClusterFaultsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path dir;
    private static Path cluster;
    private static String master;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = dir.resolve("cluster");
        Launch.Result start = Launch.run(240, null, "jobs/cluster", "start", "--workers", "2", "--dir", cluster.toString());
        assertEquals(0, start.code(), start.both());
        master = start.out().strip().split("\n")[0];
    }

    @AfterAll
    static void stopCluster() throws Exception {
        Launch.Result stop = Launch.run(120, null, "jobs/cluster", "stop", "--dir", cluster.toString());
        assertEquals(0, stop.code(), stop.both());
    }

    private static List<String> submit(String... args) {
        List<String> cmd = new ArrayList<>(List.of("jobs/spark-submit", "--master", master,
                "--conf", "spark.executor.memory=1g"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> buildPairs(Path out) {
        return submit("--class", "BuildPairsJob", "target/stepdpo.jar", "--data", "data/synthetic/pairs-source.jsonl",
                "--model", "data/models/arith-tiny", "--out", out.toString(), "--limit", "16",
                "--samples-per-problem", "3", "--rollouts", "4", "--rectify-samples", "4", "--max-new-tokens", "160",
                "--seed", "5", "--partitions", "8", "--concurrent-problems", "2");
    }

    /** Greedy EvalJob with the embedded model on the cluster; returns {@code out}. */
    private static Path evalOn(Path data, Path out) throws Exception {
        Launch.Result job = Launch.run(420, null, submit("--class", "EvalJob", "target/stepdpo.jar",
                "--data", data.toString(), "--out", out.toString(), "--model", "data/models/arith-tiny",
                "--max-new-tokens", "256", "--batch-size", "4", "--partitions", "8").toArray(String[]::new));
        assertEquals(0, job.code(), job.both());
        return out;
    }

    /** Completion by idx of an EvalJob output folder. */
    private static Map<String, String> completions(Path out) throws IOException {
        Map<String, String> byIdx = new java.util.TreeMap<>();
        for (String line : Files.readAllLines(out.resolve("samples.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            byIdx.put(r.get("idx").asText(), r.get("completion").asText());
        }
        return byIdx;
    }

    @Test
    void evalJobSurvivesAKilledExecutorWithEveryProblemOnceAndTheSameCompletions() throws Exception {
        Path data = dir.resolve("problems.jsonl");
        Files.write(data, Files.readAllLines(Launch.ROOT.resolve("data/synthetic/test.jsonl")).subList(0, 96));
        Map<String, String> undisturbed = completions(evalOn(data, dir.resolve("eval-undisturbed")));

        Path out = dir.resolve("eval-disturbed");
        KillOne killer = KillOne.when(() -> anyFile(out.resolve(org.stepdpo.generate.CompletionLog.DIR)));
        Path finished = evalOn(data, out);
        killer.stop();
        assertTrue(killer.killed() > 0, "an executor was killed while the job ran");
        List<String> lines = Files.readAllLines(finished.resolve("samples.jsonl"));
        assertEquals(96, lines.size());
        assertEquals(96, lines.stream().map(l -> {
            try {
                return JSON.readTree(l).get("idx").asText();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }).distinct().count(), "each problem once");
        assertEquals(undisturbed, completions(finished));
    }

    @Test
    void buildPairsSurvivesAKilledExecutorWithEveryProblemOnceAndTheSamePairs() throws Exception {
        Path undisturbed = dir.resolve("pairs-undisturbed");
        Launch.Result u = Launch.run(600, null, buildPairs(undisturbed).toArray(String[]::new));
        assertEquals(0, u.code(), u.both());

        Path out = dir.resolve("pairs-disturbed");
        Path progress = out.resolve(org.stepdpo.pairs.BuildPairsStage.PROGRESS);
        KillOne killer = KillOne.when(() -> anyFile(progress));
        Launch.Result d = Launch.run(600, null, buildPairs(out).toArray(String[]::new));
        killer.stop();
        assertEquals(0, d.code(), d.both());
        assertTrue(killer.killed() > 0, "an executor was killed while the job ran");

        List<String> expected = Files.readAllLines(undisturbed.resolve("pairs.jsonl"));
        assertTrue(expected.size() >= 4, "pairs: " + expected.size());
        assertEquals(expected, Files.readAllLines(out.resolve("pairs.jsonl")), "the same pairs");
        JsonNode stats = JSON.readTree(out.resolve("stats.json").toFile());
        JsonNode before = JSON.readTree(undisturbed.resolve("stats.json").toFile());
        assertEquals(16, stats.get("problems").asInt(), stats.toString());
        for (String field : List.of("problems", "samples", "wrong_samples", "pairs")) {
            assertEquals(before.get(field), stats.get(field), field);
        }
    }

    @Test
    void trainingSurvivesAKilledExecutorAndResumesToTheUndisturbedWeights() throws Exception {
        Path model = Launch.ROOT.resolve("src/test/resources/fixtures/models/llama-tiny");
        List<String> args = List.of("--class", "TrainStepDpoJob", "target/stepdpo.jar", "--model", model.toString(),
                "--data", model.resolve("train-parity/pairs.jsonl").toString(), "--prompt", "plain", "--beta", "0.4",
                "--lr", "1e-3", "--lr-scheduler", "cosine", "--warmup-ratio", "0", "--workers", "2",
                "--per-device-batch", "1", "--max-steps", "40", "--save-steps", "4");
        Path straight = dir.resolve("train-undisturbed");
        List<String> cmd = submit(args.toArray(String[]::new));
        cmd.addAll(List.of("--out", straight.toString()));
        Launch.Result u = Launch.run(600, null, cmd.toArray(String[]::new));
        assertEquals(0, u.code(), u.both());

        Path out = dir.resolve("train-disturbed");
        cmd = submit(args.toArray(String[]::new));
        cmd.addAll(List.of("--out", out.toString()));
        KillOne killer = KillOne.when(() -> Files.exists(out.resolve("checkpoints/step-00000004/trainer_state.json")));
        Launch.Result d = Launch.run(600, null, cmd.toArray(String[]::new));
        killer.stop();
        assertEquals(0, d.code(), d.both());
        assertTrue(killer.killed() > 0, "an executor was killed while the job ran");
        JsonNode summary = JSON.readTree(out.resolve("train_summary.json").toFile());
        int resumedFrom = summary.get("resumed_from_step").asInt();
        assertTrue(resumedFrom >= 4 && resumedFrom % 4 == 0, "resumed from step " + resumedFrom);
        assertEquals(40, Files.readAllLines(out.resolve("metrics.jsonl")).size());
        Map<String, float[]> a = Fixtures.weights(straight.resolve("model"));
        Map<String, float[]> b = Fixtures.weights(out.resolve("model"));
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            for (int i = 0; i < a.get(name).length; i++) {
                assertEquals(a.get(name)[i], b.get(name)[i], 1e-5, name + "[" + i + "]");
            }
        }
    }

    /** Kills one executor JVM of this cluster (SIGKILL) as soon as {@code ready} holds. */
    static final class KillOne {
        private final Thread thread;
        private final AtomicLong killed = new AtomicLong();

        private KillOne(BooleanSupplier ready) {
            thread = new Thread(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(500);
                while (System.nanoTime() < deadline && killed.get() == 0) {
                    if (ready.getAsBoolean()) {
                        ProcessHandle.allProcesses()
                                .filter(p -> p.info().commandLine().map(c -> c.contains("CoarseGrainedExecutorBackend")
                                        && c.contains(cluster.toString())).orElse(false))
                                .findFirst().ifPresent(p -> {
                                    p.destroyForcibly();
                                    killed.set(p.pid());
                                });
                    }
                    try {
                        Thread.sleep(20);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            thread.start();
        }

        static KillOne when(BooleanSupplier ready) {
            return new KillOne(ready);
        }

        long killed() {
            return killed.get();
        }

        void stop() throws InterruptedException {
            thread.interrupt();
            thread.join();
        }
    }

    /** Whether a finished part of a completion log ({@code part-*.jsonl}) is under {@code folder}. */
    static boolean anyFile(Path folder) {
        return savedParts(folder) > 0;
    }

    /** The finished parts ({@code part-*.jsonl}) of the completion log under {@code folder}. */
    static long savedParts(Path folder) {
        if (!Files.isDirectory(folder)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(f -> Files.isRegularFile(f) && f.getFileName().toString().startsWith("part-")
                    && f.getFileName().toString().endsWith(".jsonl")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // the folder changes while it is walked
        }
    }
}
