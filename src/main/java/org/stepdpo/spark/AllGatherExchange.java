package org.stepdpo.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * A {@link GradientExchange} through {@code BarrierTaskContext.allGather}: each task sends its
 * vectors as one Base64 string ({@code [int floats][int doubles][doubles][floats]}, little-endian)
 * and every task decodes all of them and adds them in rank order. One allGather per round, which
 * Spark completes no sooner than ~1 s; the driver holds every task's message at once.
 */
final class AllGatherExchange implements GradientExchange {
    /** The longest message: a Java array or String of at most this many chars. */
    static final long MAX_CHARS = Integer.MAX_VALUE - 16;

    private final BarrierGroup group;

    AllGatherExchange(BarrierGroup group) {
        this.group = group;
    }

    @Override
    public int rank() {
        return group.rank();
    }

    @Override
    public int size() {
        return group.size();
    }

    @Override
    public Summed sum(float[] floats, double[] doubles) {
        Objects.requireNonNull(floats, "floats");
        Objects.requireNonNull(doubles, "doubles");
        if (size() == 1) {
            return new Summed(floats, doubles);
        }
        String[] messages = group.allGather(encode(floats, doubles));
        if (messages.length != size()) {
            throw new IllegalStateException("allGather: expected " + size() + " messages, found " + messages.length);
        }
        float[] outFloats = new float[floats.length];
        double[] outDoubles = new double[doubles.length];
        double[] theirs = new double[doubles.length];
        for (int k = 0; k < messages.length; k++) {
            boolean add = k > 0;
            if (k == rank()) {
                addOrCopy(floats, outFloats, add);
                addOrCopy(doubles, outDoubles, add);
                continue;
            }
            try {
                VectorStreams.Reader in = new VectorStreams.Reader(
                        Base64.getDecoder().wrap(new Latin1Input(messages[k])));
                int nFloats = in.readInt();
                int nDoubles = in.readInt();
                if (nFloats != floats.length || nDoubles != doubles.length) {
                    throw new IllegalArgumentException("gradient exchange (allgather): rank " + k + " sent "
                            + nFloats + " floats and " + nDoubles + " doubles, rank " + rank() + " has "
                            + floats.length + " and " + doubles.length + "; every task must sum vectors of the same lengths");
                }
                in.readDoubles(theirs);
                addOrCopy(theirs, outDoubles, add);
                in.readFloats(outFloats, 0, nFloats, add);
            } catch (IOException e) {
                throw new UncheckedIOException("gradient exchange (allgather): cannot decode rank " + k + "'s message", e);
            }
        }
        return new Summed(outFloats, outDoubles);
    }

    /** Each task's chunk travels as its message (with {@code n} as its one double) and is copied into place. */
    @Override
    public float[] allGather(float[] chunk, int n) {
        Objects.requireNonNull(chunk, "chunk");
        GradientExchange.requireChunk(chunk, n, GradientExchange.chunkStart(rank(), n, size()),
                GradientExchange.chunkStart(rank() + 1, n, size()));
        if (size() == 1) {
            return chunk;
        }
        String[] messages = group.allGather(encode(chunk, new double[] {n}));
        float[] whole = new float[n];
        double[] theirN = new double[1];
        for (int k = 0; k < messages.length; k++) {
            int from = GradientExchange.chunkStart(k, n, size());
            int to = GradientExchange.chunkStart(k + 1, n, size());
            try {
                VectorStreams.Reader in = new VectorStreams.Reader(
                        Base64.getDecoder().wrap(new Latin1Input(messages[k])));
                int nFloats = in.readInt();
                int nDoubles = in.readInt();
                if (nDoubles == 1) {
                    in.readDoubles(theirN);
                }
                if (nDoubles != 1 || theirN[0] != n || nFloats != to - from) {
                    throw new IllegalArgumentException("gradient exchange (allgather): rank " + k + " gathers a "
                            + "different vector than rank " + rank() + "'s " + n + " floats; every task must gather "
                            + "vectors of the same length");
                }
                in.readFloats(whole, from, to, false);
            } catch (IOException e) {
                throw new UncheckedIOException("gradient exchange (allgather): cannot decode rank " + k + "'s message", e);
            }
        }
        return whole;
    }

    @Override
    public void close() {}

    /** The message of one task: Base64 of {@code [int floats][int doubles][doubles][floats]}. */
    static String encode(float[] floats, double[] doubles) {
        long bytes = 8L + 8L * doubles.length + 4L * floats.length;
        long chars = 4 * ((bytes + 2) / 3);
        if (chars > MAX_CHARS) {
            throw new IllegalArgumentException("gradient exchange (allgather): " + floats.length
                    + " floats make a message of " + chars + " chars, expected at most " + MAX_CHARS
                    + "; use --exchange socket");
        }
        byte[] text = new byte[(int) chars];
        try (OutputStream b64 = Base64.getEncoder().wrap(new ArrayOutput(text))) {
            VectorStreams.Writer out = new VectorStreams.Writer(b64);
            out.writeInt(floats.length);
            out.writeInt(doubles.length);
            out.writeDoubles(doubles);
            out.writeFloats(floats, 0, floats.length);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("gradient exchange (allgather): cannot encode the message", e);
        }
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    private static void addOrCopy(float[] src, float[] dst, boolean add) {
        if (add) {
            for (int i = 0; i < src.length; i++) {
                dst[i] += src[i];
            }
        } else {
            System.arraycopy(src, 0, dst, 0, src.length);
        }
    }

    private static void addOrCopy(double[] src, double[] dst, boolean add) {
        for (int i = 0; i < src.length; i++) {
            dst[i] = add ? dst[i] + src[i] : src[i];
        }
    }

    /** Writes into a byte array of exactly the right size. */
    private static final class ArrayOutput extends OutputStream {
        private final byte[] dst;
        private int pos;

        ArrayOutput(byte[] dst) {
            this.dst = dst;
        }

        @Override
        public void write(int b) {
            dst[pos++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, dst, pos, len);
            pos += len;
        }
    }

    /** The chars of a Latin-1 (here Base64) string as bytes, without copying the string. */
    private static final class Latin1Input extends InputStream {
        private final String s;
        private int pos;

        Latin1Input(String s) {
            this.s = s;
        }

        @Override
        public int read() {
            return pos < s.length() ? s.charAt(pos++) & 0xff : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            int n = Math.min(len, s.length() - pos);
            if (n <= 0) {
                return -1;
            }
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) s.charAt(pos + i);
            }
            pos += n;
            return n;
        }
    }
}
