package org.stepdpo.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.stepdpo.spark.SocketMesh.Peer;

/**
 * A {@link GradientExchange} over TCP between the barrier tasks: a {@link SocketMesh}, opened
 * once with one allGather, joins every pair of tasks. A {@link #sum} round is a reduce-scatter
 * then an all-gather, and each phase is also a round of its own ({@link #reduceScatter},
 * {@link #allGather}): rank j receives chunk j of every task's floats and adds them in rank order,
 * then sends its summed chunk to all; the doubles go to every task whole and each adds them in
 * rank order. Sends run on one thread per peer while the task's own thread receives.
 */
final class SocketExchange implements GradientExchange {
    private final int rank;
    private final int size;
    private final long timeoutMs;
    /** The other tasks' connections in rank order; null with one task. */
    private final SocketMesh mesh;
    /** The connection to each rank, null at this task's own. */
    private final Peer[] peers;
    private final ExecutorService senders;
    private long round;
    private String failure;
    private volatile boolean closed;

    SocketExchange(BarrierGroup group, Duration timeout) {
        this.rank = group.rank();
        this.size = group.size();
        this.timeoutMs = Math.max(1, timeout.toMillis());
        this.peers = new Peer[size];
        if (size == 1) {
            this.mesh = null;
            this.senders = null;
            return;
        }
        try {
            this.mesh = SocketMesh.open(group, timeoutMs);
        } catch (IOException e) {
            throw new UncheckedIOException("gradient exchange (socket): rank " + rank + " set-up failed: " + e, e);
        }
        for (Peer p : mesh.peers()) {
            peers[p.rank()] = p;
        }
        this.senders = Executors.newFixedThreadPool(size - 1, r -> {
            Thread t = new Thread(r, "gradient-exchange-send-" + rank);
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Summed sum(float[] floats, double[] doubles) {
        Objects.requireNonNull(floats, "floats");
        Objects.requireNonNull(doubles, "doubles");
        if (size == 1) {
            return new Summed(floats, doubles);
        }
        return guarded(r -> {
            int n = floats.length;
            float[] out = new float[n];
            double[] doubleSum = reduceScatterPhase(r, floats, doubles, out, start(rank, n));
            allGatherPhase(r, out);
            return new Summed(out, doubleSum);
        });
    }

    @Override
    public Summed reduceScatter(float[] floats, double[] doubles) {
        Objects.requireNonNull(floats, "floats");
        Objects.requireNonNull(doubles, "doubles");
        if (size == 1) {
            return new Summed(floats, doubles);
        }
        return guarded(r -> {
            int n = floats.length;
            float[] chunk = new float[start(rank + 1, n) - start(rank, n)];
            return new Summed(chunk, reduceScatterPhase(r, floats, doubles, chunk, 0));
        });
    }

    @Override
    public float[] allGather(float[] chunk, int n) {
        Objects.requireNonNull(chunk, "chunk");
        GradientExchange.requireChunk(chunk, n, start(rank, n), start(rank + 1, n));
        if (size == 1) {
            return chunk;
        }
        return guarded(r -> {
            float[] whole = new float[n];
            System.arraycopy(chunk, 0, whole, start(rank, n), chunk.length);
            allGatherPhase(r, whole);
            return whole;
        });
    }

    /** Runs one round; a failure closes the exchange, so that the peers fail fast too. */
    private <R> R guarded(java.util.function.LongFunction<R> body) {
        if (closed || failure != null) {
            throw new IllegalStateException("gradient exchange (socket): rank " + rank + " cannot exchange: "
                    + (failure != null ? "an earlier round failed: " + failure : "closed"));
        }
        long r = ++round;
        try {
            return body.apply(r);
        } catch (RuntimeException e) {
            // The streams are now out of step.
            failure = String.valueOf(e.getMessage());
            close();
            throw e;
        }
    }

    /**
     * Rank j receives chunk j of every task's floats and adds them in rank order into
     * {@code dst[at ...]}; the doubles go to every task whole and each adds them in rank order.
     *
     * @return the summed doubles
     */
    private double[] reduceScatterPhase(long r, float[] floats, double[] doubles, float[] dst, int at) {
        int n = floats.length;
        int from = start(rank, n);
        int to = start(rank + 1, n);
        // Headers first, from this thread: every task learns every length before any bulk data, so a
        // length mismatch fails on every task with the same kind of error.
        for (Peer p : mesh.peers()) {
            try {
                p.out().writeLong(r);
                p.out().writeInt(n);
                p.out().writeInt(doubles.length);
                p.out().flush();
            } catch (IOException e) {
                throw failed(p, r, "sending to", e);
            }
        }
        // Then chunk j of our floats and all our doubles to each peer j, while we sum chunk `rank`.
        List<Future<?>> sends = sendToAll(p -> {
            p.out().writeFloats(floats, start(p.rank(), n), start(p.rank() + 1, n));
            p.out().writeDoubles(doubles);
        });
        for (Peer p : mesh.peers()) {
            try {
                expectRound(p, r);
                int theirN = p.in().readInt();
                int theirDoubles = p.in().readInt();
                if (theirN != n || theirDoubles != doubles.length) {
                    throw new IllegalArgumentException("gradient exchange (socket) round " + r + ": " + p.name()
                            + " sent " + theirN + " floats and " + theirDoubles + " doubles, rank " + rank + " has "
                            + n + " and " + doubles.length + "; every task must sum vectors of the same lengths");
                }
            } catch (IOException e) {
                throw failed(p, r, "receiving from", e);
            }
        }
        double[] doubleSum = new double[doubles.length];
        double[] theirs = new double[doubles.length];
        for (int k = 0; k < size; k++) {
            if (k == rank) {
                for (int i = from; i < to; i++) {
                    dst[at + i - from] = k == 0 ? floats[i] : dst[at + i - from] + floats[i];
                }
                System.arraycopy(doubles, 0, theirs, 0, doubles.length);
            } else {
                try {
                    peers[k].in().readFloats(dst, at, at + to - from, k > 0);
                    peers[k].in().readDoubles(theirs);
                } catch (IOException e) {
                    throw failed(peers[k], r, "receiving from", e);
                }
            }
            for (int i = 0; i < doubleSum.length; i++) {
                doubleSum[i] = k == 0 ? theirs[i] : doubleSum[i] + theirs[i];
            }
        }
        await(sends, r);
        return doubleSum;
    }

    /** Our chunk of {@code whole} to every peer; their chunks into place. */
    private void allGatherPhase(long r, float[] whole) {
        int n = whole.length;
        List<Future<?>> sends = sendToAll(p -> {
            p.out().writeLong(r);
            p.out().writeInt(n);
            p.out().writeFloats(whole, start(rank, n), start(rank + 1, n));
        });
        for (Peer p : mesh.peers()) {
            try {
                expectRound(p, r);
                int theirN = p.in().readInt();
                if (theirN != n) {
                    throw new IllegalArgumentException("gradient exchange (socket) round " + r + ": " + p.name()
                            + " gathers a vector of " + theirN + " floats, rank " + rank + " one of " + n
                            + "; every task must gather vectors of the same length");
                }
                p.in().readFloats(whole, start(p.rank(), n), start(p.rank() + 1, n), false);
            } catch (IOException e) {
                throw failed(p, r, "receiving from", e);
            }
        }
        await(sends, r);
    }

    /** What one sender thread writes to one peer; the stream is flushed after it. */
    private interface Send {
        void to(Peer p) throws IOException;
    }

    /** Starts {@code send} to every peer on the sender threads; futures in peer order. */
    private List<Future<?>> sendToAll(Send send) {
        List<Future<?>> sends = new ArrayList<>();
        for (Peer p : mesh.peers()) {
            sends.add(senders.submit(() -> {
                send.to(p);
                p.out().flush();
                return null;
            }));
        }
        return sends;
    }

    /** Where chunk {@code j} of a vector of length {@code n} starts; chunk {@code size} is the end. */
    private int start(int j, int n) {
        return GradientExchange.chunkStart(j, n, size);
    }

    private static void expectRound(Peer p, long r) throws IOException {
        long theirs = p.in().readLong();
        if (theirs != r) {
            throw new IOException("expected round " + r + ", found " + theirs + "; every task must call sum equally often");
        }
    }

    /** Waits for this phase's sends, so the caller's arrays are no longer read once sum returns. */
    private void await(List<Future<?>> sends, long r) {
        for (int i = 0; i < sends.size(); i++) {
            Peer p = mesh.peers().get(i);
            try {
                sends.get(i).get(timeoutMs, TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw failed(p, r, "sending to", e.getCause());
            } catch (TimeoutException e) {
                throw failed(p, r, "sending to", new IOException("no progress within " + timeoutMs / 1000.0 + " s"));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failed(p, r, "sending to", e);
            }
        }
    }

    private UncheckedIOException failed(Peer p, long r, String what, Throwable cause) {
        String message = "gradient exchange (socket) round " + r + ": rank " + rank + " failed " + what + " "
                + p.name() + ": " + cause;
        return new UncheckedIOException(message, cause instanceof IOException io ? io : new IOException(cause));
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (mesh != null) {
            mesh.close();
            senders.shutdownNow();
        }
    }
}
