package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs the Zeppelin notes in {@code notebooks/} as Zeppelin would, on small inputs: {@code %sh}
 * paragraphs with bash (the jobs through {@code jobs/spark-submit}), {@code %spark} paragraphs with
 * the Scala 2.13 interpreter with {@code spark} and {@code sc} bound, {@code %spark.sql} paragraphs
 * with Spark SQL on the same session. {@code %md} paragraphs are text that Zeppelin renders; there
 * is nothing of them to run. The notes run in their numbered order, since the later ones read what
 * the earlier ones made (the quick start's trained model, the pairs).
 *
 * <p>The only edits are a user's: the values of each configuration paragraph (small sizes, this
 * checkout, a temporary runs folder) and the configuration file's place (a temporary folder rather
 * than {@code /tmp}). What ran is printed and written to {@code target/notebooks-it.txt}.
 */
class NotebooksIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ENV_FILE = Pattern.compile("/tmp/stepdpo-[a-z]+\\.env");
    private static final Pattern PNG = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)");

    private static SparkSession spark;
    private static IMain repl;
    private static final StringWriter SCALA_OUT = new StringWriter();

    @TempDir
    static Path tmp;

    @BeforeAll
    static void zeppelinSparkInterpreter() throws IOException {
        spark = SparkSession.builder().master("local[2]").appName("notebooks-it")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        Settings settings = new Settings();
        settings.classpath().value_$eq(String.join(File.pathSeparator, classPath()));
        repl = new IMain(settings, new ReplReporterImpl(settings, new PrintWriter(SCALA_OUT, true)));
        assertEquals(Results.Success$.MODULE$, repl.bind("spark", "org.apache.spark.sql.SparkSession", spark, noModifiers()));
        assertEquals(Results.Success$.MODULE$, repl.bind("sc", "org.apache.spark.SparkContext", spark.sparkContext(),
                noModifiers()));
    }

    @AfterAll
    static void stop() {
        if (repl != null) {
            repl.close();
        }
        if (spark != null) {
            spark.stop();
        }
    }

    @Test
    void everyNoteRunsAsZeppelinWould() throws Exception {
        Path runs = tmp.resolve("runs");
        Map<String, String> common = new LinkedHashMap<>();
        common.put("STEPDPO_HOME", Launch.ROOT.toString());
        common.put("RUNS", runs.toString());
        common.put("MASTER", "local[2]");
        Map<String, Map<String, String>> values = new LinkedHashMap<>();
        values.put("1. Quick start", Map.of("EVAL_PROBLEMS", "24", "PAIR_PROBLEMS", "16"));
        values.put("2. Evaluate a model", Map.of("EVAL_PROBLEMS", "24"));
        values.put("3. Build pairs", Map.of("PAIR_PROBLEMS", "12"));
        values.put("4. Train", Map.of());

        List<Path> notes;
        try (Stream<Path> files = Files.list(Launch.ROOT.resolve("notebooks"))) {
            notes = files.filter(p -> p.toString().endsWith(".zpln")).sorted().toList();
        }
        List<String> names = new ArrayList<>();
        for (Path p : notes) {
            names.add(JSON.readTree(p.toFile()).path("name").asText());
        }
        assertEquals(List.copyOf(values.keySet()), names, "the notes, in order");

        StringBuilder report = new StringBuilder();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Path file : notes) {
            JsonNode note = JSON.readTree(file.toFile());
            String name = note.path("name").asText();
            Map<String, String> edits = new LinkedHashMap<>(common);
            edits.putAll(values.get(name));
            report.append(name).append(" (").append(file.getFileName()).append(")\n");
            int index = 0;
            boolean configured = false;
            for (JsonNode paragraph : note.path("paragraphs")) {
                index++;
                String text = paragraph.path("text").asText();
                int newline = text.indexOf('\n');
                String magic = text.substring(0, newline).trim();
                String body = ENV_FILE.matcher(text.substring(newline + 1))
                        .replaceAll(Matcher.quoteReplacement(tmp.resolve(name.replaceAll("[^A-Za-z]", "") + ".env")
                                .toString()));
                String title = paragraph.path("title").asText();
                String where = name + " #" + index + " " + magic + " '" + title + "'";
                String done;
                long t0 = System.nanoTime();
                switch (magic) {
                    case "%md" -> done = "not run: markdown, rendered by Zeppelin";
                    case "%sh" -> {
                        if (!configured) {
                            assertTrue(title.startsWith("Configuration"), where + ": the first paragraph to run configures");
                            body = configure(body, edits, where);
                            configured = true;
                        }
                        done = shell(body, where);
                    }
                    case "%spark" -> done = scalaParagraph(body, where);
                    case "%spark.sql" -> done = sql(body, paragraph.path("config").path("results"), where);
                    default -> throw new AssertionError(where + ": an interpreter the test does not know");
                }
                counts.merge(magic, 1, Integer::sum);
                report.append(String.format("  #%d %-10s %-62s %s (%.0f s)%n", index, magic, "'" + title + "'", done,
                        (System.nanoTime() - t0) / 1e9));
            }
        }
        report.append("paragraphs by interpreter: ").append(counts).append('\n');
        System.out.print(report);
        Files.writeString(Launch.ROOT.resolve("target/notebooks-it.txt"), report.toString());
        assertTrue(counts.getOrDefault("%sh", 0) >= 10 && counts.getOrDefault("%spark", 0) == 4
                && counts.getOrDefault("%spark.sql", 0) >= 15, "paragraphs run: " + counts);
    }

    /** The configuration paragraph with {@code edits} as its values: each must be one the note sets. */
    private static String configure(String body, Map<String, String> edits, String where) {
        String edited = body;
        for (Map.Entry<String, String> e : edits.entrySet()) {
            Pattern line = Pattern.compile("(?m)^" + e.getKey() + "=.*$");
            assertTrue(line.matcher(edited).find(), where + " sets no " + e.getKey());
            edited = line.matcher(edited).replaceAll(Matcher.quoteReplacement(e.getKey() + "=" + e.getValue()));
        }
        return edited;
    }

    private static String shell(String body, String where) throws Exception {
        Launch.Result r = Launch.run(900, null, "/bin/bash", "-c", body);
        assertEquals(0, r.code(), where + " failed:\n" + r.both());
        if (!r.out().startsWith("%html")) {
            String[] lines = r.out().strip().split("\n");
            return "bash: exit 0, last line: " + lines[lines.length - 1];
        }
        Matcher m = PNG.matcher(r.out());
        int images = 0;
        while (m.find()) {
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(m.group(1))));
            assertNotNull(image, where + ": an inline image that is not a PNG");
            assertTrue(image.getWidth() >= 640 && image.getHeight() >= 400, where + ": image " + image.getWidth() + "x"
                    + image.getHeight());
            images++;
        }
        assertTrue(images > 0, where + ": %html output without images:\n" + r.out());
        return "bash: exit 0, %html with " + images + " PNG plot(s)";
    }

    private static String scalaParagraph(String body, String where) {
        SCALA_OUT.getBuffer().setLength(0);
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        // what the paragraph prints goes to Scala's Console, as Zeppelin shows it under the paragraph
        Results.Result result = scala.Console$.MODULE$.withOut(console, () -> repl.interpret(body));
        String printed = console.toString(StandardCharsets.UTF_8).strip();
        assertEquals(Results.Success$.MODULE$, result, where + " failed:\n" + SCALA_OUT + printed);
        return "scala: Success, printed: " + printed;
    }

    /**
     * Runs the query; a chart's key, group and value columns must exist, the values must be numbers,
     * and the result must have rows.
     */
    private static String sql(String body, JsonNode results, String where) {
        String query = body.strip();
        if (query.endsWith(";")) {
            query = query.substring(0, query.length() - 1);
        }
        Dataset<Row> result = spark.sql(query);
        StructType schema = result.schema();
        List<Row> rows = result.collectAsList();
        assertFalse(rows.isEmpty(), where + ": no rows");
        JsonNode graph = results.path("0").path("graph");
        String mode = graph.path("mode").asText("table");
        List<String> checked = new ArrayList<>();
        for (String role : List.of("keys", "groups", "values")) {
            for (JsonNode column : graph.path(role)) {
                String name = column.path("name").asText();
                assertTrue(List.of(schema.fieldNames()).contains(name), where + ": chart " + role + " column " + name
                        + " is not in " + schema.simpleString());
                if (role.equals("values")) {
                    assertTrue(schema.apply(name).dataType() instanceof NumericType, where + ": chart value " + name
                            + " is " + schema.apply(name).dataType().simpleString());
                    for (Row row : rows) {
                        assertFalse(row.isNullAt(row.fieldIndex(name)), where + ": null " + name + " in " + row);
                    }
                }
                checked.add(name);
            }
        }
        return "sql: " + rows.size() + " rows of " + schema.simpleString().replace("struct<", "<") + ", " + mode
                + (checked.isEmpty() ? "" : " on " + checked);
    }

    /**
     * The test JVM's class path for the Scala compiler, with the class path a manifest-only jar
     * (as the test runner may start the JVM with) names expanded.
     */
    private static List<String> classPath() throws IOException {
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            entries.add(entry);
            if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Manifest manifest = jar.getManifest();
                String named = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                if (named == null) {
                    continue;
                }
                URI base = Path.of(entry).toUri();
                for (String url : named.trim().split("\\s+")) {
                    try {
                        entries.add(Path.of(base.resolve(new URI(url))).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        fail("cannot read the class path entry " + url + " of " + entry, e);
                    }
                }
            }
        }
        return entries;
    }

    @SuppressWarnings("unchecked")
    private static scala.collection.immutable.List<String> noModifiers() {
        return (scala.collection.immutable.List<String>) (Object) scala.collection.immutable.Nil$.MODULE$;
    }
}
