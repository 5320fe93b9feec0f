package org.stepdpo.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The grader against other projects' judgements ({@code data/external/grading/}, see its README):
 * Math-Verify's and the MATH authors' answer-equivalence test cases (graded with the reference and
 * the prediction read alike, {@link Grader#gradeSymmetric}), Qwen2.5-Math's graded outputs on MATH
 * and GPT-3's graded GSM8K solutions (graded as EvalJob grades completions, against the project's
 * gold answers). Every case where we disagree is listed, with its reason, in
 * {@code data/external/grading/disagreements.tsv}: a disagreement missing from that list fails the
 * test (a regression), and so does a listed one that now agrees (the list must be brought up to
 * date). The agreement figures are written to {@code target/external-grading.txt}.
 */
class ExternalGradingTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path DIR = Path.of("data/external/grading");
    /** A case is "short" when each side is at most this many characters (or holds a \boxed answer). */
    static final int SHORT = 40;

    /** One judged case: its source, id, the other project's verdict and ours, and what we extracted. */
    record Verdict(String source, String id, boolean theirs, boolean ours, String gold, String extracted) {}

    private static final Map<String, List<Verdict>> VERDICTS = new LinkedHashMap<>();
    /** Equivalence cases (source TAB case) with a side that is neither boxed nor short. */
    private static final java.util.Set<String> LONG = new java.util.HashSet<>();

    @BeforeAll
    static void gradeAll() throws IOException {
        VERDICTS.put("equivalence", equivalenceCases());
        VERDICTS.put("qwen2.5-math", qwenMath());
        VERDICTS.put("gsm8k-gpt3", gsm8kGpt3());
        StringBuilder report = new StringBuilder();
        agreement().forEach((source, n) -> report.append(String.format("%s: %d/%d agree%n", source, n[0], n[1])));
        long shortCases = VERDICTS.get("equivalence").stream().filter(v -> !LONG.contains(v.source() + "\t" + v.id())).count();
        long shortAgree = VERDICTS.get("equivalence").stream()
                .filter(v -> !LONG.contains(v.source() + "\t" + v.id()) && v.theirs() == v.ours()).count();
        report.append(String.format("Math-Verify and MATH, boxed or short: %d/%d agree%n", shortAgree, shortCases));
        for (var e : VERDICTS.entrySet()) {
            for (Verdict v : e.getValue()) {
                if (v.theirs() != v.ours()) {
                    report.append(v.source()).append('\t').append(v.id()).append('\t').append(v.ours())
                            .append('\t').append(v.theirs()).append('\t').append(v.gold().replace('\n', ' '))
                            .append('\t').append(v.extracted().replace('\n', ' ')).append('\n');
                }
            }
        }
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/external-grading.txt"), report.toString(), StandardCharsets.UTF_8);
    }

    /** Per source: cases agreeing, cases. */
    static Map<String, int[]> agreement() {
        Map<String, int[]> out = new TreeMap<>();
        VERDICTS.values().forEach(list -> list.forEach(v -> {
            int[] n = out.computeIfAbsent(v.source(), k -> new int[2]);
            n[0] += v.theirs() == v.ours() ? 1 : 0;
            n[1]++;
        }));
        return out;
    }

    /** Whether an equivalence case has a boxed or short answer on each side. */
    static boolean boxedOrShort(String text) {
        return text.contains("\\boxed") || text.strip().length() <= SHORT;
    }

    private static List<Verdict> equivalenceCases() throws IOException {
        List<Verdict> out = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("equivalence-cases.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            String gold = r.get("gold").asText();
            String pred = r.get("pred").asText();
            String file = r.get("source_path").asText();
            String source = r.get("source_repo").asText().startsWith("hendrycks") ? "MATH" : "Math-Verify";
            if (!(boxedOrShort(gold) && boxedOrShort(pred))) {
                LONG.add(source + "\t" + file.substring(file.lastIndexOf('/') + 1) + ":" + r.get("test").asText() + ":"
                        + r.get("case_index").asInt());
            }
            Grade g = Grader.gradeSymmetric(gold, pred);
            out.add(new Verdict(source, file.substring(file.lastIndexOf('/') + 1) + ":" + r.get("test").asText() + ":"
                    + r.get("case_index").asInt(), r.get("expected_equal").asBoolean(), g.correct(),
                    String.join(" | ", AnswerExtractor.extractAnswers(gold)), g.extractedText()));
        }
        return out;
    }

    /** Gold answers of the project's test sets by whitespace-normalised problem text. */
    private static Map<String, JsonNode> byProblem(String file) throws IOException {
        Map<String, JsonNode> out = new HashMap<>();
        for (String line : Files.readAllLines(Path.of("data/test").resolve(file))) {
            JsonNode r = JSON.readTree(line);
            out.put(squash(r.get("instruction").asText()), r);
        }
        return out;
    }

    private static String squash(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    private static List<String> golds(JsonNode row) {
        List<String> out = new ArrayList<>();
        row.get("answer").forEach(a -> out.add(a.asText()));
        return out;
    }

    private static List<Verdict> qwenMath() throws IOException {
        Map<String, JsonNode> math = byProblem("MATH_test_data.jsonl");
        List<Verdict> out = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("qwen2.5-math-math_cot_100.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            JsonNode row = math.get(squash(r.get("question").asText()));
            assertTrue(row != null, "no MATH test problem for Qwen row " + r.get("idx"));
            List<String> golds = golds(row);
            for (int i = 0; i < r.get("code").size(); i++) {
                Grade g = Grader.gradeCompletion(r.get("code").get(i).asText(), golds);
                out.add(new Verdict("Qwen2.5-Math", row.get("idx").asText() + "/" + i, r.get("score").get(i).asBoolean(),
                        g.correct(), String.join(" | ", golds), g.extractedText()));
            }
        }
        return out;
    }

    private static final String[] GPT3 = {"6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"};

    private static List<Verdict> gsm8kGpt3() throws IOException {
        Map<String, JsonNode> gsm = byProblem("GSM8K_test_data.jsonl");
        List<Verdict> out = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("gsm8k-example_model_solutions.jsonl"))) {
            JsonNode r = JSON.readTree(line);
            JsonNode row = gsm.get(squash(r.get("question").asText()));
            assertTrue(row != null, "no GSM8K test problem for " + r.get("question"));
            List<String> golds = golds(row);
            for (String model : GPT3) {
                Grade g = Grader.gradeCompletion(r.get(model).get("solution").asText(), golds);
                out.add(new Verdict("GSM8K GPT-3", row.get("idx").asText() + "/" + model,
                        r.get(model).get("is_correct").asBoolean(), g.correct(), String.join(" | ", golds),
                        g.extractedText()));
            }
        }
        return out;
    }

    /** source TAB case, for every case where we and the other project disagree. */
    private static java.util.Set<String> disagreements() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        VERDICTS.values().forEach(list -> list.stream().filter(v -> v.theirs() != v.ours())
                .forEach(v -> out.add(v.source() + "\t" + v.id())));
        return out;
    }

    @Test
    void everyDisagreementIsListedWithItsReason() throws IOException {
        Map<String, String[]> listed = new TreeMap<>();
        List<String> lines = Files.readAllLines(DIR.resolve("disagreements.tsv"));
        assertEquals("source\tcase\tours\ttheirs\tkind\treason", lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t");
            assertEquals(6, f.length, line);
            assertTrue(List.of("policy", "wrong label", "our gold", "gap").contains(f[4]), "kind of " + line);
            listed.put(f[0] + "\t" + f[1], f);
        }
        java.util.Set<String> found = disagreements();
        List<String> unlisted = found.stream().filter(k -> !listed.containsKey(k)).toList();
        List<String> settled = listed.keySet().stream().filter(k -> !found.contains(k)).toList();
        assertEquals(List.of(), unlisted, "new disagreements (a regression, or list them with a reason)");
        assertEquals(List.of(), settled, "listed disagreements that now agree: remove them from disagreements.tsv");
        for (var e : VERDICTS.entrySet()) {
            for (Verdict v : e.getValue()) {
                String[] f = listed.get(v.source() + "\t" + v.id());
                if (f != null) {
                    assertEquals(f[2] + "/" + f[3], v.ours() + "/" + v.theirs(), "verdicts of " + v.id());
                }
            }
        }
    }

    @Test
    void agreementPerSource() {
        Map<String, int[]> n = agreement();
        assertEquals(5276, n.get("GSM8K GPT-3")[1]);
        assertEquals(5276, n.get("GSM8K GPT-3")[0], "GPT-3's GSM8K labels are exact matches of the A: answers");
        assertEquals(800, n.get("Qwen2.5-Math")[1]);
        assertTrue(n.get("Qwen2.5-Math")[0] >= 783, "Qwen2.5-Math: " + n.get("Qwen2.5-Math")[0] + "/800");
        assertEquals(269, n.get("Math-Verify")[1]);
        assertEquals(16, n.get("MATH")[1]);
        // the cases with a boxed or short answer on each side: at least 90% agreement
        int cases = 0;
        int agree = 0;
        for (String source : List.of("Math-Verify", "MATH")) {
            for (Verdict v : VERDICTS.get("equivalence")) {
                if (v.source().equals(source) && !LONG.contains(source + "\t" + v.id())) {
                    cases++;
                    agree += v.theirs() == v.ours() ? 1 : 0;
                }
            }
        }
        assertEquals(243, cases);
        assertTrue(agree >= 0.9 * cases, "boxed or short: " + agree + "/" + cases);
    }
}
