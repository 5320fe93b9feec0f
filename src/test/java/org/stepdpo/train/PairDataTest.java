package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.Fixtures;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.SharedSpark;

/** Reading pairs and SFT examples from JSONL and Parquet on the shared local Spark session. */
class PairDataTest {
    private static final Path LLAMA = Fixtures.model("llama-tiny");
    private static final EncodeSpec STEP = EncodeSpec.pairs(LLAMA.toString(), "plain", Objective.STEP_DPO);
    private static final StructType PAIR_SCHEMA = new StructType().add("dataset", DataTypes.StringType)
            .add("prompt", DataTypes.StringType).add("initial_reason_steps", DataTypes.StringType)
            .add("chosen", DataTypes.StringType).add("rejected", DataTypes.StringType);

    private static Map<String, EncodedPair> byId(List<EncodedPair> pairs) {
        Map<String, EncodedPair> m = new TreeMap<>();
        pairs.forEach(p -> m.put(p.id(), p));
        return m;
    }

    private static List<Rejection> sorted(List<Rejection> rejections) {
        List<Rejection> out = new ArrayList<>(rejections);
        out.sort(Comparator.comparing(Rejection::file).thenComparingLong(Rejection::line));
        return out;
    }

    @Test
    void jsonlPairsAndRejectionsKeepTheirLines(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pairs.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(LLAMA.resolve("train-parity/pairs.jsonl")));
        lines.add(1, "{\"prompt\": \"t5\", \"chosen\": \"t6\"");
        lines.add(3, "");
        lines.add("{\"prompt\": \"t5\", \"initial_reason_steps\": \"\", \"chosen\": \"t6\", \"rejected\": 7}");
        Files.write(file, lines, StandardCharsets.UTF_8);
        try (PairData.Read<EncodedPair> read = PairData.read(SharedSpark.get(), List.of(file.toString()), STEP)) {
            Map<String, EncodedPair> pairs = byId(read.records().collect());
            String prefix = "file:" + file + ":";
            assertEquals(List.of(prefix + "1", prefix + "3", prefix + "5", prefix + "6"), List.copyOf(pairs.keySet()));
            EncodedPair first = pairs.get(prefix + "1");
            assertArrayEquals(new int[] {349, 25, 269, 64, 264, 105, 204, 180}, first.prompt());
            assertArrayEquals(new int[] {273, 151}, first.chosen());
            assertArrayEquals(new int[] {302, 78, 307}, first.rejected());
            assertArrayEquals(new int[] {14, 294, 319}, pairs.get(prefix + "3").chosen());
            List<Rejection> rejected = sorted(read.rejections().collect());
            assertEquals(3, rejected.size(), rejected.toString());
            assertEquals(2, rejected.get(0).line());
            assertEquals("invalid-json", rejected.get(0).code());
            assertEquals(4, rejected.get(1).line());
            assertEquals("empty-line", rejected.get(1).code());
            assertEquals(7, rejected.get(2).line());
            assertEquals("bad-field: 'rejected' must be a string, found number", rejected.get(2).reason());
            assertEquals("file:" + file, rejected.get(2).file());
        }
    }

    @Test
    void parquetRowsEncodeLikeTheirJsonlLines(@TempDir Path dir) throws Exception {
        SparkSession spark = SharedSpark.get();
        List<Row> rows = List.of(
                RowFactory.create("fixture", "t349 t25 t269 t64 t264", "t105 t204 t180", " t273 t151", " t302 t78 t307"),
                RowFactory.create("fixture", "t5", null, " t6", " t7"),
                RowFactory.create("fixture", "t5", "", " t6", " t7 t8"));
        Dataset<Row> df = spark.createDataFrame(rows, PAIR_SCHEMA).coalesce(1);
        String out = dir.resolve("pairs.parquet").toString();
        df.write().parquet(out);
        Path jsonl = dir.resolve("more.jsonl");
        Files.writeString(jsonl, Files.readAllLines(LLAMA.resolve("train-parity/pairs.jsonl")).get(1) + "\n");

        try (PairData.Read<EncodedPair> read = PairData.read(spark, List.of(out, jsonl.toString()), STEP)) {
            List<EncodedPair> pairs = read.records().collect();
            assertEquals(3, pairs.size(), pairs.toString());
            Map<String, EncodedPair> byPrompt = new TreeMap<>();
            for (EncodedPair p : pairs) {
                byPrompt.put(p.prompt().length + ":" + p.id().substring(p.id().lastIndexOf(':') + 1), p);
            }
            EncodedPair fixture = byPrompt.get("8:1");
            assertTrue(fixture.id().startsWith("file:" + out + "/part-"), fixture.id());
            assertEquals("7add92fd1b613f9a6a3f12c9a007afc87e25eed0bfbcf0fde36b0526bdd93d3d", fixture.fingerprint(),
                    "the same ids as the JSONL fixture's first pair");
            EncodedPair third = byPrompt.get("1:3");
            assertArrayEquals(new int[] {5}, third.prompt());
            assertArrayEquals(new int[] {7, 8}, third.rejected());
            assertEquals("file:" + jsonl + ":1", byPrompt.get("9:1").id());
            List<Rejection> rejected = read.rejections().collect();
            assertEquals(1, rejected.size());
            assertEquals("missing-field: 'initial_reason_steps' is missing", rejected.get(0).reason());
            assertEquals(2, rejected.get(0).line(), "Parquet rows are numbered from 1 within their file");
            assertTrue(rejected.get(0).raw().contains("\"prompt\":\"t5\""), rejected.get(0).raw());
        }
    }

    @Test
    void parquetDirectoryWithoutSuffixAndWrongColumnType(@TempDir Path dir) {
        SparkSession spark = SharedSpark.get();
        StructType schema = new StructType().add("prompt", DataTypes.StringType)
                .add("initial_reason_steps", DataTypes.StringType).add("chosen", DataTypes.StringType)
                .add("rejected", DataTypes.IntegerType);
        String out = dir.resolve("train").toString();
        spark.createDataFrame(List.of(RowFactory.create("t5", "", " t6", 7)), schema).coalesce(1).write().parquet(out);
        assertTrue(PairData.isParquet(spark.sparkContext().hadoopConfiguration(), out));
        try (PairData.Read<EncodedPair> read = PairData.read(spark, List.of(out), STEP)) {
            assertEquals(0, read.records().count());
            List<Rejection> rejected = read.rejections().collect();
            assertEquals("bad-field: 'rejected' must be a string, found int", rejected.get(0).reason());
            assertEquals(1, rejected.get(0).line());
        }
    }

    @Test
    void sftExamplesFromJsonl(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sft.jsonl");
        Files.writeString(file, "{\"instruction\": \"t5 t6\", \"output\": \" t7\"}\n"
                + "{\"prompt\": \"t9\", \"initial_reason_steps\": \"t10\", \"response\": \" t11 t12\"}\n"
                + "{\"prompt\": \"t9\"}\n");
        EncodeSpec spec = EncodeSpec.sft(LLAMA.toString(), "plain");
        try (PairData.Read<EncodedExample> read = PairData.readSft(SharedSpark.get(), List.of(file.toString()), spec)) {
            List<EncodedExample> examples = new ArrayList<>(read.records().collect());
            examples.sort(Comparator.comparing(EncodedExample::id));
            assertEquals(2, examples.size());
            assertArrayEquals(new int[] {5, 6}, examples.get(0).prompt());
            assertArrayEquals(new int[] {7, 2}, examples.get(0).response());
            assertArrayEquals(new int[] {9, 10}, examples.get(1).prompt());
            assertArrayEquals(new int[] {11, 12, 2}, examples.get(1).response());
            List<Rejection> rejected = read.rejections().collect();
            assertEquals(1, rejected.size());
            assertEquals(3, rejected.get(0).line());
            assertEquals("missing-field", rejected.get(0).code());
        }
    }

    @Test
    void badConfigurationFailsFastNamingTheFlag(@TempDir Path dir) throws Exception {
        SparkSession spark = SharedSpark.get();
        String missing = dir.resolve("nope.jsonl").toString();
        IllegalArgumentException noFile = assertThrows(IllegalArgumentException.class,
                () -> PairData.read(spark, List.of(missing), STEP));
        assertTrue(noFile.getMessage().startsWith("--data: input file not found: "), noFile.getMessage());
        Path file = dir.resolve("p.jsonl");
        Files.writeString(file, "{}\n");
        EncodeSpec noTokenizer = EncodeSpec.pairs(dir.toString(), "plain", Objective.STEP_DPO);
        IllegalArgumentException model = assertThrows(IllegalArgumentException.class,
                () -> PairData.read(spark, List.of(file.toString()), noTokenizer));
        assertTrue(model.getMessage().startsWith("--model: tokenizer.json not found in "), model.getMessage());
        IllegalArgumentException sftSpec = assertThrows(IllegalArgumentException.class,
                () -> PairData.read(spark, List.of(file.toString()), EncodeSpec.sft(LLAMA.toString(), "plain")));
        assertTrue(sftSpec.getMessage().startsWith("--loss"), sftSpec.getMessage());
    }
}
