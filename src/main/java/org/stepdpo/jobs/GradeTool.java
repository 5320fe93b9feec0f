package org.stepdpo.jobs;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stepdpo.eval.GradeLines;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobs/grade [FILE]}: grades JSON lines from a file or standard input, one object a line. */
@Command(name = "grade", mixinStandardHelpOptions = true,
        description = {"Reads JSONL ({\"gold\": ..., \"pred\": ...} or {\"gold\": ..., \"completion\": ...}) "
                + "and writes each object back with \"correct\" and \"extracted\"."})
public final class GradeTool implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "FILE", description = "Input JSONL; standard input when absent.")
    Path file;

    @Option(names = "--symmetric", description = "Read gold and pred alike, as Math-Verify does: each may be a whole "
            + "solution or only an answer, and the answers are taken from both.")
    boolean symmetric;

    @Override
    public Integer call() throws Exception {
        if (file != null && !Files.isRegularFile(file)) {
            throw new IllegalArgumentException("FILE: input file not found: " + file);
        }
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        long errors = 0;
        try (BufferedReader in = file == null
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                : Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.isBlank()) {
                    continue;
                }
                GradeLines.Graded graded = GradeLines.grade(line, symmetric);
                if (graded.error()) {
                    errors++;
                }
                out.println(graded.json());
            }
        }
        out.flush();
        if (errors > 0) {
            System.err.println("grade: " + errors + " line(s) could not be graded (see their \"error\")");
        }
        return 0;
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new GradeTool(), args));
    }
}
