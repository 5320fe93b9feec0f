package org.stepdpo.spark;

/**
 * Deterministic test vectors for exchanges: mixed magnitudes and signs, so that float sums depend
 * on the order of addition, and some {@code -0.0}, so that starting a sum from 0 instead of rank
 * 0's vector shows. Also the plain rank-order reference sum that every exchange must match.
 */
final class ExchangeVectors {
    private ExchangeVectors() {}

    /** Rank {@code rank}'s float vector of round {@code round}. */
    static float[] floats(int rank, int round, int length) {
        float[] v = new float[length];
        for (int i = 0; i < length; i++) {
            double scale = (i + rank) % 5 == 0 ? 1e7 : (i % 3 == 0 ? 1e-3 : 1.0);
            v[i] = (float) (scale * Math.sin(0.37 * i + 1.3 * rank + 0.7 * round));
            if (i % 11 == 4) {
                v[i] = -0.0f;
            }
        }
        return v;
    }

    /** Rank {@code rank}'s double vector of round {@code round}. */
    static double[] doubles(int rank, int round, int length) {
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = (i % 2 == 0 ? 1e16 : 0.1) * Math.cos(0.91 * i + 2.1 * rank + round);
        }
        return v;
    }

    /** {@code ((v[0] + v[1]) + v[2]) + ...} elementwise, in float. */
    static float[] rankOrderSum(float[][] v) {
        float[] sum = v[0].clone();
        for (int k = 1; k < v.length; k++) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[k][i];
            }
        }
        return sum;
    }

    /** {@code ((v[0] + v[1]) + v[2]) + ...} elementwise, in double. */
    static double[] rankOrderSum(double[][] v) {
        double[] sum = v[0].clone();
        for (int k = 1; k < v.length; k++) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[k][i];
            }
        }
        return sum;
    }

    /** The raw bits of each float, to compare arrays bit for bit (-0.0 and NaN included). */
    static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    /** The raw bits of each double. */
    static long[] bits(double[] v) {
        long[] b = new long[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Double.doubleToRawLongBits(v[i]);
        }
        return b;
    }
}
