package org.stepdpo.spark;

import java.time.Duration;
import java.util.Objects;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Sums float and double vectors elementwise across the tasks of a Spark barrier stage, e.g. the
 * gradients and loss statistics of data-parallel workers.
 *
 * <p>Determinism: every task gets the same result, bit for bit equal to summing the tasks'
 * vectors in rank order, {@code ((v0 + v1) + v2) + ...}, with float (resp. double) addition
 * starting from rank 0's vector, whatever the {@link ExchangeMode}. With one task, {@link #sum}
 * returns its input arrays themselves and nothing is exchanged.
 *
 * <p>{@link #sum} is a collective call: every task makes it, the same number of times, with
 * vectors of the same lengths. An exchange is used by one thread; inputs are never modified.
 */
public interface GradientExchange extends AutoCloseable {

    /** The elementwise sums of one round. */
    record Summed(float[] floats, double[] doubles) {
        /** Both arrays are required. */
        public Summed {
            Objects.requireNonNull(floats, "floats");
            Objects.requireNonNull(doubles, "doubles");
        }
    }

    /** This task's rank, {@code 0 <= rank < size}. */
    int rank();

    /** How many tasks take part. */
    int size();

    /** Sums {@code floats} and {@code doubles} across the tasks in one round. */
    Summed sum(float[] floats, double[] doubles);

    /**
     * Reduce-scatter: sums {@code floats} across the tasks like {@link #sum} but returns only this
     * task's chunk of the sum, elements {@code [chunkStart(rank), chunkStart(rank + 1))}, bit for bit
     * equal to that part of {@link #sum}'s result; the doubles come back summed whole.
     */
    default Summed reduceScatter(float[] floats, double[] doubles) {
        Summed all = sum(floats, doubles);
        int n = floats.length;
        return new Summed(java.util.Arrays.copyOfRange(all.floats(), chunkStart(rank(), n, size()),
                chunkStart(rank() + 1, n, size())), all.doubles());
    }

    /**
     * All-gather: every task gives its chunk ({@link #reduceScatter}'s layout) of a vector of length
     * {@code n}; every task gets the whole vector, each chunk as its owner gave it.
     */
    float[] allGather(float[] chunk, int n);

    /** Where task {@code j}'s chunk of a vector of length {@code n} starts among {@code size} tasks. */
    static int chunkStart(int j, int n, int size) {
        return (int) ((long) n * j / size);
    }

    /** Fails unless {@code chunk} has the length of the chunk {@code [from, to)} of a vector of length {@code n}. */
    static void requireChunk(float[] chunk, int n, int from, int to) {
        if (chunk.length != to - from) {
            throw new IllegalArgumentException("allGather: this task's chunk of a vector of " + n + " floats has "
                    + (to - from) + " elements, given " + chunk.length);
        }
    }

    /** Sums one float vector across the tasks in one round. */
    default float[] sum(float[] local) {
        return sum(local, new double[0]).floats();
    }

    /** Sums one double vector across the tasks in one round. */
    default double[] sum(double[] local) {
        return sum(new float[0], local).doubles();
    }

    /** Releases sockets and threads; idempotent. */
    @Override
    void close();

    /**
     * Opens an exchange among the tasks of {@code group}: a collective call that every task makes.
     *
     * @param timeout socket mode: how long to wait for a peer to connect, or for a peer's data in
     *     a round; it must cover how far the tasks can drift apart between rounds. allGather mode
     *     waits as long as Spark's {@code spark.barrier.sync.timeout}.
     */
    static GradientExchange open(ExchangeMode mode, BarrierGroup group, Duration timeout) {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(group, "group");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("gradient exchange timeout: expected > 0, found " + timeout);
        }
        return switch (mode) {
            case ALLGATHER -> new AllGatherExchange(group);
            case SOCKET -> new SocketExchange(group, timeout);
        };
    }

    /**
     * Opens an exchange among the tasks of the current barrier stage (see
     * {@link #open(ExchangeMode, BarrierGroup, Duration)}); it is also closed when the task ends,
     * so a failed or killed task leaves no sockets behind.
     */
    static GradientExchange open(ExchangeMode mode, BarrierTaskContext ctx, Duration timeout) {
        GradientExchange exchange = open(mode, BarrierGroup.of(ctx), timeout);
        ctx.addTaskCompletionListener((TaskCompletionListener) context -> exchange.close());
        return exchange;
    }
}
