package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real standalone cluster (Spark's Master and two Workers, one GPU slot each) started by
 * jobs/cluster on loopback, EvalJob submitted to it through jobs/spark-submit with GPU resource
 * scheduling on, and everything stopped again. Without GPUs the discovery scripts hand out
 * placeholder addresses, so the scheduling path is the one a GPU cluster takes.
 */
class StandaloneClusterIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void evalJobRunsTasksOnBothWorkersAndStopLeavesNoProcess(@TempDir Path dir) throws Exception {
        Path cluster = dir.resolve("cluster");
        Launch.Result start = Launch.run(240, null, "jobs/cluster", "start", "--workers", "2",
                "--gpus-per-worker", "1", "--dir", cluster.toString());
        List<Long> pids = List.of();
        try {
            assertEquals(0, start.code(), start.both());
            String[] urls = start.out().strip().split("\n");
            assertEquals(2, urls.length, start.both());
            assertTrue(urls[0].matches("spark://127\\.0\\.0\\.1:\\d+"), urls[0]);
            assertTrue(urls[1].matches("http://127\\.0\\.0\\.1:\\d+"), urls[1]);
            pids = Files.readAllLines(cluster.resolve("pids")).stream()
                    .map(l -> Long.parseLong(l.split(" ")[1])).toList();
            assertEquals(3, pids.size());

            Path events = Files.createDirectories(dir.resolve("events"));
            Path out = dir.resolve("out");
            Launch.Result job = Launch.run(420, null, "jobs/spark-submit", "--master", urls[0],
                    "--conf", "spark.executor.memory=1g",
                    "--conf", "spark.executor.resource.gpu.amount=1", "--conf", "spark.task.resource.gpu.amount=1",
                    "--conf", "spark.eventLog.enabled=true", "--conf", "spark.eventLog.compress=false",
                    "--conf", "spark.eventLog.dir=" + events.toUri(),
                    "--class", "EvalJob", "target/stepdpo.jar", "--data", "data/test/GSM8K_test_data.jsonl",
                    "--out", out.toString(), "--completion-field", "output", "--partitions", "8");
            assertEquals(0, job.code(), job.both());
            JsonNode summary = JSON.readTree(out.resolve("summary.json").toFile());
            assertEquals(1319, summary.get("n").asInt());
            assertTrue(summary.get("correct").asInt() >= 1318, summary.toString());

            // Which executor ran which tasks and holds which GPU (event log), and which worker
            // hosted which executor (work dirs).
            List<JsonNode> log = events(events);
            Map<String, Integer> tasksByExecutor = new HashMap<>();
            Map<String, String> gpuByExecutor = new HashMap<>();
            for (JsonNode e : log) {
                switch (e.path("Event").asText()) {
                    case "SparkListenerTaskEnd" ->
                        tasksByExecutor.merge(e.path("Task Info").path("Executor ID").asText(), 1, Integer::sum);
                    case "SparkListenerExecutorAdded" -> gpuByExecutor.put(e.path("Executor ID").asText(),
                            e.path("Executor Info").path("Resources").path("gpu").path("addresses").toString());
                    default -> { }
                }
            }
            for (int k = 1; k <= 2; k++) {
                Set<String> executors = executorsOfWorker(cluster.resolve("work/worker-" + k));
                int tasks = executors.stream().mapToInt(e -> tasksByExecutor.getOrDefault(e, 0)).sum();
                assertTrue(tasks > 0, "worker " + k + " (executors " + executors + ") ran no task: " + tasksByExecutor);
                String gpu = "[\"" + (k - 1) + "\"]";
                assertTrue(executors.stream().allMatch(x -> gpu.equals(gpuByExecutor.get(x))),
                        "worker " + k + " executors " + executors + " should hold GPU " + gpu + ": " + gpuByExecutor);
            }
        } finally {
            Launch.Result stop = Launch.run(120, null, "jobs/cluster", "stop", "--dir", cluster.toString());
            assertEquals(0, stop.code(), stop.both());
        }
        for (long pid : pids) {
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "still running: " + pid);
        }
        assertEquals(List.of(), processesMentioning(cluster.toString()));
    }

    /**
     * A Worker daemon killed (SIGKILL) while TrainStepDpoJob trains with one barrier task per
     * worker: its executor goes with it and nothing replaces them, so the barrier stage's new attempt
     * can never start. The job stops after the configured wait with exit code 1, a message naming the
     * slots and the checkpoint to resume from, and that checkpoint intact.
     */
    @Test
    void trainingStopsNamingTheCheckpointWhenAWorkerIsLostForGood(@TempDir Path dir) throws Exception {
        Path cluster = dir.resolve("cluster");
        Launch.Result start = Launch.run(240, null, "jobs/cluster", "start", "--workers", "2", "--dir", cluster.toString());
        try {
            assertEquals(0, start.code(), start.both());
            String master = start.out().strip().split("\n")[0];
            Path model = Launch.ROOT.resolve("src/test/resources/fixtures/models/llama-tiny");
            Path out = dir.resolve("out");
            List<String> cmd = List.of(Launch.ROOT.resolve("jobs/spark-submit").toString(), "--master", master,
                    "--conf", "spark.executor.memory=1g", "--conf", "spark.stepdpo.workers.lostSeconds=15",
                    // --model relative to the driver's folder: executors, in folders of their own, get it resolved
                    "--class", "TrainStepDpoJob", "target/stepdpo.jar", "--model", Launch.ROOT.relativize(model).toString(),
                    "--data", model.resolve("train-parity/pairs.jsonl").toString(), "--out", out.toString(),
                    "--prompt", "plain", "--lr", "1e-3", "--workers", "2", "--per-device-batch", "1",
                    "--max-steps", "400", "--save-steps", "4");
            Process driver = new ProcessBuilder(cmd).directory(Launch.ROOT.toFile())
                    .redirectOutput(dir.resolve("driver.out").toFile()).redirectError(dir.resolve("driver.err").toFile())
                    .start();
            long killedAt;
            try {
                Path checkpoint = out.resolve("checkpoints/step-00000004/trainer_state.json");
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(240);
                while (!Files.exists(checkpoint) && driver.isAlive() && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(Files.exists(checkpoint), Files.readString(dir.resolve("driver.err")));
                long worker = Files.readAllLines(cluster.resolve("pids")).stream().filter(l -> l.startsWith("worker-2 "))
                        .mapToLong(l -> Long.parseLong(l.split(" ")[1])).findFirst().orElseThrow();
                ProcessHandle.of(worker).orElseThrow().destroyForcibly(); // SIGKILL to the Worker daemon
                killedAt = System.nanoTime();
                assertTrue(driver.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "the job kept waiting");
            } finally {
                driver.descendants().forEach(ProcessHandle::destroyForcibly);
                driver.destroyForcibly();
            }
            double waited = (System.nanoTime() - killedAt) / 1e9;
            String err = Files.readString(dir.resolve("driver.err"));
            assertEquals(1, driver.exitValue(), err);
            assertTrue(err.contains("training stopped: the cluster has offered only 1 of the 2 task slots"), err);
            java.util.regex.Matcher named = java.util.regex.Pattern.compile("The last checkpoint is (\\S+): run the same "
                    + "command with --resume").matcher(err);
            assertTrue(named.find(), err);
            Path last = Path.of(named.group(1));
            assertTrue(Files.isRegularFile(last.resolve("trainer_state.json")), last.toString());
            assertTrue(!Files.exists(out.resolve("train_summary.json")), "a stopped run has no summary");
            assertTrue(waited >= 15 && waited < 150, "stopped " + waited + " s after the worker was killed");
        } finally {
            Launch.Result stop = Launch.run(120, null, "jobs/cluster", "stop", "--dir", cluster.toString());
            assertEquals(0, stop.code(), stop.both());
        }
    }

    private static List<JsonNode> events(Path events) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        // Event logs may roll (a folder of event files per application): read every file.
        try (Stream<Path> logs = Files.walk(events)) {
            for (Path log : logs.filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                    if (line.startsWith("{")) {
                        out.add(JSON.readTree(line));
                    }
                }
            }
        }
        return out;
    }

    /** Executor ids a worker launched: its work dir holds app-ID/EXECUTOR_ID/ folders. */
    private static Set<String> executorsOfWorker(Path work) throws IOException {
        Set<String> ids = new TreeSet<>();
        try (Stream<Path> apps = Files.list(work)) {
            for (Path app : apps.filter(Files::isDirectory).toList()) {
                try (Stream<Path> execs = Files.list(app)) {
                    execs.filter(Files::isDirectory).forEach(p -> ids.add(p.getFileName().toString()));
                }
            }
        }
        return ids;
    }

    /** Live processes whose command line mentions {@code text}. */
    private static List<String> processesMentioning(String text) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .collect(Collectors.toList());
    }
}
