package org.stepdpo.spark;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Little-endian framing of ints, longs and float/double vectors over byte streams, through one
 * fixed buffer per stream, so vectors of any length pass without a copy of their full size.
 */
final class VectorStreams {
    /** Bytes buffered per stream. */
    static final int BUFFER_BYTES = 1 << 18;

    private VectorStreams() {}

    /** Writes values little-endian to a stream; {@link #flush} sends what is buffered. */
    static final class Writer {
        private final OutputStream out;
        private final byte[] buf = new byte[BUFFER_BYTES];
        private final ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN);

        Writer(OutputStream out) {
            this.out = out;
        }

        void writeInt(int v) throws IOException {
            room(4);
            bb.putInt(v);
        }

        void writeLong(long v) throws IOException {
            room(8);
            bb.putLong(v);
        }

        /** Writes {@code src[from, to)}. */
        void writeFloats(float[] src, int from, int to) throws IOException {
            int i = from;
            while (i < to) {
                room(4);
                int k = Math.min(bb.remaining() / 4, to - i);
                bb.asFloatBuffer().put(src, i, k);
                bb.position(bb.position() + 4 * k);
                i += k;
            }
        }

        void writeDoubles(double[] src) throws IOException {
            for (double d : src) {
                room(8);
                bb.putDouble(d);
            }
        }

        void flush() throws IOException {
            drain();
            out.flush();
        }

        private void room(int bytes) throws IOException {
            if (bb.remaining() < bytes) {
                drain();
            }
        }

        private void drain() throws IOException {
            out.write(buf, 0, bb.position());
            bb.clear();
        }
    }

    /** Reads what a {@link Writer} wrote, in the same order. */
    static final class Reader {
        private final InputStream in;
        private final byte[] buf = new byte[BUFFER_BYTES];
        /** Between position and limit: bytes read from the stream and not yet consumed. */
        private final ByteBuffer bb = ByteBuffer.wrap(buf).order(ByteOrder.LITTLE_ENDIAN).limit(0);

        Reader(InputStream in) {
            this.in = in;
        }

        int readInt() throws IOException {
            need(4);
            return bb.getInt();
        }

        long readLong() throws IOException {
            need(8);
            return bb.getLong();
        }

        /** Reads {@code to - from} floats into {@code dst[from, to)}, or adds them there if {@code add}. */
        void readFloats(float[] dst, int from, int to, boolean add) throws IOException {
            int i = from;
            while (i < to) {
                need(4);
                int k = Math.min(bb.remaining() / 4, to - i);
                FloatBuffer fb = bb.asFloatBuffer();
                if (add) {
                    for (int j = 0; j < k; j++) {
                        dst[i + j] += fb.get(j);
                    }
                } else {
                    fb.get(dst, i, k);
                }
                bb.position(bb.position() + 4 * k);
                i += k;
            }
        }

        /** Reads {@code dst.length} doubles into {@code dst}. */
        void readDoubles(double[] dst) throws IOException {
            for (int i = 0; i < dst.length; i++) {
                need(8);
                dst[i] = bb.getDouble();
            }
        }

        /** Makes at least {@code bytes} unread bytes available, reading the stream as needed. */
        private void need(int bytes) throws IOException {
            if (bb.remaining() >= bytes) {
                return;
            }
            bb.compact();
            while (bb.position() < bytes) {
                int n = in.read(buf, bb.position(), buf.length - bb.position());
                if (n < 0) {
                    throw new EOFException("stream ended: expected " + (bytes - bb.position()) + " more bytes");
                }
                bb.position(bb.position() + n);
            }
            bb.flip();
        }
    }
}
