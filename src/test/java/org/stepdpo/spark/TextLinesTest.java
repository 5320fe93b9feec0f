package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextLinesTest {
    private static final CharsetDecoder STRICT = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    @Test
    void numbersSplitsPerFileInStartOrder() {
        // Partitions listed out of file order: b's second split, a's only split, b's first split.
        List<TextLines.SplitCount> counts = List.of(
                new TextLines.SplitCount(0, "b", 500, 4),
                new TextLines.SplitCount(1, "a", 0, 7),
                new TextLines.SplitCount(2, "b", 0, 10));
        assertArrayEquals(new long[] {11, 1, 1}, TextLines.firstLineNumbers(counts));
    }

    @Test
    void decodeFlagsInvalidUtf8BlankLinesAndStripsBomAndCr() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
        SourceLine first = TextLines.decode("f", 1, bom, STRICT);
        assertEquals("{}", first.text());
        assertNull(first.problem());

        SourceLine bad = TextLines.decode("f", 2, new byte[] {'{', (byte) 0xC3, '(', '}'}, STRICT);
        assertTrue(bad.problem().startsWith("invalid-utf8"), bad.problem());

        assertTrue(TextLines.decode("f", 3, "  \t".getBytes(), STRICT).problem().startsWith("empty-line"));
        assertEquals("x", TextLines.decode("f", 4, "x\r".getBytes(), STRICT).text());
        // A multi-byte character is fine.
        assertEquals("é", TextLines.decode("f", 5, "é".getBytes(StandardCharsets.UTF_8), STRICT).text());
    }

    @Test
    void readKeepsExactLineNumbersAcrossManySplits(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 1; i <= 120; i++) {
            bytes.writeBytes(("{\"n\": " + i + ", \"pad\": \"" + "x".repeat(i % 7) + "\"}\n").getBytes());
            if (i == 40) {
                bytes.writeBytes("\n".getBytes()); // line 41 is blank
            }
        }
        Path file = dir.resolve("data.jsonl");
        Files.write(file, bytes.toByteArray());
        Path other = dir.resolve("other.jsonl");
        Files.writeString(other, "one\ntwo\n");

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
        String maxSplit = "mapreduce.input.fileinputformat.split.maxsize";
        String before = jsc.hadoopConfiguration().get(maxSplit);
        jsc.hadoopConfiguration().set(maxSplit, "256"); // force ~20 splits
        List<SourceLine> lines;
        int partitions;
        try {
            var rdd = TextLines.read(jsc, List.of(file.toString(), other.toString()));
            partitions = rdd.getNumPartitions();
            lines = rdd.collect();
        } finally {
            if (before == null) {
                jsc.hadoopConfiguration().unset(maxSplit);
            } else {
                jsc.hadoopConfiguration().set(maxSplit, before);
            }
        }
        assertTrue(partitions > 10, "expected many splits, got " + partitions);
        List<SourceLine> data = lines.stream().filter(l -> l.file().endsWith("data.jsonl"))
                .sorted(Comparator.comparingLong(SourceLine::line)).toList();
        assertEquals(121, data.size());
        for (SourceLine l : data) {
            long n = l.line() <= 40 ? l.line() : l.line() - 1;
            if (l.line() == 41) {
                assertTrue(l.problem().startsWith("empty-line"));
            } else {
                assertTrue(l.text().startsWith("{\"n\": " + n + ","), l.line() + ": " + l.text());
            }
        }
        List<SourceLine> small = lines.stream().filter(l -> l.file().endsWith("other.jsonl")).toList();
        assertEquals(List.of(1L, 2L), small.stream().map(SourceLine::line).toList());
        assertEquals("two", small.get(1).text());
    }

    @Test
    void requireFilesNamesTheFlagAndPath(@TempDir Path dir) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
        String missing = dir.resolve("nope.jsonl").toString();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TextLines.requireFiles(jsc.hadoopConfiguration(), List.of(missing), "--data"));
        assertTrue(e.getMessage().contains("--data") && e.getMessage().contains(missing), e.getMessage());
    }
}
