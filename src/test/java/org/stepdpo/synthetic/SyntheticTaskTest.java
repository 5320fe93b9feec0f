package org.stepdpo.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SyntheticTaskTest {
    /** The shipped splits and the seeds they were generated with (data/synthetic/README.md). */
    private record Shipped(String file, SyntheticTask.Split split, long seed, int rows) {}

    private static final List<Shipped> SHIPPED = List.of(
            new Shipped("data/synthetic/test.jsonl", SyntheticTask.Split.TEST, 11, 2000),
            new Shipped("data/synthetic/pairs-source.jsonl", SyntheticTask.Split.PAIRS_SOURCE, 12, 2000),
            new Shipped("data/synthetic/sft.jsonl", SyntheticTask.Split.SFT, 13, 40000));

    @Test
    void shippedSplitsAreWhatTheGeneratorWritesFromTheirSeeds() throws IOException {
        for (Shipped s : SHIPPED) {
            List<String> lines = Files.readAllLines(Path.of(s.file()), StandardCharsets.UTF_8);
            assertEquals(s.rows(), lines.size(), s.file());
            int sample = 250;
            List<SyntheticProblem> again = new SyntheticTask(s.seed(), Difficulty.DEFAULT).split(s.split(), sample);
            for (int i = 0; i < sample; i++) {
                String row = SyntheticTask.row(again.get(i), "synthetic-" + s.split().label + "-" + i);
                assertEquals(lines.get(i), row, s.file() + " line " + (i + 1));
            }
        }
    }

    @Test
    void shippedSplitsShareNoProblem() throws IOException {
        Map<String, String> owner = new HashMap<>();
        Pattern instruction = Pattern.compile("\"instruction\":\"((?:[^\"\\\\]|\\\\.)*)\"");
        for (Shipped s : SHIPPED) {
            for (String line : Files.readAllLines(Path.of(s.file()), StandardCharsets.UTF_8)) {
                Matcher m = instruction.matcher(line);
                assertTrue(m.find(), line);
                String before = owner.put(m.group(1), s.file());
                assertEquals(null, before, () -> "in " + s.file() + " and elsewhere: " + m.group(1));
            }
        }
        assertEquals(44000, owner.size());
    }

    @Test
    void sameSeedSameProblemsAnotherSeedOthers() {
        SyntheticTask a = new SyntheticTask(5, Difficulty.DEFAULT);
        SyntheticTask b = new SyntheticTask(5, Difficulty.DEFAULT);
        SyntheticTask c = new SyntheticTask(6, Difficulty.DEFAULT);
        for (int i = 0; i < 50; i++) {
            assertEquals(a.candidate(i), b.candidate(i));
            assertNotEquals(a.candidate(i).text(), c.candidate(i).text());
        }
    }

    @Test
    void problemsAreWellFormedAndSpreadOverFamiliesAndLevels() {
        SyntheticTask task = new SyntheticTask(21, Difficulty.DEFAULT);
        Map<String, Integer> families = new TreeMap<>();
        Map<Integer, Integer> levels = new TreeMap<>();
        Set<Op> ops = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            SyntheticProblem p = task.candidate(i);
            families.merge(p.family(), 1, Integer::sum);
            levels.merge(p.level(), 1, Integer::sum);
            assertTrue(p.text().endsWith("?"), p.text());
            assertTrue(!p.text().contains("null") && !p.text().contains("  "), p.text());
            Set<Long> available = StepVerifier.problemNumbers(p.text());
            for (SolutionStep s : p.steps()) {
                ops.add(s.op());
                assertTrue(available.contains(s.left()) && available.contains(s.right()),
                        () -> "operand neither stated nor derived: " + p.text() + "\n" + p.solution());
                assertTrue(s.result() <= Difficulty.DEFAULT.maxValue(), p.solution());
                available.add(s.result());
            }
            assertTrue(p.solution().endsWith("The answer is \\boxed{" + p.answer() + "}."), p.solution());
            assertTrue(p.solution().startsWith("Step 1: "), p.solution());
        }
        assertEquals(new TreeSet<>(Families.NAMES), families.keySet());
        assertEquals(Set.of(2, 3, 4, 5, 6), levels.keySet());
        for (int count : families.values()) {
            assertTrue(count > 300, families.toString());
        }
        for (int count : levels.values()) {
            assertTrue(count > 250, levels.toString());
        }
        assertEquals(Set.of(Op.values()), ops);
    }

    @Test
    void knobsShapeTheProblems() {
        Difficulty small = new Difficulty(2, 3, 2, 5, List.of("objects", "groups"));
        SyntheticTask task = new SyntheticTask(3, small);
        for (int i = 0; i < 300; i++) {
            SyntheticProblem p = task.candidate(i);
            assertTrue(p.level() >= 2 && p.level() <= 3, p.solution());
            assertTrue(Set.of("objects", "groups").contains(p.family()));
            for (SolutionStep s : p.steps()) {
                assertTrue(s.result() <= 999, p.solution());
                if (s.op() == Op.DIV) {
                    assertTrue(s.right() <= 5, p.solution());
                }
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Difficulty(1, 3, 3, 9, Families.NAMES));
        assertThrows(IllegalArgumentException.class, () -> new Difficulty(2, 9, 3, 9, Families.NAMES));
        assertThrows(IllegalArgumentException.class, () -> new Difficulty(2, 6, 5, 9, Families.NAMES));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Difficulty(2, 6, 3, 9, List.of("algebra")));
        assertTrue(e.getMessage().contains("algebra"), e.getMessage());
    }

    @Test
    void rowsHaveEvalJobsFields() {
        SyntheticProblem p = new SyntheticTask(1, Difficulty.DEFAULT).candidate(0);
        String row = SyntheticTask.row(p, "synthetic-test-0");
        assertTrue(row.startsWith("{\"idx\":\"synthetic-test-0\",\"instruction\":"), row);
        assertTrue(row.contains("\"answer\":[\"" + p.answer() + "\"],\"dataset\":\"synthetic\",\"type\":\""
                + p.family() + "\",\"level\":" + p.level() + "}"), row);
    }
}
