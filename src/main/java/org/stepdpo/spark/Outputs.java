package org.stepdpo.spark;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Writes a job's outputs through Hadoop paths, so {@code file:}, {@code hdfs:} and {@code s3a:} all work. */
public final class Outputs {
    private Outputs() {}

    /** Schema of {@code rejected/}: where each bad row was, why, and its raw text. */
    public static final StructType REJECTION_SCHEMA = new StructType()
            .add("file", DataTypes.StringType)
            .add("line", DataTypes.LongType)
            .add("reason", DataTypes.StringType)
            .add("raw", DataTypes.StringType);

    /**
     * Makes sure {@code out} can take a fresh run's outputs: it must not exist, be empty, or
     * {@code overwrite} must be set (then it is deleted first).
     *
     * @param flag the flag that named the folder, for the error message
     */
    public static void prepareOutputDir(SparkSession spark, String out, boolean overwrite, String flag) {
        Path path = new Path(out);
        try {
            FileSystem fs = path.getFileSystem(hadoop(spark));
            if (fs.exists(path)) {
                FileStatus[] children = fs.isDirectory(path) ? fs.listStatus(path) : new FileStatus[] {null};
                if (children.length > 0 && !overwrite) {
                    throw new IllegalArgumentException(flag + ": output " + out
                            + " already exists and is not empty; choose a new folder or pass --overwrite");
                }
                fs.delete(path, true);
            }
            fs.mkdirs(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output folder " + out, e);
        }
    }

    /**
     * Empties {@code out} for a resumed run: everything but the entries named in {@code keep} is
     * deleted (a missing folder is created).
     */
    public static void clearForResume(SparkSession spark, String out, java.util.Set<String> keep) {
        Path path = new Path(out);
        try {
            FileSystem fs = path.getFileSystem(hadoop(spark));
            if (fs.exists(path)) {
                for (FileStatus child : fs.listStatus(path)) {
                    if (!keep.contains(child.getPath().getName())) {
                        fs.delete(child.getPath(), true);
                    }
                }
            }
            fs.mkdirs(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare output folder " + out, e);
        }
    }

    /** {@code rejections} as rows of {@link #REJECTION_SCHEMA}. */
    public static Dataset<Row> rejectionRows(SparkSession spark, JavaRDD<Rejection> rejections) {
        JavaRDD<Row> rows = rejections.map(r -> RowFactory.create(r.file(), r.line(), r.reason(), r.raw()));
        return spark.createDataFrame(rows, REJECTION_SCHEMA);
    }

    /**
     * Writes {@code rows}, in their order, as one JSON-lines file at {@code file}: Spark writes a
     * single part into a scratch folder beside it, which is then renamed.
     */
    public static void writeJsonl(Dataset<Row> rows, String file) {
        Path target = new Path(file);
        Path scratch = new Path(target.getParent(), "_" + target.getName() + ".tmp");
        rows.coalesce(1).write().mode(SaveMode.Overwrite).json(scratch.toString());
        try {
            FileSystem fs = target.getFileSystem(hadoop(rows.sparkSession()));
            FileStatus[] parts = fs.globStatus(new Path(scratch, "part-*"));
            fs.delete(target, false);
            if (parts == null || parts.length == 0) {
                fs.create(target, true).close(); // no rows: an empty file
            } else {
                if (!fs.rename(parts[0].getPath(), target)) {
                    throw new IOException("rename failed: " + parts[0].getPath() + " -> " + target);
                }
            }
            fs.delete(scratch, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes a small text file (a summary, a config) in one piece. */
    public static void writeText(SparkSession spark, String file, String content) {
        writeBytes(spark, file, content.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes a small file (a summary, a plot) in one piece: into {@code _NAME.tmp} beside it, then
     * renamed over it, so that a reader never finds a part of it.
     */
    public static void writeBytes(SparkSession spark, String file, byte[] content) {
        Path target = new Path(file);
        Path scratch = new Path(target.getParent(), "_" + target.getName() + ".tmp");
        try {
            FileSystem fs = target.getFileSystem(hadoop(spark));
            try (OutputStream os = fs.create(scratch, true)) {
                os.write(content);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(scratch, target)) {
                throw new IOException("the file system refused to rename " + scratch + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /**
     * {@code path} qualified on the driver ({@code file:/abs/...}, {@code hdfs://nn/...}), so that
     * executors, which run in folders of their own, write where the driver reads.
     */
    public static String qualified(SparkSession spark, String path) {
        Path p = new Path(path);
        try {
            return p.getFileSystem(hadoop(spark)).makeQualified(p).toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
    }

    /** A child path of the folder {@code dir}. */
    public static String child(String dir, String name) {
        return new Path(dir, name).toString();
    }

    private static Configuration hadoop(SparkSession spark) {
        return spark.sparkContext().hadoopConfiguration();
    }
}
