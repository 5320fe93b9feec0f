package org.stepdpo.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.plot.PlotAssertions.assertPlot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.spark.SharedSpark;

class EvalStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String row(String idx, String dataset, String type, String answer, String output) {
        return JSON.createObjectNode().put("idx", idx).put("dataset", dataset).put("type", type)
                .put("instruction", "Problem " + idx).put("output", output)
                .set("answer", JSON.createArrayNode().add(answer)).toString();
    }

    /** 5 good rows (3 correct, 1 wrong, 1 with no answer) and 6 bad ones of every kind. */
    private static Path badInput(Path dir) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        List<String> lines = new ArrayList<>(List.of(
                row("a1", "A", "Algebra", "5", "So the answer is $\\boxed{5}$."),
                "{\"idx\": \"broken\", \"instruction\": \"Q\", \"answer\": [\"1\"]",     // malformed JSON
                row("a2", "A", "Geometry", "\\frac{1}{2}", "Hence \\boxed{0.5}."),
                "",                                                                      // empty line
                "{\"idx\": \"noanswer\", \"instruction\": \"Q\", \"output\": \"1\"}",   // no answer
                row("b1", "B", "Algebra", "7", "#### 8"),
                "{\"idx\": \"noinstr\", \"answer\": [\"1\"], \"output\": \"1\"}",       // no instruction
                row("b2", "B", "Algebra", "12", "I cannot tell."),
                "   ",                                                                   // blank line
                row("b3", "B", "Algebra", "3", "The answer is 3")));
        for (String l : lines) {
            b.writeBytes((l + "\n").getBytes(StandardCharsets.UTF_8));
        }
        // Invalid UTF-8 (a lone continuation byte) inside an otherwise good row.
        b.writeBytes("{\"idx\": \"bytes\", \"instruction\": \"Q \u00e9".getBytes(StandardCharsets.UTF_8));
        b.writeBytes(new byte[] {(byte) 0x80});
        b.writeBytes("\", \"answer\": [\"1\"], \"output\": \"1\"}\n".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("bad.jsonl");
        Files.write(file, b.toByteArray());
        return file;
    }

    @Test
    void scoresGoodRowsAndSetsBadRowsAsideWithReasons(@TempDir Path dir) throws Exception {
        SparkSession spark = SharedSpark.get();
        Path out = dir.resolve("out");
        EvalConfig config = new EvalConfig(List.of(badInput(dir).toString()), out.toString(), "output", null, 3,
                false, false);
        EvalSummary summary = EvalStage.run(spark, config);

        assertEquals(5, summary.overall().n());
        assertEquals(3, summary.overall().correct());
        assertEquals(6, summary.rejectedCount());

        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(5, s.get("n").asInt());
        assertEquals(3, s.get("correct").asInt());
        assertEquals(0.6, s.get("accuracy").asDouble(), 1e-12);
        assertEquals(6, s.get("rejected").asInt());
        assertEquals(1, s.get("rejected_by_reason").get("invalid-json").asInt());
        assertEquals(2, s.get("rejected_by_reason").get("empty-line").asInt());
        assertEquals(2, s.get("rejected_by_reason").get("missing-field").asInt());
        assertEquals(1, s.get("rejected_by_reason").get("invalid-utf8").asInt());
        assertEquals(2, s.get("by_dataset").get("A").get("correct").asInt());
        assertEquals(3, s.get("by_dataset").get("B").get("n").asInt());
        assertEquals(1.0 / 3, s.get("by_dataset").get("B").get("accuracy").asDouble(), 1e-12);
        assertPlot(out.resolve("summary.png"), 1); // accuracy by dataset (the rows have no type or level)
        assertEquals(4, s.get("by_type").get("Algebra").get("n").asInt());
        assertEquals("output", s.get("config").get("completion_field").asText());

        // Rejected rows: one line each, located, with their raw text kept.
        List<JsonNode> rejected = readJsonl(firstPart(out.resolve("rejected")));
        assertEquals(List.of(2L, 4L, 5L, 7L, 9L, 11L), rejected.stream().map(r -> r.get("line").asLong()).toList());
        assertTrue(rejected.get(0).get("raw").asText().contains("\"broken\""));
        assertTrue(rejected.get(5).get("reason").asText().startsWith("invalid-utf8"));

        // Per-sample JSONL in input order, and the same rows in Parquet.
        List<JsonNode> samples = readJsonl(out.resolve("samples.jsonl"));
        assertEquals(List.of("a1", "a2", "b1", "b2", "b3"), samples.stream().map(r -> r.get("idx").asText()).toList());
        assertEquals("0.5", samples.get(1).get("extracted").asText());
        assertTrue(samples.get(1).get("correct").asBoolean());
        assertEquals("8", samples.get(2).get("extracted").asText());
        assertTrue(!samples.get(2).get("correct").asBoolean());
        assertEquals("\\frac{1}{2}", samples.get(1).get("gold").get(0).asText());
        assertEquals("Problem a1", samples.get(0).get("prompt").asText());
        List<Row> parquet = spark.read().parquet(out.resolve("samples.parquet").toString())
                .orderBy("idx").collectAsList();
        assertEquals(5, parquet.size());
        assertEquals("b3", parquet.get(4).getAs("idx"));
        assertTrue((Boolean) parquet.get(4).getAs("correct"));
    }

    /**
     * The rest of the bad-input matrix: a byte-order mark and CRLF line ends (read as usual), an
     * empty file, a repeated idx (the first kept, the others set aside naming it), answers of the
     * wrong type (a number is taken as a one-answer list, an object is not) and a 50 MB line (set
     * aside as too long, its raw text cut at {@link org.stepdpo.spark.Rejection#MAX_RAW_CHARS}).
     */
    @Test
    void byteOrderMarksCrlfEmptyFilesRepeatedIdsWrongTypesAndHugeLines(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        b.writeBytes((row("c1", "C", "T", "2", "so \\boxed{2}") + "\r\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes((row("c2", "C", "T", "3", "so \\boxed{3}") + "\r\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes((row("c1", "C", "T", "2", "so \\boxed{9}") + "\n").getBytes(StandardCharsets.UTF_8)); // idx again
        b.writeBytes(("{\"idx\": \"n1\", \"instruction\": \"Q\", \"answer\": 4, \"output\": \"4\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes(("{\"idx\": \"o1\", \"instruction\": \"Q\", \"answer\": {\"a\": 1}, \"output\": \"1\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        String huge = "x".repeat(50_000_000);
        b.writeBytes(("{\"idx\": \"h1\", \"instruction\": \"Q\", \"answer\": [\"1\"], \"output\": \"" + huge + "\"}\n")
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes((row("c3", "C", "T", "5", "so \\boxed{5}") + "\n").getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("matrix.jsonl");
        Files.write(file, b.toByteArray());
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));
        Path out = dir.resolve("out");
        EvalSummary summary = EvalStage.run(SharedSpark.get(), new EvalConfig(List.of(file.toString(), empty.toString()),
                out.toString(), "output", null, 2, false, false));

        List<JsonNode> samples = readJsonl(out.resolve("samples.jsonl"));
        assertEquals(List.of("c1", "c2", "n1", "c3"), samples.stream().map(r -> r.get("idx").asText()).toList());
        assertEquals(4, summary.overall().correct(), "the BOM and CRLF rows score; the kept c1 is the first one");
        assertEquals("4", samples.get(2).get("gold").get(0).asText());
        JsonNode s = JSON.readTree(out.resolve("summary.json").toFile());
        assertEquals(3, s.get("rejected").asInt());
        assertEquals(1, s.get("rejected_by_reason").get("duplicate-idx").asInt());
        assertEquals(1, s.get("rejected_by_reason").get("bad-field").asInt());
        assertEquals(1, s.get("rejected_by_reason").get("too-long").asInt());
        List<JsonNode> rejected = readJsonl(firstPart(out.resolve("rejected")));
        assertEquals(List.of(3L, 5L, 6L), rejected.stream().map(r -> r.get("line").asLong()).toList());
        assertTrue(rejected.get(0).get("reason").asText().contains("line 1, which is kept"), rejected.get(0).toString());
        String raw = rejected.get(2).get("raw").asText();
        assertTrue(raw.length() < org.stepdpo.spark.Rejection.MAX_RAW_CHARS + 200 && raw.contains("more characters"),
                "the huge line's raw text is cut: " + raw.length());
    }

    @Test
    void refusesAnOutputFolderThatHoldsFilesUnlessOverwriting(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, row("x", "A", "T", "1", "\\boxed{1}") + "\n");
        Path out = dir.resolve("out");
        Files.createDirectories(out);
        Files.writeString(out.resolve("keep.txt"), "x");
        EvalConfig config = EvalConfig.scoring(List.of(data.toString()), out.toString(), "output");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> EvalStage.run(SharedSpark.get(), config));
        assertTrue(e.getMessage().contains("--out") && e.getMessage().contains("--overwrite"), e.getMessage());

        EvalConfig overwrite = new EvalConfig(config.data(), config.out(), "output", null, 0, true, false);
        assertEquals(1, EvalStage.run(SharedSpark.get(), overwrite).overall().correct());
    }

    private static Path firstPart(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        }
    }

    private static List<JsonNode> readJsonl(Path file) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String l : Files.readAllLines(file)) {
            rows.add(JSON.readTree(l));
        }
        return rows;
    }
}
