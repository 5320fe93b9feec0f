package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stepdpo.spark.GradientExchange;

/** How a worker's gradients travel: in buckets of whole tensors, summed back in place. */
class GradientBucketsTest {
    /** A second worker whose gradients are all 1 and whose metric sums equal ours; records each round. */
    static class TwinWorker implements GradientExchange {
        final List<Integer> floatsPerRound = new ArrayList<>();
        final List<Integer> doublesPerRound = new ArrayList<>();

        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 2;
        }

        @Override
        public Summed sum(float[] floats, double[] doubles) {
            floatsPerRound.add(floats.length);
            doublesPerRound.add(doubles.length);
            float[] f = new float[floats.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = floats[i] + 1f;
            }
            double[] d = new double[doubles.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = 2 * doubles[i];
            }
            return new Summed(f, d);
        }

        @Override
        public void close() {}
    }

    @Test
    void tensorsTravelInBucketsAndTheSumsReplaceTheGradients() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            List<NDArray> grads = new ArrayList<>();
            int[] sizes = {3, 4, 1, 2, 7};
            int start = 0;
            for (int n : sizes) {
                grads.add(m.arange(start, start + n).toType(ai.djl.ndarray.types.DataType.FLOAT32, false));
                start += n;
            }
            grads.set(4, grads.get(4).reshape(new Shape(7, 1)));
            TwinWorker twin = new TwinWorker();
            double[] sums = Trainer.sumAcrossWorkers(twin, grads, new double[] {1.5, 2}, 5);
            assertArrayEquals(new double[] {3, 4}, sums);
            // 3 | 4 1 | 2 | 7 (alone, larger than a bucket)
            assertEquals(List.of(3, 5, 2, 7), twin.floatsPerRound);
            assertEquals(List.of(2, 0, 0, 0), twin.doublesPerRound, "the metric sums ride with the first round");
            start = 0;
            for (int i = 0; i < sizes.length; i++) {
                float[] expected = new float[sizes[i]];
                for (int j = 0; j < expected.length; j++) {
                    expected[j] = start + j + 1f;
                }
                assertArrayEquals(expected, grads.get(i).toFloatArray(), "tensor " + i);
                start += sizes[i];
            }
            assertEquals(new Shape(7, 1), grads.get(4).getShape());
        }
    }

    @Test
    void oneWorkerExchangesNothing() {
        TwinWorker alone = new TwinWorker() {
            @Override
            public int size() {
                return 1;
            }
        };
        double[] sums = {1, 2};
        assertSame(sums, Trainer.sumAcrossWorkers(alone, List.of(), sums, 5));
        assertEquals(List.of(), alone.floatsPerRound);
    }
}
