package org.stepdpo.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.deploy.SparkHadoopUtil;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Generated completions saved as they finish, one JSON-lines file per batch under
 * {@code OUT/progress/}, each written under a temporary name and then renamed, so a crashed or
 * stopped run keeps every finished batch and {@code --resume} generates only what is missing.
 * Rows are identified by their input file and line.
 */
public final class CompletionLog {
    /** Folder under the output folder. */
    public static final String DIR = "progress";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Columns of the log. */
    public static final StructType SCHEMA = new StructType()
            .add("file", DataTypes.StringType)
            .add("line", DataTypes.LongType)
            .add("idx", DataTypes.StringType)
            .add("dataset", DataTypes.StringType)
            .add("type", DataTypes.StringType)
            .add("level", DataTypes.StringType)
            .add("instruction", DataTypes.StringType)
            .add("answer", DataTypes.createArrayType(DataTypes.StringType))
            .add("prompt", DataTypes.StringType)
            .add("completion", DataTypes.StringType)
            .add("prompt_tokens", DataTypes.IntegerType)
            .add("new_tokens", DataTypes.IntegerType)
            .add("finish", DataTypes.StringType);

    private CompletionLog() {}

    /** Appends one finished batch from inside a task. */
    public static void append(String dir, Configuration hadoop, List<Completion> batch, int chunk) {
        List<String> lines = new ArrayList<>();
        for (Completion c : batch) {
            lines.add(toJson(c));
        }
        appendLines(dir, hadoop, lines, chunk);
    }

    /**
     * Saves JSON lines as one file of the log from inside a task: {@code part-PPPPP-aA-sS-cCCCCC.jsonl}
     * (partition, attempt, stage, chunk), written under a temporary name and renamed, so a reader
     * never sees half a file.
     */
    public static void appendLines(String dir, Configuration hadoop, List<String> lines, int chunk) {
        appendLines(dir, hadoop, lines, chunk, TaskContext.get());
    }

    /** As {@link #appendLines(String, Configuration, List, int)} for {@code task}, from any thread of it. */
    public static void appendLines(String dir, Configuration hadoop, List<String> lines, int chunk, TaskContext task) {
        StringBuilder text = new StringBuilder();
        for (String line : lines) {
            text.append(line).append('\n');
        }
        String name = task == null ? "driver-" + UUID.randomUUID()
                : String.format("part-%05d-a%d-s%d", task.partitionId(), task.attemptNumber(), task.stageId());
        Path target = new Path(dir, name + String.format("-c%05d.jsonl", chunk));
        Path scratch = new Path(dir, "_" + UUID.randomUUID() + ".tmp");
        try {
            FileSystem fs = target.getFileSystem(hadoop);
            try (OutputStream os = fs.create(scratch, true)) {
                os.write(text.toString().getBytes(StandardCharsets.UTF_8));
            }
            fs.delete(target, false);
            if (!fs.rename(scratch, target)) {
                throw new IOException("rename failed: " + scratch + " -> " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save completions to " + dir, e);
        }
    }

    /** The Hadoop configuration inside a task (or a default one outside Spark). */
    public static Configuration taskHadoop() {
        SparkEnv env = SparkEnv.get();
        return env == null ? new Configuration() : SparkHadoopUtil.get().newConfiguration(env.conf());
    }

    /** The log files under {@code dir} ({@code part-*.jsonl}), empty when there are none. */
    public static String[] files(SparkSession spark, String dir) {
        Path path = new Path(dir);
        try {
            FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
            var parts = fs.globStatus(new Path(path, "part-*.jsonl"));
            return parts == null ? new String[0]
                    : java.util.Arrays.stream(parts).map(p -> p.getPath().toString()).toArray(String[]::new);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    private static String toJson(Completion c) {
        Problem p = c.problem();
        ObjectNode o = JSON.createObjectNode();
        o.put("file", p.file());
        o.put("line", p.line());
        o.put("idx", p.idx());
        o.put("dataset", p.dataset());
        o.put("type", p.type());
        o.put("level", p.level());
        o.put("instruction", p.instruction());
        p.answers().forEach(o.putArray("answer")::add);
        o.put("prompt", c.prompt());
        o.put("completion", p.completion());
        o.put("prompt_tokens", c.promptTokens());
        o.put("new_tokens", c.newTokens());
        o.put("finish", c.finish());
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A logged row back as a completion. */
    public static Completion toCompletion(Row r) {
        List<String> answers = r.getList(r.fieldIndex("answer"));
        Problem p = new Problem(r.getAs("file"), r.<Long>getAs("line"), r.getAs("idx"), r.getAs("dataset"),
                r.getAs("type"), r.getAs("level"), r.getAs("instruction"), List.copyOf(answers),
                null, r.getAs("completion"));
        return new Completion(p, r.getAs("prompt"), r.<Integer>getAs("prompt_tokens"),
                r.<Integer>getAs("new_tokens"), r.getAs("finish"));
    }

    /** Every completion logged under {@code dir}, one per input row (a retried batch counts once). */
    public static Dataset<Row> read(SparkSession spark, String dir) {
        String[] files = files(spark, dir);
        if (files.length == 0) {
            return spark.createDataFrame(List.of(), SCHEMA);
        }
        return spark.read().schema(SCHEMA).json(files).dropDuplicates("file", "line");
    }
}
