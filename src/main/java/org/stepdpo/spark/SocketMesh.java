package org.stepdpo.spark;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

/**
 * TCP connections between every pair of tasks of a barrier group. Each task listens on its own
 * host, port 0; the ports (and rank 0's random nonce) go round in one allGather; each task
 * connects to the lower ranks, introducing itself, and accepts the higher ones. Reads wait at most
 * the timeout for data, in one-second slices, and end early when the thread is interrupted (Spark
 * interrupts a killed task).
 */
final class SocketMesh implements AutoCloseable {
    private static final int MAGIC = 0x47584331; // "GXC1"
    private static final int SLICE_MS = 1000;

    /** One connection to another task; {@code address} is where that task listens. */
    record Peer(int rank, String address, Socket socket, VectorStreams.Reader in, VectorStreams.Writer out) {
        /** "rank K at host:port", for errors. */
        String name() {
            return "rank " + rank + " at " + address;
        }
    }

    private final List<Peer> peers;

    private SocketMesh(List<Peer> peers) {
        this.peers = peers;
    }

    /** The other tasks' connections, in rank order. */
    List<Peer> peers() {
        return peers;
    }

    /** Connects every pair of tasks of {@code group}: a collective call. */
    static SocketMesh open(BarrierGroup group, long timeoutMs) throws IOException {
        int rank = group.rank();
        int size = group.size();
        String ownHost = group.host(rank);
        ServerSocket server;
        try {
            server = new ServerSocket(0, size, InetAddress.getByName(ownHost));
        } catch (IOException e) {
            throw new IOException("cannot listen on " + ownHost + " (this task's host from getTaskInfos): " + e, e);
        }
        Peer[] byRank = new Peer[size];
        try (server) {
            server.setSoTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMs));
            long nonce = rank == 0 ? new SecureRandom().nextLong() : 0;
            String[] replies = group.allGather(server.getLocalPort() + ":" + nonce);
            int[] ports = new int[size];
            String[] addresses = new String[size];
            for (int k = 0; k < size; k++) {
                ports[k] = Integer.parseInt(replies[k].split(":")[0]);
                addresses[k] = group.host(k) + ":" + ports[k];
            }
            nonce = Long.parseLong(replies[0].split(":")[1]);
            for (int k = 0; k < rank; k++) {
                Socket s = new Socket();
                try {
                    s.connect(new InetSocketAddress(group.host(k), ports[k]), (int) Math.min(Integer.MAX_VALUE, timeoutMs));
                } catch (IOException e) {
                    s.close();
                    throw new IOException("cannot connect to rank " + k + " at " + addresses[k] + " within "
                            + timeoutMs / 1000.0 + " s: " + e, e);
                }
                byRank[k] = peer(k, addresses[k], s, timeoutMs);
                VectorStreams.Writer out = byRank[k].out();
                out.writeInt(MAGIC);
                out.writeLong(nonce);
                out.writeInt(rank);
                out.writeInt(k);
                out.flush();
            }
            for (int accepted = 0; accepted < size - 1 - rank; accepted++) {
                Socket s;
                try {
                    s = server.accept();
                } catch (IOException e) {
                    throw new IOException("waited " + timeoutMs / 1000.0 + " s for ranks " + (rank + 1) + ".." + (size - 1)
                            + " to connect to " + addresses[rank] + ", " + accepted + " came: " + e, e);
                }
                String remote = s.getInetAddress().getHostAddress() + ":" + s.getPort();
                Peer p = peer(-1, remote, s, timeoutMs);
                int magic = p.in().readInt();
                long theirNonce = p.in().readLong();
                int from = p.in().readInt();
                int to = p.in().readInt();
                if (magic != MAGIC || theirNonce != nonce || to != rank || from <= rank || from >= size || byRank[from] != null) {
                    s.close();
                    throw new IOException("unexpected connection from " + remote + ": expected a rank in "
                            + (rank + 1) + ".." + (size - 1) + " of this exchange, found rank " + from + " to rank " + to);
                }
                byRank[from] = new Peer(from, addresses[from], s, p.in(), p.out());
            }
        } catch (IOException | RuntimeException e) {
            closeAll(byRank);
            throw e;
        }
        List<Peer> others = new ArrayList<>();
        for (Peer p : byRank) {
            if (p != null) {
                others.add(p);
            }
        }
        return new SocketMesh(List.copyOf(others));
    }

    private static Peer peer(int rank, String address, Socket socket, long timeoutMs) throws IOException {
        socket.setTcpNoDelay(true);
        socket.setSoTimeout((int) Math.min(SLICE_MS, timeoutMs));
        InputStream in = new PatientInput(socket.getInputStream(), timeoutMs);
        return new Peer(rank, address, socket, new VectorStreams.Reader(in), new VectorStreams.Writer(socket.getOutputStream()));
    }

    @Override
    public void close() {
        closeAll(peers.toArray(new Peer[0]));
    }

    private static void closeAll(Peer[] peers) {
        for (Peer p : peers) {
            if (p != null) {
                try {
                    p.socket().close();
                } catch (IOException ignored) {
                    // Best effort: the peer sees the connection end either way.
                }
            }
        }
    }

    /** Retries reads that time out after one slice until the timeout, unless interrupted. */
    private static final class PatientInput extends FilterInputStream {
        private final long timeoutMs;

        PatientInput(InputStream in, long timeoutMs) {
            super(in);
            this.timeoutMs = timeoutMs;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            long start = System.nanoTime();
            while (true) {
                try {
                    return in.read(b, off, len);
                } catch (SocketTimeoutException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedIOException("interrupted while waiting for data");
                    }
                    if ((System.nanoTime() - start) / 1_000_000 >= timeoutMs) {
                        throw new SocketTimeoutException("no data for " + timeoutMs / 1000.0 + " s");
                    }
                }
            }
        }
    }
}
