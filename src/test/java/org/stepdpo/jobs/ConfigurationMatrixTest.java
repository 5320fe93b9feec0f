package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad configuration fails before Spark starts, with the usage exit code (2) and a message naming
 * the flag, for each of the four jobs: zero or negative beta, learning rate, batch sizes and counts,
 * an unknown template, a model directory that is not one, and GPU resources asked of a local master.
 * Every row runs with {@code spark.master=local[1]} and a GPU amount set, so a row whose flags were
 * wrongly accepted is refused by the GPU check (naming it, not the row's flag) instead of starting
 * Spark; the last rows, with good flags, expect exactly that refusal.
 */
class ConfigurationMatrixTest {
    private static final String GPU = "spark.executor.resource.gpu.amount";
    private static final String MODEL = Launch.ROOT.resolve("data/models/arith-tiny").toString();
    private static final String NOT_A_MODEL = Launch.ROOT.resolve("data/synthetic").toString();
    private static final String OUT = Launch.ROOT.resolve("target/configuration-matrix-out").toString();
    private static String savedMaster;

    @BeforeAll
    static void localMasterAskingForGpus() {
        savedMaster = System.getProperty("spark.master");
        System.setProperty("spark.master", "local[1]");
        System.setProperty(GPU, "1");
    }

    @AfterAll
    static void restore() {
        System.clearProperty(GPU);
        if (savedMaster == null) {
            System.clearProperty("spark.master");
        } else {
            System.setProperty("spark.master", savedMaster);
        }
    }

    private static String[] eval(String... more) {
        return join(List.of("--data", Launch.ROOT.resolve("data/synthetic/test.jsonl").toString(), "--out", OUT,
                "--model", MODEL), more);
    }

    private static String[] pairs(String... more) {
        return join(List.of("--data", Launch.ROOT.resolve("data/synthetic/pairs-source.jsonl").toString(), "--out", OUT,
                "--model", MODEL), more);
    }

    private static String[] train(String... more) {
        return join(List.of("--data", Launch.ROOT.resolve("data/synthetic/sft.jsonl").toString(), "--out", OUT,
                "--model", MODEL), more);
    }

    /** The base flags with {@code more} appended; a later {@code --model} replaces the base's. */
    private static String[] join(List<String> base, String... more) {
        List<String> all = new ArrayList<>(base);
        List<String> extra = List.of(more);
        int m = extra.indexOf("--model");
        if (m >= 0) {
            all.set(all.indexOf("--model") + 1, extra.get(m + 1));
        }
        for (int i = 0; i < extra.size(); i++) {
            if (i == m) {
                i++;
            } else {
                all.add(extra.get(i));
            }
        }
        return all.toArray(String[]::new);
    }

    private static Arguments row(String job, Supplier<Callable<Integer>> make, String[] args, String named) {
        return Arguments.of(job + " " + String.join(" ", args).replace(Launch.ROOT + "/", ""), make, args, named);
    }

    static Stream<Arguments> rows() {
        Supplier<Callable<Integer>> e = EvalJob::new;
        Supplier<Callable<Integer>> b = BuildPairsJob::new;
        Supplier<Callable<Integer>> t = TrainStepDpoJob::new;
        Supplier<Callable<Integer>> s = SftJob::new;
        return Stream.of(
                // beta
                row("TrainStepDpoJob", t, train("--beta", "0"), "--beta"),
                row("TrainStepDpoJob", t, train("--beta", "-0.1"), "--beta"),
                // learning rate
                row("TrainStepDpoJob", t, train("--lr", "0"), "--lr"),
                row("TrainStepDpoJob", t, train("--lr", "-1e-6"), "--lr"),
                row("SftJob", s, train("--lr", "0"), "--lr"),
                row("SftJob", s, train("--lr", "-1"), "--lr"),
                // batch sizes and counts
                row("TrainStepDpoJob", t, train("--per-device-batch", "0"), "--per-device-batch"),
                row("TrainStepDpoJob", t, train("--per-device-batch", "-2"), "--per-device-batch"),
                row("TrainStepDpoJob", t, train("--grad-accum", "0"), "--grad-accum"),
                row("TrainStepDpoJob", t, train("--workers", "0"), "--workers"),
                row("TrainStepDpoJob", t, train("--epochs", "0"), "--epochs"),
                row("SftJob", s, train("--per-device-batch", "0"), "--per-device-batch"),
                row("SftJob", s, train("--grad-accum", "-1"), "--grad-accum"),
                row("EvalJob", e, eval("--batch-size", "0"), "--batch-size"),
                row("EvalJob", e, eval("--batch-size", "-3"), "--batch-size"),
                row("EvalJob", e, eval("--max-new-tokens", "0"), "--max-new-tokens"),
                row("BuildPairsJob", b, pairs("--batch-size", "0"), "--batch-size"),
                row("BuildPairsJob", b, pairs("--samples-per-problem", "0"), "--samples-per-problem"),
                row("BuildPairsJob", b, pairs("--rectify-samples", "-1"), "--rectify-samples"),
                row("BuildPairsJob", b, pairs("--rollouts", "0"), "--rollouts"),
                row("BuildPairsJob", b, pairs("--temperature", "-0.5"), "--temperature"),
                // unknown template
                row("TrainStepDpoJob", t, train("--prompt", "no-such-template"), "--prompt"),
                row("SftJob", s, train("--prompt", "no-such-template"), "--prompt"),
                row("EvalJob", e, eval("--prompt", "no-such-template"), "--prompt"),
                row("BuildPairsJob", b, pairs("--prompt", "no-such-template"), "--prompt"),
                // unknown choices
                row("BuildPairsJob", b, pairs("--locate", "oracle"), "--locate"),
                // a model directory that is not one
                row("TrainStepDpoJob", t, train("--model", NOT_A_MODEL), "--model"),
                row("SftJob", s, train("--model", NOT_A_MODEL), "--model"),
                row("EvalJob", e, eval("--model", NOT_A_MODEL), "--model"),
                row("BuildPairsJob", b, pairs("--model", NOT_A_MODEL), "--model"),
                row("BuildPairsJob", b, pairs("--locate", "judge", "--judge-model", NOT_A_MODEL), "--judge-model"),
                // good flags, GPU resources with a local master
                row("TrainStepDpoJob", t, train(), GPU),
                row("SftJob", s, train(), GPU),
                row("EvalJob", e, eval(), GPU),
                row("BuildPairsJob", b, pairs(), GPU));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void failsBeforeSparkNamingTheFlag(String name, Supplier<Callable<Integer>> job, String[] args, String named) {
        StringWriter err = new StringWriter();
        long start = System.nanoTime();
        int code = JobRunner.execute(job.get(), args, new PrintWriter(err, true));
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertEquals(JobRunner.USAGE_ERROR, code, err.toString());
        String message = err.toString();
        assertTrue(message.contains(named), "expected the message to name " + named + ": " + message);
        if (!named.equals(GPU)) {
            assertTrue(!message.contains(GPU), "refused by the GPU check, not by its flag: " + message);
        }
        assertTrue(millis < 20_000, "took " + millis + " ms");
        assertTrue(!Path.of(OUT).toFile().exists(), "nothing written to --out");
    }
}
