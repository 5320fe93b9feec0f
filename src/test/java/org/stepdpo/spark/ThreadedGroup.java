package org.stepdpo.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A barrier group of threads in this JVM on 127.0.0.1, for testing exchanges with any number of
 * ranks without Spark: allGather meets at a {@link CyclicBarrier}.
 */
public final class ThreadedGroup {
    private final CyclicBarrier barrier;
    private final String[] slots;
    /** How many allGather calls the members made, all ranks together. */
    final AtomicInteger allGathers = new AtomicInteger();

    public ThreadedGroup(int size) {
        this.barrier = new CyclicBarrier(size);
        this.slots = new String[size];
    }

    /** The member of rank {@code rank}. */
    public BarrierGroup member(int rank) {
        return new BarrierGroup() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return slots.length;
            }

            @Override
            public String host(int r) {
                return "127.0.0.1";
            }

            @Override
            public String[] allGather(String message) {
                allGathers.incrementAndGet();
                try {
                    slots[rank] = message;
                    barrier.await(30, TimeUnit.SECONDS);
                    String[] all = slots.clone();
                    barrier.await(30, TimeUnit.SECONDS);
                    return all;
                } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                    throw new IllegalStateException("allGather of rank " + rank + " failed: " + e, e);
                }
            }
        };
    }

    /** Runs {@code task} for every rank on its own thread; the futures are in rank order. */
    public static <T> List<Future<T>> run(int size, Function<BarrierGroup, T> task) {
        ThreadedGroup group = new ThreadedGroup(size);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                BarrierGroup member = group.member(r);
                futures.add(pool.submit(() -> task.apply(member)));
            }
            return futures;
        } finally {
            pool.shutdown();
        }
    }
}
