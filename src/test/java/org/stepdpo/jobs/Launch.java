package org.stepdpo.jobs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the project's launchers (jobs/...) as a user would, from the project root, for integration tests. */
final class Launch {
    /** The project root (set by the failsafe configuration; the working directory otherwise). */
    static final Path ROOT = Path.of(System.getProperty("project.root", ".")).toAbsolutePath().normalize();

    private Launch() {}

    /** What a finished command left: its exit code and its two output streams. */
    record Result(int code, String out, String err) {
        String both() {
            return "exit " + code + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
        }
    }

    /** Runs {@code command} (first element relative to the root) with {@code stdin}, within {@code seconds}. */
    static Result run(int seconds, String stdin, String... command) throws IOException, InterruptedException {
        return runWithEnv(seconds, Map.of(), stdin, command);
    }

    /** As {@link #run(int, String, String...)}, with {@code env} added to the command's environment last. */
    static Result runWithEnv(int seconds, Map<String, String> env, String stdin, String... command)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(Arrays.asList(command));
        cmd.set(0, ROOT.resolve(cmd.get(0)).toString());
        Path out = Files.createTempFile("launch", ".out");
        Path err = Files.createTempFile("launch", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            pb.environment().put("DJL_OFFLINE", "true");
            pb.environment().put("OPT_OUT_TRACKING", "true");
            pb.environment().remove("SPARK_HOME"); // the Maven-classpath path is what is under test
            pb.environment().putAll(env);
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + seconds
                        + " s\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
