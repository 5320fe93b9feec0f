package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor model cache in two real executor JVMs: ExecutorProbe submitted to
 * {@code local-cluster[2,1,1024]} (Spark's in-driver Master and Workers, each Worker launching one
 * executor process) with GPU resource scheduling on. The Workers find one placeholder GPU each
 * through a discovery script, so every task is assigned a {@code gpu} address that the executors,
 * seeing no GPU, map to the CPU.
 *
 * <p>The cluster's Spark home and driver script come from {@link LocalCluster}.
 */
class ExecutorProbeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODEL = Launch.ROOT.resolve("src/test/resources/fixtures/models/llama-tiny");

    @Test
    void eachExecutorLoadsTheModelOnceForAllItsTasksAndSeesItsGpuAddress(@TempDir Path dir) throws Exception {
        LocalCluster cluster = new LocalCluster(dir);
        Path gpus = LocalCluster.executable(dir.resolve("gpus.sh"),
                "#!/usr/bin/env bash\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        JsonNode reference = JSON.readTree(MODEL.resolve("reference.json").toFile()).get("sequences").get(0);
        String ids = stream(reference.get("input_ids")).map(JsonNode::asText).collect(Collectors.joining(" "));
        int nextToken = reference.get("last_logits_top8_ids").get(0).asInt();

        long start = System.nanoTime();
        Launch.Result r = Launch.runWithEnv(180, cluster.env(), null, cluster.submit.toString(),
                "--master", "local-cluster[2,1,1024]",
                "--conf", "spark.worker.resource.gpu.amount=1",
                "--conf", "spark.worker.resource.gpu.discoveryScript=" + gpus,
                "--conf", "spark.executor.resource.gpu.amount=1", "--conf", "spark.task.resource.gpu.amount=1",
                "--class", "org.stepdpo.jobs.ExecutorProbe", "target/stepdpo.jar",
                "--model", MODEL.toString(), "--ids", ids, "--tasks", "8", "--executors", "2", "--wait-seconds", "60");
        long seconds = (System.nanoTime() - start) / 1_000_000_000L;
        assertEquals(0, r.code(), r.both());
        String json = r.out().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow(() ->
                new AssertionError("no JSON report on stdout\n" + r.both()));
        System.out.println("ExecutorProbe on local-cluster[2,1,1024] (" + seconds + " s): " + json);
        JsonNode report = JSON.readTree(json);

        assertEquals(16, report.get("tasks").asInt(), json);
        JsonNode executors = report.get("executors");
        assertEquals(List.of("0", "1"), fieldNames(executors), json);
        List<Long> pids = new ArrayList<>();
        for (JsonNode e : executors) {
            // Tasks in both stages, and still one load and one model instance in that JVM.
            assertTrue(e.get("tasks_by_stage").path("0").asInt() > 0, json);
            assertTrue(e.get("tasks_by_stage").path("1").asInt() > 0, json);
            assertEquals(1, e.get("loads").asInt(), json);
            assertEquals(1, e.get("models").asInt(), json);
            assertEquals(1, e.get("pids").size(), json);
            pids.add(e.get("pids").get(0).asLong());
            // Spark's placeholder GPU reached every task; without a real GPU the model runs on the CPU.
            assertEquals("[\"0\"]", e.get("gpu_addresses").toString(), json);
            assertEquals("[\"cpu()\"]", e.get("devices").toString(), json);
            assertEquals("[\"next token " + nextToken + "\"]", e.get("checks").toString(), json);
        }
        assertNotEquals(pids.get(0), pids.get(1), "two executor JVMs: " + json);

        // Each executor's log: one load, and the GPU-to-CPU fallback reported once.
        List<Path> logs = cluster.executorLogs();
        assertEquals(2, logs.size(), logs.toString());
        for (Path log : logs) {
            String text = Files.readString(log);
            assertEquals(1, count(text, "INFO ExecutorModels: Loaded model decoder-lm:"), log + "\n" + text);
            assertEquals(1, count(text, "Spark assigned GPU address 0 but the engine sees no GPU"), log + "\n" + text);
        }
        assertEquals(List.of(), LocalCluster.processesMentioning(cluster.home.toString(), 15), "executors left running");
    }





    private static int count(String text, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static Stream<JsonNode> stream(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list.stream();
    }
}
