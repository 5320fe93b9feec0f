package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.stepdpo.plot.RunPlots;
import org.stepdpo.train.RunFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/quickstart}'s last step: reads the before and after EvalJob summaries, BuildPairsJob's
 * stats and the training summary, prints the before/after table and writes {@code report.json}.
 */
@Command(name = "quickstart-report", mixinStandardHelpOptions = true,
        description = "Writes the quick start's report.json and prints its before/after table.")
public final class QuickstartReport implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--run", required = true, paramLabel = "DIR",
            description = "The quick start's folder: eval-before/, pairs/, train/, eval-after/.")
    Path run;

    @Option(names = "--seconds", required = true, paramLabel = "S", description = "Wall time of the whole run.")
    double seconds;

    @Override
    public Integer call() throws IOException {
        JsonNode before = read("eval-before/summary.json");
        JsonNode after = read("eval-after/summary.json");
        JsonNode pairs = read("pairs/stats.json");
        JsonNode train = read("train/train_summary.json");
        ObjectNode report = JSON.createObjectNode();
        report.set("before", bucket(before));
        report.set("after", bucket(after));
        report.put("gain_points", Math.round((after.get("accuracy").asDouble() - before.get("accuracy").asDouble())
                * 10000) / 100.0);
        // problems whose result changed: the net gain is fixed - broken, and their sum shows the noise around it
        int[] flips = ReplicationReport.flips(ReplicationReport.correctness(run.resolve("eval-before/samples.jsonl")),
                ReplicationReport.correctness(run.resolve("eval-after/samples.jsonl")));
        report.put("fixed", flips[0]);
        report.put("broken", flips[1]);
        report.put("pairs", pairs.get("pairs").asLong());
        report.put("pair_problems", pairs.get("problems").asLong());
        report.put("wrong_samples", pairs.get("wrong_samples").asLong());
        report.set("first_error_histogram", pairs.get("first_error_histogram"));
        if (pairs.has("verifier")) {
            report.set("verifier", pairs.get("verifier"));
        }
        report.put("train_steps", train.get("steps").asLong());
        report.put("seconds", Math.round(seconds * 10) / 10.0);
        ObjectNode phases = report.putObject("phase_seconds");
        phases.put("eval_before", total(before));
        phases.put("build_pairs", pairs.get("timing").get("total_s").asDouble());
        phases.put("train", train.get("timing").get("total_s").asDouble());
        phases.put("eval_after", total(after));
        Files.writeString(run.resolve("report.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report)
                + "\n");
        Path png = run.resolve(RunPlots.QUICKSTART);
        RunPlots.drawQuietly(RunPlots.QUICKSTART, () -> RunPlots.quickstart(report, run.toString()),
                bytes -> RunFiles.writeBytesAtomically(png, bytes));
        System.out.print(table(before, after));
        System.out.printf("problems fixed: %d, broken: %d%n", flips[0], flips[1]);
        System.out.printf("pairs: %d from %d problems (%d wrong samples); %d training steps; %.0f s in all%n",
                report.get("pairs").asLong(), report.get("pair_problems").asLong(),
                report.get("wrong_samples").asLong(), report.get("train_steps").asLong(), seconds);
        System.out.println("report: " + run.resolve("report.json") + (Files.isRegularFile(png) ? ", " + png : ""));
        return 0;
    }

    private JsonNode read(String name) throws IOException {
        Path file = run.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--run: " + file + " not found: did every phase of the quick start finish?");
        }
        return JSON.readTree(file.toFile());
    }

    private static ObjectNode bucket(JsonNode summary) {
        ObjectNode o = JSON.createObjectNode();
        o.put("n", summary.get("n").asLong());
        o.put("correct", summary.get("correct").asLong());
        o.put("accuracy", summary.get("accuracy").asDouble());
        ObjectNode levels = o.putObject("by_level");
        for (Iterator<Map.Entry<String, JsonNode>> it = summary.get("by_level").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            levels.put(e.getKey(), e.getValue().get("accuracy").asDouble());
        }
        return o;
    }

    private static double total(JsonNode summary) {
        return summary.get("timing").get("total_s").asDouble();
    }

    /** The before/after table: accuracy overall and by number of steps. */
    static String table(JsonNode before, JsonNode after) {
        TreeSet<String> levels = new TreeSet<>();
        before.get("by_level").fieldNames().forEachRemaining(levels::add);
        StringBuilder sb = new StringBuilder(String.format("%-8s %5s %8s", "", "n", "accuracy"));
        for (String l : levels) {
            sb.append(String.format(" %7s", l + " steps"));
        }
        sb.append('\n');
        for (var row : new Object[][] {{"before", before}, {"after", after}}) {
            JsonNode s = (JsonNode) row[1];
            sb.append(String.format("%-8s %5d %7.1f%%", row[0], s.get("n").asLong(), 100 * s.get("accuracy").asDouble()));
            for (String l : levels) {
                JsonNode b = s.get("by_level").get(l);
                sb.append(b == null ? String.format(" %7s", "-")
                        : String.format(" %6.1f%%", 100 * b.get("accuracy").asDouble()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new QuickstartReport(), args));
    }
}
