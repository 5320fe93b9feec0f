package org.stepdpo.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Which examples every optimizer step trains on, the same on every worker and for any worker count:
 * each epoch visits the examples in an order shuffled by the seed and the epoch number, in global
 * batches of {@code globalBatch} (the last batch of an epoch may be smaller); each worker takes a
 * contiguous share of a global batch and runs it in micro-batches. A step number is therefore a
 * complete data position: resuming at step s continues with exactly the examples s would have seen.
 *
 * @param examples     number of training examples
 * @param workers      data-parallel workers
 * @param perDevice    examples per micro-batch
 * @param gradAccum    micro-batches per worker per step
 * @param epochs       passes over the data (used when {@code maxSteps <= 0})
 * @param maxSteps     optimizer steps, or 0 for {@code epochs} full passes
 * @param seed         shuffle seed
 */
public record StepPlan(int examples, int workers, int perDevice, int gradAccum, int epochs, int maxSteps, long seed)
        implements Serializable {
    public StepPlan {
        if (examples <= 0) {
            throw new IllegalArgumentException("no training examples: every input row was rejected or the input is empty");
        }
        if (workers <= 0 || perDevice <= 0 || gradAccum <= 0) {
            throw new IllegalArgumentException("workers, per-device batch and grad-accum must be positive");
        }
    }

    /** Examples per optimizer step: workers x per-device batch x grad-accum. */
    public int globalBatch() {
        return workers * perDevice * gradAccum;
    }

    /** Steps per pass over the data (the last one may be short). */
    public int stepsPerEpoch() {
        return (examples + globalBatch() - 1) / globalBatch();
    }

    /** The number of optimizer steps of the run. */
    public int totalSteps() {
        return maxSteps > 0 ? maxSteps : Math.max(1, epochs) * stepsPerEpoch();
    }

    /** The epoch (0-based, may be fractional in the log) that step {@code step} (0-based) belongs to. */
    public double epochAt(int step) {
        return (double) step / stepsPerEpoch();
    }

    /** Example indices of step {@code step}'s global batch (0-based step). */
    public int[] globalIndices(int step) {
        int epoch = step / stepsPerEpoch();
        int within = step % stepsPerEpoch();
        int[] order = order(epoch);
        int from = within * globalBatch();
        return Arrays.copyOfRange(order, from, Math.min(examples, from + globalBatch()));
    }

    /**
     * Worker {@code rank}'s share of a global batch: contiguous, as even as possible (shares differ
     * by at most one example when the batch is short).
     */
    public int[] share(int[] global, int rank) {
        int base = global.length / workers;
        int extra = global.length % workers;
        int from = rank * base + Math.min(rank, extra);
        int to = from + base + (rank < extra ? 1 : 0);
        return Arrays.copyOfRange(global, from, to);
    }

    /** A shuffled order of all examples for {@code epoch}: Fisher-Yates with a per-epoch stream. */
    int[] order(int epoch) {
        int[] order = new int[examples];
        for (int i = 0; i < examples; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = examples - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
