package org.stepdpo.math;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Grades the reference solution ({@code output}) of every row of a test JSONL file against its
 * own {@code answer} list: a grader that cannot recover the reference answers from the reference
 * solutions is wrong. Run as a program it prints the figures and every failure:
 * {@code java ... org.stepdpo.math.ReferenceCheck data/test/MATH_test_data.jsonl ...}.
 */
public final class ReferenceCheck {

    /** One row whose reference solution did not grade as correct. */
    public record Failure(String idx, List<String> extracted, List<String> golds) {
    }

    /** The figures for one file. */
    public record Result(Path file, int total, int correct, List<Failure> failures, long millis) {
    }

    private ReferenceCheck() {
    }

    /** Grades every row of {@code file}. */
    public static Result run(Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<Failure> failures = new ArrayList<>();
        int total = 0;
        long start = System.nanoTime();
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row = json.readTree(line);
                List<String> golds = new ArrayList<>();
                row.get("answer").forEach(a -> golds.add(a.asText()));
                Grade grade = Grader.gradeCompletion(row.get("output").asText(), golds);
                total++;
                if (!grade.correct()) {
                    failures.add(new Failure(row.get("idx").asText(), grade.extracted(), golds));
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return new Result(file, total, total - failures.size(), failures, millis);
    }

    /** Prints the figures and failures of each file given (default: the MATH and GSM8K tests). */
    public static void main(String[] args) throws IOException {
        List<String> files = args.length > 0 ? List.of(args)
                : List.of("data/test/MATH_test_data.jsonl", "data/test/GSM8K_test_data.jsonl");
        for (String f : files) {
            Result r = run(Path.of(f));
            for (Failure x : r.failures()) {
                System.out.println("FAIL " + x.idx() + " extracted=" + x.extracted() + " gold=" + x.golds());
            }
            System.out.printf("%s: %d/%d correct in %d ms%n", f, r.correct(), r.total(), r.millis());
        }
    }
}
