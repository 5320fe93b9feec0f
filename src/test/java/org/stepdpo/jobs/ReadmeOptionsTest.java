package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The README's synopsis of each job names exactly the options the job's code defines. */
class ReadmeOptionsTest {
    private static final Path README = Path.of(System.getProperty("project.root", ".")).resolve("README.md");
    private static final Set<String> STANDARD = Set.of("-h", "--help", "-V", "--version");

    @Test
    void evalJob() throws IOException {
        assertSynopsisMatches("EvalJob", new EvalJob());
    }

    @Test
    void buildPairsJob() throws IOException {
        assertSynopsisMatches("BuildPairsJob", new BuildPairsJob());
    }

    @Test
    void trainStepDpoJob() throws IOException {
        assertSynopsisMatches("TrainStepDpoJob", new TrainStepDpoJob());
    }

    @Test
    void locateBenchJob() throws IOException {
        assertSynopsisMatches("LocateBenchJob", new LocateBenchJob());
    }

    private static void assertSynopsisMatches(String job, Object command) throws IOException {
        Set<String> defined = new TreeSet<>();
        for (OptionSpec option : new CommandLine(command).getCommandSpec().options()) {
            for (String name : option.names()) {
                if (name.startsWith("--") && !STANDARD.contains(name)) {
                    defined.add(name);
                }
            }
        }
        Set<String> documented = new TreeSet<>();
        String synopsis = synopsis(job);
        int jar = synopsis.indexOf("target/stepdpo.jar");
        assertTrue(jar > 0, job + ": the synopsis names the jar before the job's options");
        // spark-submit's own flags (--master, --class) come before the jar
        Matcher flag = Pattern.compile("--(?:\\[no-\\])?([a-z][a-z0-9-]*)").matcher(synopsis.substring(jar));
        while (flag.find()) {
            documented.add("--" + flag.group(1));
        }
        assertTrue(defined.size() > 5, job + ": " + defined);
        assertEquals(defined, documented, "README.md's synopsis of " + job + " against its @Option names");
    }

    /** The first code block after the heading {@code ## JOB}. */
    private static String synopsis(String job) throws IOException {
        String readme = Files.readString(README);
        Matcher section = Pattern.compile("(?m)^## " + job + "(:.*)?$").matcher(readme);
        assertTrue(section.find(), "README.md has no section '## " + job + "'");
        int open = readme.indexOf("```", section.end());
        int close = readme.indexOf("```", open + 3);
        assertTrue(open > 0 && close > open, "no synopsis under ## " + job);
        return readme.substring(readme.indexOf('\n', open) + 1, close);
    }
}
