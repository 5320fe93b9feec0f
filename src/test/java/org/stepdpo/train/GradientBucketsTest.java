package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
        public float[] allGather(float[] chunk, int n) {
            throw new UnsupportedOperationException("not used here");
        }

        @Override
        public void close() {}
    }

    @Test
    void tensorsTravelInBucketsAndTheSumsReplaceTheGradients() {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> grads = new LinkedHashMap<>();
            int[] sizes = {3, 4, 1, 2, 7};
            int start = 0;
            for (int i = 0; i < sizes.length; i++) {
                NDArray g = m.arange(start, start + sizes[i]).toType(ai.djl.ndarray.types.DataType.FLOAT32, false);
                grads.put("t" + i, i == 4 ? g.reshape(new Shape(7, 1)) : g);
                start += sizes[i];
            }
            TwinWorker twin = new TwinWorker();
            Trainer.Summed summed = Trainer.sumAcrossWorkers(twin, grads, new double[] {1.5, 2}, 5, m);
            assertArrayEquals(new double[] {3, 4}, summed.sums());
            // 3 | 4 1 | 2 | 7 (alone, larger than a bucket)
            assertEquals(List.of(3, 5, 2, 7), twin.floatsPerRound);
            assertEquals(List.of(2, 0, 0, 0), twin.doublesPerRound, "the metric sums ride with the first round");
            start = 0;
            for (int i = 0; i < sizes.length; i++) {
                float[] expected = new float[sizes[i]];
                for (int j = 0; j < expected.length; j++) {
                    expected[j] = start + j + 1f;
                }
                assertArrayEquals(expected, summed.grads().get("t" + i).toFloatArray(), "tensor " + i);
                assertEquals(start, grads.get("t" + i).getFloat(0), "this worker's own gradients are left alone");
                start += sizes[i];
            }
            assertEquals(new Shape(7, 1), summed.grads().get("t4").getShape());
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
        Map<String, NDArray> none = Map.of();
        Trainer.Summed summed = Trainer.sumAcrossWorkers(alone, none, sums, 5, null);
        assertSame(sums, summed.sums());
        assertSame(none, summed.grads());
        assertEquals(List.of(), alone.floatsPerRound);
    }
}
