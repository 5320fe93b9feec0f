package org.stepdpo.spark;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * A barrier stage of {@code tasks} tasks in which every task opens a {@link GradientExchange} and
 * sums {@code rounds} rounds of {@link ExchangeVectors}, or, with {@code timeOnly}, the same
 * vector each round, keeping only the seconds per round (for benchmarks).
 */
record BarrierSums(ExchangeMode mode, int rounds, int floats, int doubles, boolean timeOnly)
        implements Serializable {

    /**
     * What one task saw: its results by round (floats empty with {@code timeOnly}), a hash of each
     * round's float sum, and the seconds each round took.
     */
    record TaskResult(int rank, int size, float[][] floats, double[][] doubles, int[] hashes,
            boolean inputReturned, double[] seconds) implements Serializable {}

    /** Runs the stage on {@code spark} and returns the tasks' results in rank order. */
    List<TaskResult> run(SparkSession spark, int tasks) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> ranks = java.util.stream.IntStream.range(0, tasks).boxed().toList();
        return jsc.parallelize(ranks, tasks).rdd().barrier()
                .mapPartitions(new Task(this), false, ClassTag$.MODULE$.apply(TaskResult.class))
                .toJavaRDD().collect().stream().sorted(java.util.Comparator.comparingInt(TaskResult::rank)).toList();
    }

    /** The barrier task: a named Spark function holding only the stage's settings. */
    static final class Task extends AbstractFunction1<scala.collection.Iterator<Integer>, scala.collection.Iterator<TaskResult>>
            implements Serializable {
        private final BarrierSums stage;

        Task(BarrierSums stage) {
            this.stage = stage;
        }

        @Override
        public scala.collection.Iterator<TaskResult> apply(scala.collection.Iterator<Integer> partition) {
            BarrierTaskContext ctx = BarrierTaskContext.get();
            int rank = ctx.partitionId();
            float[][] f = new float[stage.rounds][];
            double[][] d = new double[stage.rounds][];
            double[] seconds = new double[stage.rounds];
            int[] hashes = new int[stage.rounds];
            boolean inputReturned = true;
            float[] fixed = stage.timeOnly ? ExchangeVectors.floats(rank, 0, stage.floats) : null;
            try (GradientExchange ex = GradientExchange.open(stage.mode, ctx, Duration.ofSeconds(120))) {
                for (int round = 0; round < stage.rounds; round++) {
                    float[] floats = stage.timeOnly ? fixed : ExchangeVectors.floats(rank, round, stage.floats);
                    double[] doubles = ExchangeVectors.doubles(rank, round, stage.doubles);
                    long start = System.nanoTime();
                    GradientExchange.Summed sum = ex.sum(floats, doubles);
                    seconds[round] = (System.nanoTime() - start) / 1e9;
                    inputReturned &= sum.floats() == floats && sum.doubles() == doubles;
                    hashes[round] = java.util.Arrays.hashCode(sum.floats());
                    f[round] = stage.timeOnly ? new float[0] : sum.floats();
                    d[round] = sum.doubles();
                }
            }
            TaskResult result = new TaskResult(rank, ctx.getTaskInfos().length, f, d, hashes, inputReturned, seconds);
            return CollectionConverters.asScala(List.of(result).iterator());
        }
    }
}
