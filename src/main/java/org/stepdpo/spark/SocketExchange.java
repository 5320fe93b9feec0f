package org.stepdpo.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.SecureRandom;
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

/**
 * A {@link GradientExchange} over TCP between the barrier tasks (a full mesh, one connection per
 * pair). Set-up: each task listens on its own host, port 0; the ports go round in one allGather;
 * each task connects to the lower ranks and accepts the higher ones. A round is a reduce-scatter
 * then an all-gather: rank j receives chunk j of every task's floats and adds them in rank order,
 * then sends its summed chunk to all; the doubles go to every task whole and each adds them in
 * rank order. Sends run on one thread per peer while the task's own thread receives.
 */
final class SocketExchange implements GradientExchange {
    private static final int MAGIC = 0x47584331; // "GXC1"

    private final int rank;
    private final int size;
    private final long timeoutMs;
    private final Peer[] peers;
    private final ExecutorService senders;
    private long round;
    private String failure;
    private volatile boolean closed;

    /** One connection to another task. */
    private record Peer(int rank, String address, Socket socket, VectorStreams.Reader in, VectorStreams.Writer out) {
        static Peer of(int rank, String address, Socket socket, long timeoutMs) throws IOException {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
            return new Peer(rank, address, socket, new VectorStreams.Reader(socket.getInputStream()),
                    new VectorStreams.Writer(socket.getOutputStream()));
        }

        String name() {
            return "rank " + rank + " at " + address;
        }
    }

    SocketExchange(BarrierGroup group, Duration timeout) {
        this.rank = group.rank();
        this.size = group.size();
        this.timeoutMs = Math.max(1, timeout.toMillis());
        this.peers = new Peer[size];
        if (size == 1) {
            this.senders = null;
            return;
        }
        this.senders = Executors.newFixedThreadPool(size - 1, r -> {
            Thread t = new Thread(r, "gradient-exchange-send-" + rank);
            t.setDaemon(true);
            return t;
        });
        try {
            connect(group);
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io
                    ? new UncheckedIOException("gradient exchange (socket): rank " + rank + " set-up failed: " + io, io)
                    : (RuntimeException) e;
        }
    }

    private void connect(BarrierGroup group) throws IOException {
        String ownHost = group.host(rank);
        try (ServerSocket server = new ServerSocket(0, size, InetAddress.getByName(ownHost))) {
            server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
            long nonce = rank == 0 ? new SecureRandom().nextLong() : 0;
            String[] replies = group.allGather(server.getLocalPort() + ":" + nonce);
            int[] ports = new int[size];
            for (int k = 0; k < size; k++) {
                String[] parts = replies[k].split(":");
                ports[k] = Integer.parseInt(parts[0]);
                if (k == 0) {
                    nonce = Long.parseLong(parts[1]);
                }
            }
            for (int k = 0; k < rank; k++) {
                String address = group.host(k) + ":" + ports[k];
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(group.host(k), ports[k]), (int) Math.min(Integer.MAX_VALUE, timeoutMs));
                } catch (IOException e) {
                    s.close();
                    throw new IOException("cannot connect to rank " + k + " at " + address + " within "
                            + timeoutMs / 1000.0 + " s: " + e, e);
                }
                peers[k] = Peer.of(k, address, s, timeoutMs);
                peers[k].out().writeInt(MAGIC);
                peers[k].out().writeLong(nonce);
                peers[k].out().writeInt(rank);
                peers[k].out().writeInt(k);
                peers[k].out().flush();
            }
            for (int accepted = 0; accepted < size - 1 - rank; accepted++) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    throw new IOException("waited " + timeoutMs / 1000.0 + " s for ranks " + (rank + 1) + ".." + (size - 1)
                            + " to connect to " + ownHost + ":" + server.getLocalPort() + ", " + accepted + " came: " + e, e);
                }
                String address = s.getInetAddress().getHostAddress() + ":" + s.getPort();
                Peer p = Peer.of(-1, address, s, timeoutMs);
                int magic = p.in().readInt();
                long theirNonce = p.in().readLong();
                int from = p.in().readInt();
                int to = p.in().readInt();
                if (magic != MAGIC || theirNonce != nonce || to != rank || from <= rank || from >= size || peers[from] != null) {
                    s.close();
                    throw new IOException("unexpected connection from " + address + ": expected a rank in "
                            + (rank + 1) + ".." + (size - 1) + " of this exchange, found rank " + from + " to rank " + to);
                }
                peers[from] = new Peer(from, address, s, p.in(), p.out());
            }
        }
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
        for (Peer p : peers) {
            if (p != null) {
                try {
                    p.out().writeLong(r);
                    p.out().writeInt(n);
                    p.out().writeInt(doubles.length);
                    p.out().flush();
                } catch (IOException e) {
                    throw failed(p, r, "sending to", e);
                }
            }
        }
        // Then chunk j of our floats and all our doubles to each peer j, while we sum chunk `rank`.
        List<Future<Peer>> sends = new ArrayList<>();
        for (Peer p : peers) {
            if (p != null) {
                sends.add(senders.submit(() -> {
                    p.out().writeFloats(floats, start(p.rank(), n), start(p.rank() + 1, n));
                    p.out().writeDoubles(doubles);
                    p.out().flush();
                    return p;
                }));
            }
        }
        for (Peer p : peers) {
            if (p != null) {
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
        }
        double[][] allDoubles = new double[size][];
        for (int k = 0; k < size; k++) {
            if (k == rank) {
                for (int i = from; i < to; i++) {
                    out[i] = k == 0 ? floats[i] : out[i] + floats[i];
                }
                allDoubles[k] = doubles;
                continue;
            }
            Peer p = peers[k];
            try {
                p.in().readFloats(out, from, to, k > 0);
                allDoubles[k] = new double[doubles.length];
                p.in().readDoubles(allDoubles[k]);
            } catch (IOException e) {
                throw failed(p, r, "receiving from", e);
            }
        }
        await(sends, r);
        double[] doubleSum = allDoubles[0].clone();
        for (int k = 1; k < size; k++) {
            for (int i = 0; i < doubleSum.length; i++) {
                doubleSum[i] += allDoubles[k][i];
            }
        }

        // All-gather: our summed chunk to every peer; their summed chunks into place.
        sends.clear();
        for (Peer p : peers) {
            if (p != null) {
                sends.add(senders.submit(() -> {
                    p.out().writeLong(r);
                    p.out().writeFloats(out, from, to);
                    p.out().flush();
                    return p;
                }));
            }
        }
        for (Peer p : peers) {
            if (p != null) {
                try {
                    expectRound(p, r);
                    p.in().readFloats(out, start(p.rank(), n), start(p.rank() + 1, n), false);
                } catch (IOException e) {
                    throw failed(p, r, "receiving from", e);
                }
            }
        }
        await(sends, r);
        return new Summed(out, doubleSum);
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
    private void await(List<Future<Peer>> sends, long r) {
        for (int i = 0; i < sends.size(); i++) {
            Peer p = peers[i < rank ? i : i + 1];
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
        for (Peer p : peers) {
            if (p != null) {
                try {
                    p.socket().close();
                } catch (IOException ignored) {
                    // Closing is best effort; the peer sees the connection end.
                }
            }
        }
        if (senders != null) {
            senders.shutdownNow();
        }
    }
}
