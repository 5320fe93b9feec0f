package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/replicate}'s last step: reads the starting model's evaluation, each seed's pairs,
 * Step-DPO and DPO runs and their evaluations, the search comparison and the judge's outcome, and
 * writes {@code report.json} and {@code report.md} (accuracy per seed with mean and sample standard
 * deviation, problems fixed and broken against the start, localization against the verifier, and
 * rollouts per located error of binary search against a linear scan).
 */
@Command(name = "replication-report", mixinStandardHelpOptions = true,
        description = "Writes jobs/replicate's report.json and report.md from its run folder.")
public final class ReplicationReport implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("step-dpo", "dpo");

    @Option(names = "--run", required = true, paramLabel = "DIR", description = "jobs/replicate's output folder.")
    Path run;

    @Option(names = "--seeds", required = true, paramLabel = "\"S ...\"", description = "The seeds that ran.")
    String seeds;

    @Option(names = "--seconds", paramLabel = "S", description = "Wall time of the whole run (default 0: unknown).")
    double seconds;

    @Override
    public Integer call() throws IOException {
        List<String> seedList = List.of(seeds.trim().split("\\s+"));
        JsonNode start = read("start/summary.json");
        Map<String, Boolean> startCorrect = correctness(run.resolve("start/samples.jsonl"));
        ObjectNode report = JSON.createObjectNode();
        report.put("test_problems", start.get("n").asLong());
        report.put("start_accuracy", start.get("accuracy").asDouble());
        ArrayNode perSeed = report.putArray("seeds");
        Map<String, List<Double>> accuracies = new HashMap<>();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Starting model (arith-tiny) on %d test problems: **%.2f%%**.%n%n",
                start.get("n").asLong(), 100 * start.get("accuracy").asDouble()));
        md.append("| seed | pairs | method | train steps | accuracy | gain (points) | fixed | broken |\n");
        md.append("|---|---|---|---|---|---|---|---|\n");
        for (String seed : seedList) {
            JsonNode stats = read("seed-" + seed + "/pairs/stats.json");
            ObjectNode s = perSeed.addObject();
            s.put("seed", seed);
            s.put("pairs", stats.get("pairs").asLong());
            s.set("verifier", stats.get("verifier"));
            for (String method : METHODS) {
                JsonNode eval = read("seed-" + seed + "/" + method + "-eval/summary.json");
                JsonNode train = read("seed-" + seed + "/" + method + "/train_summary.json");
                int[] flips = flips(startCorrect, correctness(run.resolve("seed-" + seed + "/" + method
                        + "-eval/samples.jsonl")));
                int fixed = flips[0];
                int broken = flips[1];
                double accuracy = eval.get("accuracy").asDouble();
                double gain = points(accuracy - start.get("accuracy").asDouble());
                accuracies.computeIfAbsent(method, m -> new ArrayList<>()).add(accuracy);
                ObjectNode m = s.putObject(method);
                m.put("accuracy", accuracy);
                m.put("gain_points", gain);
                m.put("fixed", fixed);
                m.put("broken", broken);
                m.put("train_steps", train.get("steps").asLong());
                md.append(String.format(Locale.ROOT, "| %s | %d | %s | %d | %.2f%% | %+.2f | %d | %d |%n", seed,
                        stats.get("pairs").asLong(), method, train.get("steps").asLong(), 100 * accuracy,
                        gain, fixed, broken));
            }
        }
        md.append("\n| method | mean accuracy | sample std | mean gain (points) |\n|---|---|---|---|\n");
        md.append(String.format(Locale.ROOT, "| start | %.2f%% | - | - |%n", 100 * start.get("accuracy").asDouble()));
        ObjectNode summary = report.putObject("summary");
        for (String method : METHODS) {
            List<Double> a = accuracies.get(method);
            double mean = a.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            double std = std(a, mean);
            ObjectNode m = summary.putObject(method);
            m.put("mean_accuracy", mean);
            m.put("std", std);
            m.put("mean_gain_points", points(mean - start.get("accuracy").asDouble()));
            md.append(String.format(Locale.ROOT, "| %s | %.2f%% | %.2f | %+.2f |%n", method, 100 * mean, 100 * std,
                    points(mean - start.get("accuracy").asDouble())));
        }
        md.append(localization(report, seedList.get(0)));
        Path judge = run.resolve("judge/outcome.txt");
        if (Files.isRegularFile(judge)) {
            String outcome = Files.readString(judge).strip();
            report.put("judge_arith_tiny", outcome);
            md.append("\nJudge (`--locate judge --judge-model data/models/arith-tiny`): ").append(outcome).append('\n');
        }
        report.put("seconds", seconds);
        Files.writeString(run.resolve("report.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report)
                + "\n");
        Files.writeString(run.resolve("report.md"), md.toString());
        System.out.print(md);
        System.out.println("report: " + run.resolve("report.json") + ", " + run.resolve("report.md"));
        return 0;
    }

    /** Localization against the verifier and the search comparison, on the first seed's problems. */
    private String localization(ObjectNode report, String seed) throws IOException {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "%n| localization (seed %s) | located "
                + "errors | located = verifier (per error) | located = verifier (per pair) | chosen correct | pairs "
                + "| rollouts | rollouts per located error |%n|---|---|---|---|---|---|---|---|%n", seed));
        ArrayNode rows = report.putArray("localization");
        String[][] runs = {{"rollout, binary (pairs of the first seed)", "seed-" + seed + "/pairs"},
            {"rollout, binary", "search/binary"}, {"rollout, linear", "search/linear"},
            {"rollout, binary, no equation check", "search/binary-no-check"},
            {"rollout, linear, no equation check", "search/linear-no-check"}};
        for (String[] r : runs) {
            Path file = run.resolve(r[1]).resolve("stats.json");
            if (!Files.isRegularFile(file)) {
                continue;
            }
            JsonNode s = JSON.readTree(file.toFile());
            JsonNode v = s.get("verifier");
            ObjectNode row = rows.addObject();
            row.put("run", r[0]);
            row.put("located", s.get("located").asLong());
            row.put("located_accuracy", v.get("located_accuracy").asDouble());
            row.put("pairs_located_accuracy", v.get("pairs_located_accuracy").asDouble());
            row.put("chosen_accuracy", v.get("chosen_accuracy").asDouble());
            row.put("pairs", s.get("pairs").asLong());
            row.put("rollouts", s.get("rollouts").asLong());
            row.put("rollouts_per_located_error", s.get("rollouts_per_located_error").asDouble());
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f%% | %.1f%% | %.1f%% | %d | %d | %.2f |%n", r[0],
                    s.get("located").asLong(), 100 * v.get("located_accuracy").asDouble(),
                    100 * v.get("pairs_located_accuracy").asDouble(), 100 * v.get("chosen_accuracy").asDouble(),
                    s.get("pairs").asLong(), s.get("rollouts").asLong(),
                    s.get("rollouts_per_located_error").asDouble()));
        }
        return md.toString();
    }

    private JsonNode read(String name) throws IOException {
        Path file = run.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--run: " + file
                    + " not found: did every phase of jobs/replicate finish?");
        }
        return JSON.readTree(file.toFile());
    }

    /** Whether each problem of an EvalJob samples.jsonl was solved, by idx. */
    static Map<String, Boolean> correctness(Path samples) throws IOException {
        Map<String, Boolean> out = new HashMap<>();
        try (BufferedReader r = Files.newBufferedReader(samples)) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    JsonNode row = JSON.readTree(line);
                    out.put(row.get("idx").asText(), row.get("correct").asBoolean());
                }
            }
        }
        return out;
    }

    /** {@code {fixed, broken}}: problems wrong before and right after, and right before and wrong after. */
    static int[] flips(Map<String, Boolean> before, Map<String, Boolean> after) {
        int[] out = new int[2];
        for (Map.Entry<String, Boolean> e : after.entrySet()) {
            Boolean was = before.get(e.getKey());
            if (was != null && was != e.getValue()) {
                out[e.getValue() ? 0 : 1]++;
            }
        }
        return out;
    }

    static double std(List<Double> values, double mean) {
        if (values.size() < 2) {
            return 0;
        }
        double sum = 0;
        for (double v : values) {
            sum += (v - mean) * (v - mean);
        }
        return Math.sqrt(sum / (values.size() - 1));
    }

    private static double points(double share) {
        return Math.round(share * 10000) / 100.0;
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new ReplicationReport(), args));
    }
}
