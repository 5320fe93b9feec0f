package org.stepdpo.eval;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Accuracy of a run, overall and by dataset, type and level; built from counts summed by Spark,
 * never by averaging averages.
 *
 * @param overall   every scored sample
 * @param invalid   samples from which no answer could be extracted
 * @param rejected  input rows set aside, by reason code
 * @param byDataset by the {@code dataset} column
 * @param byType    by MATH subject (rows with a type)
 * @param byLevel   by difficulty (rows with a level)
 */
public record EvalSummary(Bucket overall, long invalid, Map<String, Long> rejected,
        Map<String, Bucket> byDataset, Map<String, Bucket> byType, Map<String, Bucket> byLevel) {

    /** {@code correct} of {@code n}. */
    public record Bucket(long n, long correct) {
        public double accuracy() {
            return n == 0 ? 0.0 : (double) correct / n;
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("n", n);
            m.put("correct", correct);
            m.put("accuracy", accuracy());
            return m;
        }
    }

    /** Summarizes scored samples (columns {@code dataset, type, level, correct, valid}). */
    public static EvalSummary of(Dataset<Row> samples, Map<String, Long> rejected) {
        Row all = samples.agg(count(lit(1)), sum(when(col("correct"), 1).otherwise(0)),
                sum(when(col("valid"), 0).otherwise(1))).first();
        Bucket overall = new Bucket(all.getLong(0), all.isNullAt(1) ? 0 : all.getLong(1));
        long invalid = all.isNullAt(2) ? 0 : all.getLong(2);
        return new EvalSummary(overall, invalid, new TreeMap<>(rejected), buckets(samples, "dataset"),
                buckets(samples, "type"), buckets(samples, "level"));
    }

    private static Map<String, Bucket> buckets(Dataset<Row> samples, String column) {
        Map<String, Bucket> out = new TreeMap<>();
        for (Row r : samples.where(col(column).isNotNull()).groupBy(col(column))
                .agg(count(lit(1)), sum(when(col("correct"), 1).otherwise(0))).collectAsList()) {
            out.put(r.getString(0), new Bucket(r.getLong(1), r.getLong(2)));
        }
        return out;
    }

    /** Total rows set aside. */
    public long rejectedCount() {
        return rejected.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The {@code summary.json} object (DESIGN.md contract), with the run's configuration. */
    public Map<String, Object> toMap(Map<String, Object> config) {
        Map<String, Object> m = new LinkedHashMap<>(overall.toMap());
        m.put("invalid", invalid);
        m.put("rejected", rejectedCount());
        m.put("rejected_by_reason", rejected);
        m.put("by_dataset", bucketMaps(byDataset));
        m.put("by_type", bucketMaps(byType));
        m.put("by_level", bucketMaps(byLevel));
        m.put("config", config);
        return m;
    }

    private static Map<String, Object> bucketMaps(Map<String, Bucket> buckets) {
        Map<String, Object> m = new LinkedHashMap<>();
        buckets.forEach((k, b) -> m.put(k, b.toMap()));
        return m;
    }

    /** A plain-text table of the results, for the console. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        String rowFormat = "%-32s %8s %8s %9s%n";
        sb.append(String.format(rowFormat, "", "n", "correct", "accuracy"));
        appendRows(sb, rowFormat, "dataset", byDataset);
        appendRows(sb, rowFormat, "type", byType);
        appendRows(sb, rowFormat, "level", byLevel);
        sb.append(String.format(rowFormat, "all", overall.n(), overall.correct(),
                String.format("%.2f%%", 100 * overall.accuracy())));
        sb.append(String.format("invalid (no answer found): %d   rejected rows: %d%n", invalid, rejectedCount()));
        return sb.toString();
    }

    private static void appendRows(StringBuilder sb, String rowFormat, String what, Map<String, Bucket> buckets) {
        buckets.forEach((k, b) -> sb.append(String.format(rowFormat, what + " " + k, b.n(), b.correct(),
                String.format("%.2f%%", 100 * b.accuracy()))));
    }
}
