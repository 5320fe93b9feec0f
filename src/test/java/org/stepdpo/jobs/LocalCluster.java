package org.stepdpo.jobs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What integration tests need to run a job on {@code local-cluster[N,C,M]} (Spark's in-driver Master
 * and Workers, each Worker launching executor JVMs): a Spark home of links to {@code target/lib},
 * and a script that starts the driver from {@code target/lib} with the launchers' JVM flags.
 *
 * <p>Since {@code jobs/spark-submit} hands over to {@code $SPARK_HOME/bin/spark-submit} whenever
 * {@code SPARK_HOME} is set, and local-cluster needs {@code SPARK_HOME} for its executors, the
 * driver is started by this script instead.
 */
final class LocalCluster {
    /** Runs SparkSubmit from target/lib with the launchers' JVM flags (arguments are passed on). */
    private static final String SUBMIT = """
            #!/usr/bin/env bash
            set -euo pipefail
            source "%s/jobs/common.sh"
            exec "$(stepdpo_java)" -Xmx768m "${STEPDPO_JVM_FLAGS[@]}" \\
              -Dlog4j.configurationFile="$STEPDPO_HOME/conf/log4j2.properties" \\
              -cp "$STEPDPO_LIB/*" org.apache.spark.deploy.SparkSubmit \\
              --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \\
              --conf spark.executorEnv.DJL_OFFLINE=true --conf spark.executorEnv.OPT_OUT_TRACKING=true "$@"
            """;

    final Path home;
    final Path submit;

    /** Prepares a Spark home and the submit script under {@code dir}. */
    LocalCluster(Path dir) throws IOException {
        this.home = sparkHome(dir.resolve("spark-home"));
        this.submit = executable(dir.resolve("submit.sh"), SUBMIT.formatted(Launch.ROOT));
    }

    /** The environment local-cluster needs. */
    Map<String, String> env() {
        return Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.13");
    }

    /** A Spark home as local-cluster needs it: jars/ (links to target/lib) and a RELEASE file. */
    private static Path sparkHome(Path home) throws IOException {
        Path jars = Files.createDirectories(home.resolve("jars"));
        try (Stream<Path> lib = Files.list(Launch.ROOT.resolve("target/lib"))) {
            for (Path jar : lib.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
            }
        }
        Files.writeString(home.resolve("RELEASE"), "Spark home of links to target/lib, for integration tests\n");
        return home;
    }

    static Path executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** The stderr files of the executors the in-driver Workers launched (work/APP/EXECUTOR/stderr). */
    List<Path> executorLogs() throws IOException {
        try (Stream<Path> files = Files.walk(home.resolve("work"), 3)) {
            return files.filter(p -> p.getFileName().toString().equals("stderr")).sorted().toList();
        }
    }

    /** Live processes whose command line mentions {@code text}, once none are left or {@code seconds} pass. */
    static List<String> processesMentioning(String text, int seconds) throws InterruptedException {
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
}
