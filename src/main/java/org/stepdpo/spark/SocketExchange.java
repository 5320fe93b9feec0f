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
 * once with one allGather, joins every pair of tasks. A round is a reduce-scatter
 * then an all-gather: rank j receives chunk j of every task's floats and adds them in rank order,
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
        if (closed || failure != null) {
            throw new IllegalStateException("gradient exchange (socket): rank " + rank + " cannot sum: "
                    + (failure != null ? "an earlier round failed: " + failure : "closed"));
        }
        long r = ++round;
        try {
            return exchange(r, floats, doubles);
        } catch (RuntimeException e) {
            // The streams are now out of step: close, so that the peers fail fast too.
            failure = String.valueOf(e.getMessage());
            close();
            throw e;
        }
    }

    private Summed exchange(long r, float[] floats, double[] doubles) {
        int n = floats.length;
        float[] out = new float[n];
        int from = start(rank, n);
        int to = start(rank + 1, n);

        // Reduce-scatter. Headers first, from this thread: every task learns every length before any
        // bulk data, so a length mismatch fails on every task with the same kind of error.
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
                    out[i] = k == 0 ? floats[i] : out[i] + floats[i];
                }
                System.arraycopy(doubles, 0, theirs, 0, doubles.length);
            } else {
                try {
                    peers[k].in().readFloats(out, from, to, k > 0);
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

        // All-gather: our summed chunk to every peer; their summed chunks into place.
        sends = sendToAll(p -> {
            p.out().writeLong(r);
            p.out().writeFloats(out, from, to);
        });
        for (Peer p : mesh.peers()) {
            try {
                expectRound(p, r);
                p.in().readFloats(out, start(p.rank(), n), start(p.rank() + 1, n), false);
            } catch (IOException e) {
                throw failed(p, r, "receiving from", e);
            }
        }
        await(sends, r);
        return new Summed(out, doubleSum);
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
        return (int) ((long) n * j / size);
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
