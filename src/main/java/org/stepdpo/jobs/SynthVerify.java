package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.stepdpo.pairs.StepFormat;
import org.stepdpo.synthetic.StepVerifier;
import org.stepdpo.synthetic.StepVerifier.Verdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/synth verify}: runs the exact step verifier over solutions of synthetic problems (the
 * gold ones, or completions such as EvalJob's {@code samples.jsonl}) and prints the counts: correct,
 * the first wrong position and the kind of mistake, by level, and how often the verifier and the
 * answer grader (EvalJob's {@code correct}) agree. With {@code --out FILE} it writes one verdict per
 * solution as JSONL.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Checks solutions of synthetic problems step by step; prints counts as JSON.")
final class SynthVerify implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--data", required = true, paramLabel = "FILE",
            description = "The problems (JSONL with idx, instruction, output), e.g. data/synthetic/test.jsonl.")
    Path data;

    @Option(names = "--completions", paramLabel = "FILE",
            description = "JSONL with idx and the solution field (e.g. EvalJob's samples.jsonl); default: --data.")
    Path completions;

    @Option(names = "--field", paramLabel = "NAME",
            description = "The solution field of --completions (default completion; output when verifying --data).")
    String field;

    @Option(names = "--out", paramLabel = "FILE", description = "Write each verdict as a JSONL row.")
    Path out;

    @Option(names = "--processbench", paramLabel = "FILE",
            description = "Write each solution with steps as a labelled row in ProcessBench's format (id, subset, "
                    + "problem, steps, label = 0-based first wrong step or -1, dataset, reference), for LocateBenchJob.")
    Path processbench;

    @Override
    public Integer call() throws IOException {
        Map<String, JsonNode> problems = new HashMap<>();
        for (String line : Files.readAllLines(data, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                JsonNode row = JSON.readTree(line);
                problems.put(row.path("idx").asText(), row);
            }
        }
        Path source = completions == null ? data : completions;
        String solutionField = field != null ? field : completions == null ? "output" : "completion";
        int n = 0;
        int correct = 0;
        int missing = 0;
        int graded = 0;
        int agree = 0;
        Map<Integer, Integer> firstWrong = new TreeMap<>();
        Map<String, Integer> kinds = new TreeMap<>();
        Map<String, int[]> byLevel = new TreeMap<>();
        StringBuilder verdicts = new StringBuilder();
        StringBuilder labelled = new StringBuilder();
        try (BufferedReader in = Files.newBufferedReader(source, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row = JSON.readTree(line);
                JsonNode problem = problems.get(row.path("idx").asText());
                if (problem == null || !row.hasNonNull(solutionField)) {
                    missing++;
                    continue;
                }
                Verdict v = StepVerifier.verify(problem.path("instruction").asText(), problem.path("output").asText(),
                        row.path(solutionField).asText());
                n++;
                int[] level = byLevel.computeIfAbsent(problem.path("level").asText("?"), k -> new int[2]);
                level[0]++;
                if (v.correct()) {
                    correct++;
                    level[1]++;
                } else {
                    firstWrong.merge(v.firstWrong(), 1, Integer::sum);
                    kinds.merge(v.kind().name().toLowerCase(), 1, Integer::sum);
                }
                if (row.has("correct") && row.get("correct").isBoolean()) {
                    graded++;
                    agree += row.get("correct").asBoolean() == v.correct() ? 1 : 0;
                }
                if (processbench != null) {
                    ObjectNode labelledRow = labelled(row.path("idx").asText(), problem, row.path(solutionField).asText(), v);
                    if (labelledRow != null) {
                        labelled.append(labelledRow).append('\n');
                    }
                }
                if (out != null) {
                    ObjectNode o = JSON.createObjectNode();
                    o.put("idx", row.path("idx").asText());
                    o.put("level", problem.path("level").asInt());
                    o.put("correct", v.correct());
                    o.put("first_wrong", v.firstWrong());
                    o.put("kind", v.kind() == null ? null : v.kind().name().toLowerCase());
                    o.put("reason", v.reason());
                    o.put("steps", v.steps());
                    verdicts.append(o).append('\n');
                }
            }
        }
        if (out != null) {
            Files.writeString(out, verdicts.toString(), StandardCharsets.UTF_8);
        }
        if (processbench != null) {
            Files.writeString(processbench, labelled.toString(), StandardCharsets.UTF_8);
        }
        ObjectNode summary = JSON.createObjectNode();
        summary.put("n", n);
        summary.put("correct", correct);
        summary.put("accuracy", n == 0 ? 0 : (double) correct / n);
        summary.put("unmatched_rows", missing);
        summary.set("first_wrong", JSON.valueToTree(firstWrong));
        summary.set("kinds", JSON.valueToTree(kinds));
        ObjectNode levels = summary.putObject("by_level");
        byLevel.forEach((k, c) -> levels.putObject(k).put("n", c[0]).put("correct", c[1])
                .put("accuracy", (double) c[1] / c[0]));
        if (graded > 0) {
            summary.put("graded", graded);
            summary.put("agrees_with_grader", agree);
        }
        System.out.println(summary);
        return 0;
    }

    /**
     * The solution as a labelled row: its steps cut at their {@code Step k:} labels (the final answer
     * stays in the last step) and the verifier's first wrong step, 0-based; null without steps.
     */
    static ObjectNode labelled(String idx, JsonNode problem, String solution, Verdict v) {
        StepFormat.Steps steps = StepFormat.steps(solution);
        if (steps.count() == 0) {
            return null;
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("id", idx);
        o.put("subset", "synthetic");
        o.put("problem", problem.path("instruction").asText());
        var list = o.putArray("steps");
        for (int k = 1; k <= steps.count(); k++) {
            list.add(steps.through(k).substring(steps.labelStarts()[k - 1]).strip());
        }
        o.put("label", v.correct() ? -1 : Math.min(v.firstWrong(), steps.count()) - 1);
        o.put("dataset", "synthetic");
        o.put("reference", problem.path("output").asText());
        return o;
    }
}
