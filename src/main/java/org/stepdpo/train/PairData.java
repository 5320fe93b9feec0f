package org.stepdpo.train;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.struct;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.TaskCompletionListener;
import org.stepdpo.generate.PairRow;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.SourceLine;
import org.stepdpo.spark.TextLines;
import org.stepdpo.train.PairParser.Parsed;

/**
 * Reads training data on Spark and encodes it on the executors: preference pairs ({@link #read}) or
 * SFT examples ({@link #readSft}).
 *
 * <p>Paths ending in {@code .parquet}, and directories holding {@code .parquet} files, are read as
 * Parquet ({@code spark.read().parquet}, schemas merged, each row numbered from 1 within its file);
 * every other path (files, directories, globs) as JSONL through {@link TextLines}. Each partition
 * loads the tokenizer of {@link EncodeSpec#modelDir} once, at its first good row, and closes it when
 * the partition ends. Nothing is dropped: every input row ends as a record or a {@link Rejection}.
 */
public final class PairData {
    private PairData() {}

    /** Reads records of one kind from JSONL lines and from Parquet rows. */
    interface Reader<T> extends Function<SourceLine, Parsed<T>> {
        /**
         * The record in a Spark SQL row holding the same columns.
         *
         * @param file the Parquet file the row came from
         * @param line the row's 1-based number within that file
         */
        Parsed<T> fromRow(Row row, String file, long line);
    }

    /**
     * Encoded records and rejections, both views of one persisted RDD (encoding runs once); close
     * to unpersist it.
     *
     * @param records    the encoded records
     * @param rejections the rows set aside, with reasons
     * @param all        every row's outcome, persisted
     */
    public record Read<T>(JavaRDD<T> records, JavaRDD<Rejection> rejections, JavaRDD<Parsed<T>> all)
            implements AutoCloseable {
        @Override
        public void close() {
            all.unpersist(false);
        }
    }

    /**
     * Pairs of {@code paths} encoded for {@code spec}'s objective.
     *
     * @throws IllegalArgumentException naming {@code --data} when a path matches no file, and
     *                                  {@code --loss}, {@code --model} or {@code --prompt} for a bad spec
     */
    public static Read<EncodedPair> read(SparkSession spark, List<String> paths, EncodeSpec spec) {
        if (spec.objective() == null) {
            throw new IllegalArgumentException("--loss: no objective given for preference pairs: expected "
                    + "step-dpo or dpo");
        }
        return readWith(spark, paths, spec, new PairParser(spec.objective()), new EncodePairs(spec));
    }

    /** SFT examples of {@code paths} encoded for {@code spec} (its objective is ignored). */
    public static Read<EncodedExample> readSft(SparkSession spark, List<String> paths, EncodeSpec spec) {
        return readWith(spark, paths, spec, SftExample.parser(), new EncodeExamples(spec));
    }

    private static <R, T> Read<T> readWith(SparkSession spark, List<String> paths, EncodeSpec spec,
            Reader<R> reader, EncodePartition<R, T> encode) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        if (paths.isEmpty()) {
            throw new IllegalArgumentException("--data: no input given: expected JSONL or Parquet files");
        }
        TextLines.requireFiles(jsc.hadoopConfiguration(), paths, "--data");
        spec.check();
        List<String> parquet = new ArrayList<>();
        List<String> text = new ArrayList<>();
        for (String p : paths) {
            (isParquet(jsc.hadoopConfiguration(), p) ? parquet : text).add(p);
        }
        JavaRDD<Parsed<R>> parsed = null;
        if (!text.isEmpty()) {
            parsed = TextLines.read(jsc, text).map(reader);
        }
        if (!parquet.isEmpty()) {
            JavaRDD<Parsed<R>> rows = spark.read().option("mergeSchema", "true").parquet(parquet.toArray(String[]::new))
                    .select(struct(col("*")).as("row"), col("_metadata.file_path"), col("_metadata.row_index"))
                    .javaRDD().map(new FromRow<>(reader));
            parsed = parsed == null ? rows : parsed.union(rows);
        }
        JavaRDD<Parsed<T>> all = parsed.mapPartitions(encode).persist(StorageLevel.MEMORY_AND_DISK());
        return new Read<>(all.filter(Parsed::ok).map(Parsed::value), all.filter(p -> !p.ok()).map(Parsed::rejection),
                all);
    }

    /** Whether {@code path} names Parquet data: a {@code .parquet} name or a directory with such files. */
    static boolean isParquet(Configuration hadoop, String path) {
        String trimmed = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (trimmed.endsWith(".parquet")) {
            return true;
        }
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(hadoop);
            FileStatus[] found = fs.globStatus(p);
            for (FileStatus s : found == null ? new FileStatus[0] : found) {
                if (s.isDirectory()) {
                    for (FileStatus child : fs.listStatus(s.getPath())) {
                        if (child.isFile() && child.getPath().getName().endsWith(".parquet")) {
                            return true;
                        }
                    }
                }
            }
            return false;
        } catch (IOException e) {
            throw new IllegalArgumentException("--data: cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** A Parquet row (struct of the data columns, file path, 0-based row index) through a reader. */
    static final class FromRow<R> implements Function<Row, Parsed<R>> {
        private final Reader<R> reader;

        FromRow(Reader<R> reader) {
            this.reader = reader;
        }

        @Override
        public Parsed<R> call(Row r) {
            return reader.fromRow(r.getStruct(0), hadoopPath(r.getString(1)), r.getLong(2) + 1);
        }
    }

    /** The path as Hadoop writes it ({@code file:/x}), so JSONL and Parquet ids look alike. */
    static String hadoopPath(String uri) {
        try {
            return new Path(new URI(uri)).toString();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return uri;
        }
    }

    /** Encodes one partition, loading the tokenizer at its first good row and closing it at its end. */
    abstract static class EncodePartition<R, T> implements FlatMapFunction<Iterator<Parsed<R>>, Parsed<T>> {
        final EncodeSpec spec;

        EncodePartition(EncodeSpec spec) {
            this.spec = spec;
        }

        abstract Parsed<T> encode(PairEncoder encoder, R record);

        @Override
        public Iterator<Parsed<T>> call(Iterator<Parsed<R>> in) {
            return new Iterator<>() {
                private HfTokenizer tokenizer;
                private PairEncoder encoder;

                @Override
                public boolean hasNext() {
                    boolean more = in.hasNext();
                    if (!more) {
                        close();
                    }
                    return more;
                }

                @Override
                public Parsed<T> next() {
                    Parsed<R> p = in.next();
                    if (!p.ok()) {
                        return new Parsed<>(null, p.rejection());
                    }
                    if (encoder == null) {
                        open();
                    }
                    return encode(encoder, p.value());
                }

                private void open() {
                    tokenizer = spec.loadTokenizer();
                    TaskContext task = TaskContext.get();
                    if (task != null) {
                        task.addTaskCompletionListener((TaskCompletionListener) context -> close());
                    }
                    encoder = new PairEncoder(tokenizer, spec);
                }

                private synchronized void close() {
                    if (tokenizer != null) {
                        tokenizer.close();
                        tokenizer = null;
                        encoder = null;
                    }
                }
            };
        }
    }

    /** Encodes pairs. */
    static final class EncodePairs extends EncodePartition<PairRow, EncodedPair> {
        EncodePairs(EncodeSpec spec) {
            super(spec);
        }

        @Override
        Parsed<EncodedPair> encode(PairEncoder encoder, PairRow row) {
            return encoder.encode(row);
        }
    }

    /** Encodes SFT examples. */
    static final class EncodeExamples extends EncodePartition<SftExample, EncodedExample> {
        EncodeExamples(EncodeSpec spec) {
            super(spec);
        }

        @Override
        Parsed<EncodedExample> encode(PairEncoder encoder, SftExample example) {
            return encoder.encode(example);
        }
    }
}
