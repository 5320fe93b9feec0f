package org.stepdpo.spark;

import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * Reads text files (any Hadoop path: {@code file:}, {@code hdfs:}, {@code s3a:}, globs) as lines that
 * keep their file and line number, checking each line's bytes as strict UTF-8.
 *
 * <p>Lines that are not valid UTF-8 or are blank come back with a {@link SourceLine#problem()} instead
 * of being dropped, so a stage can set them aside with a reason. Line numbers are exact across
 * splits: a first pass counts the lines of every split, a second numbers them.
 */
public final class TextLines {
    private TextLines() {}

    /**
     * Checks that every path (or glob) names at least one readable file.
     *
     * @param what the flag or setting the paths came from, named in the error
     * @throws IllegalArgumentException naming {@code what} and the path when one matches nothing
     */
    public static void requireFiles(Configuration hadoop, List<String> paths, String what) {
        for (String p : paths) {
            try {
                Path path = new Path(p);
                FileSystem fs = path.getFileSystem(hadoop);
                FileStatus[] found = fs.globStatus(path);
                if (found == null || found.length == 0) {
                    throw new IllegalArgumentException(what + ": input file not found: " + p);
                }
            } catch (IOException e) {
                throw new IllegalArgumentException(what + ": cannot read " + p + ": " + e.getMessage(), e);
            }
        }
    }

    /** The lines of every file in {@code paths}, in file order. */
    public static JavaRDD<SourceLine> read(JavaSparkContext jsc, List<String> paths) {
        Configuration conf = new Configuration(jsc.hadoopConfiguration());
        @SuppressWarnings("unchecked")
        JavaNewHadoopRDD<LongWritable, Text> raw = (JavaNewHadoopRDD<LongWritable, Text>)
                jsc.newAPIHadoopFile(String.join(",", paths), TextInputFormat.class,
                        LongWritable.class, Text.class, conf);
        List<SplitCount> counts = raw.mapPartitionsWithInputSplit(new CountLines(), true).collect();
        long[] firstLine = firstLineNumbers(counts);
        return raw.mapPartitionsWithInputSplit(new DecodeLines(firstLine), true);
    }

    /** Line count of one split, in partition order. */
    record SplitCount(int partition, String file, long start, long lines) implements Serializable {}

    /** For each partition, the 1-based number of its first line within its file. */
    static long[] firstLineNumbers(List<SplitCount> counts) {
        long[] first = new long[counts.size()];
        Map<String, List<SplitCount>> byFile = new TreeMap<>();
        for (SplitCount c : counts) {
            byFile.computeIfAbsent(c.file(), f -> new ArrayList<>()).add(c);
        }
        for (List<SplitCount> splits : byFile.values()) {
            splits.sort(Comparator.comparingLong(SplitCount::start));
            long next = 1;
            for (SplitCount c : splits) {
                first[c.partition()] = next;
                next += c.lines();
            }
        }
        return first;
    }

    private static String fileOf(InputSplit split) {
        return ((FileSplit) split).getPath().toString();
    }

    /** First pass: how many lines each split holds. */
    static final class CountLines
            implements Function2<InputSplit, Iterator<Tuple2<LongWritable, Text>>, Iterator<SplitCount>> {
        @Override
        public Iterator<SplitCount> call(InputSplit split, Iterator<Tuple2<LongWritable, Text>> it) {
            long n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            FileSplit fs = (FileSplit) split;
            int partition = TaskContext.get().partitionId();
            return List.of(new SplitCount(partition, fileOf(split), fs.getStart(), n)).iterator();
        }
    }

    /** Second pass: decode and number every line. */
    static final class DecodeLines
            implements Function2<InputSplit, Iterator<Tuple2<LongWritable, Text>>, Iterator<SourceLine>> {
        private final long[] firstLine;

        DecodeLines(long[] firstLine) {
            this.firstLine = firstLine;
        }

        @Override
        public Iterator<SourceLine> call(InputSplit split, Iterator<Tuple2<LongWritable, Text>> it) {
            String file = fileOf(split);
            long first = firstLine[TaskContext.get().partitionId()];
            CharsetDecoder strict = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            return new Iterator<>() {
                long line = first;

                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public SourceLine next() {
                    Text t = it.next()._2();
                    byte[] bytes = Arrays.copyOf(t.getBytes(), t.getLength());
                    return decode(file, line++, bytes, strict);
                }
            };
        }
    }

    /** Decodes one line's bytes, reporting invalid UTF-8 and blank lines as problems. */
    static SourceLine decode(String file, long line, byte[] bytes, CharsetDecoder strict) {
        int offset = 0;
        if (line == 1 && bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
                && (bytes[2] & 0xFF) == 0xBF) {
            offset = 3; // byte-order mark
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes, offset, bytes.length - offset);
        String text;
        try {
            text = strict.reset().decode(buf).toString();
        } catch (CharacterCodingException e) {
            String lossy = new String(bytes, offset, bytes.length - offset, StandardCharsets.UTF_8);
            return new SourceLine(file, line, lossy, "invalid-utf8: bytes are not valid UTF-8");
        }
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isBlank()) {
            return new SourceLine(file, line, text, "empty-line: blank line");
        }
        return new SourceLine(file, line, text, null);
    }
}
