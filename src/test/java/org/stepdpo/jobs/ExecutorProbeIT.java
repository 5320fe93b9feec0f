package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * <p>local-cluster launches executors from {@code $SPARK_HOME/jars} and needs
 * {@code SPARK_SCALA_VERSION}; the test assembles a Spark home of links to {@code target/lib}.
 * Since {@code jobs/spark-submit} hands over to {@code $SPARK_HOME/bin/spark-submit} whenever
 * {@code SPARK_HOME} is set, the driver is started here by a small script that runs Spark's
 * SparkSubmit class with the JVM flags of {@code jobs/common.sh}.
 */
class ExecutorProbeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODEL = Launch.ROOT.resolve("src/test/resources/fixtures/models/llama-tiny");

    /** Runs SparkSubmit from target/lib with the launchers' JVM flags (arguments are passed on). */
    private static final String SUBMIT = """
            #!/usr/bin/env bash
            set -euo pipefail
            source "%s/jobs/common.sh"
            exec "$(stepdpo_java)" -Xmx512m "${STEPDPO_JVM_FLAGS[@]}" \\
              -Dlog4j.configurationFile="$STEPDPO_HOME/conf/log4j2.properties" \\
              -cp "$STEPDPO_LIB/*" org.apache.spark.deploy.SparkSubmit \\
              --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \\
              --conf spark.executorEnv.DJL_OFFLINE=true --conf spark.executorEnv.OPT_OUT_TRACKING=true "$@"
            """;

    @Test
    void eachExecutorLoadsTheModelOnceForAllItsTasksAndSeesItsGpuAddress(@TempDir Path dir) throws Exception {
        Path home = sparkHome(dir.resolve("spark-home"));
        Path submit = executable(dir.resolve("submit.sh"), SUBMIT.formatted(Launch.ROOT));
        Path gpus = executable(dir.resolve("gpus.sh"),
                "#!/usr/bin/env bash\necho '{\"name\": \"gpu\", \"addresses\": [\"0\"]}'\n");
        JsonNode reference = JSON.readTree(MODEL.resolve("reference.json").toFile()).get("sequences").get(0);
        String ids = stream(reference.get("input_ids")).map(JsonNode::asText).collect(Collectors.joining(" "));
        int nextToken = reference.get("last_logits_top8_ids").get(0).asInt();

        long start = System.nanoTime();
        Map<String, String> env = Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.13");
        Launch.Result r = Launch.runWithEnv(180, env, null, submit.toString(), "--master", "local-cluster[2,1,1024]",
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
        List<Path> logs = executorLogs(home.resolve("work"));
        assertEquals(2, logs.size(), logs.toString());
        for (Path log : logs) {
            String text = Files.readString(log);
            assertEquals(1, count(text, "INFO ExecutorModels: Loaded model decoder-lm:"), log + "\n" + text);
            assertEquals(1, count(text, "Spark assigned GPU address 0 but the engine sees no GPU"), log + "\n" + text);
        }
        assertEquals(List.of(), processesMentioning(home.toString(), 15), "executors left running");
    }

    /** Live processes whose command line mentions {@code text}, once none are left or {@code seconds} pass. */
    private static List<String> processesMentioning(String text, int seconds) throws InterruptedException {
        List<String> found = List.of();
        for (int i = 0; i < seconds * 5; i++) {
            found = ProcessHandle.allProcesses()
                    .filter(p -> p.info().commandLine().map(c -> c.contains(text)).orElse(false))
                    .map(p -> p.pid() + " " + p.info().commandLine().orElse("")).toList();
            if (found.isEmpty()) {
                break;
            }
            Thread.sleep(200);
        }
        return found;
    }

    /** A Spark home as local-cluster needs it: jars/ (links to target/lib) and a RELEASE file. */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        try (Stream<Path> lib = Files.list(Launch.ROOT.resolve("target/lib"))) {
            for (Path jar : lib.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
            }
        }
        Files.writeString(home.resolve("RELEASE"), "Spark home of links to target/lib, for ExecutorProbeIT\n");
        return home;
    }

    private static Path executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** The stderr files of the executors the in-driver Workers launched (work/APP/EXECUTOR/stderr). */
    private static List<Path> executorLogs(Path work) throws IOException {
        try (Stream<Path> files = Files.walk(work, 3)) {
            return files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList();
        }
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
