package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stepdpo.spark.ExchangeMode;
import org.stepdpo.spark.GradientExchange;
import org.stepdpo.spark.ThreadedGroup;

/**
 * Sharded AdamW among threads of this JVM (each its own replica of the parameters, as executors
 * are), against unsharded {@link AdamW} on the rank-order sum of the same gradients with
 * {@link GradClip}: same weights, state falling as 1/N, a saved shard resuming exactly.
 */
class ShardedAdamWTest {
    private static final AdamWConfig CONFIG = AdamWConfig.DEFAULTS.withWeightDecay(0.1);
    /** Small buckets, so that chunks cut through tensors and buckets hold several. */
    private static final long BUCKET = 40;
    private static final double LR = 1e-2;
    private static final double MAX_NORM = 0.5;

    @TempDir
    Path tmp;

    /** Parameters in a fixed order: two views of one stacked matrix (as fused projections are), a norm, a bias. */
    static Map<String, NDArray> parameters(NDManager m) {
        Random r = new Random(7);
        NDArray stacked = m.create(floats(r, 6 * 5), new Shape(6, 5));
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put("layers.0.q_proj.weight", stacked.get(new NDIndex("0:4")));
        p.put("layers.0.k_proj.weight", stacked.get(new NDIndex("4:6")));
        p.put("layers.0.input_layernorm.weight", m.create(floats(r, 7)));
        p.put("layers.0.q_proj.bias", m.create(floats(r, 3)));
        p.put("lm_head.weight", m.create(floats(r, 9 * 4), new Shape(9, 4)));
        return p;
    }

    /** Worker {@code rank}'s gradients at {@code step}. */
    static Map<String, NDArray> gradients(NDManager m, Map<String, NDArray> params, int rank, int step) {
        Random r = new Random(1000L * rank + step);
        Map<String, NDArray> g = new LinkedHashMap<>();
        params.forEach((n, p) -> g.put(n, m.create(floats(r, (int) p.size()), p.getShape())));
        return g;
    }

    static float[] floats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) r.nextGaussian();
        }
        return f;
    }

    /** Every parameter's values after {@code steps} unsharded steps on the summed gradients of {@code workers}. */
    static Map<String, float[]> unsharded(int workers, int steps) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = parameters(m);
            try (AdamW adamw = new AdamW(params, CONFIG)) {
                for (int step = 0; step < steps; step++) {
                    Map<String, NDArray> sum = new LinkedHashMap<>();
                    for (int k = 0; k < workers; k++) {
                        gradients(m, params, k, step).forEach((n, g) -> sum.merge(n, g, NDArray::add));
                    }
                    GradClip.clip(sum.values(), MAX_NORM);
                    adamw.step(sum, LR);
                }
            }
            return values(params);
        }
    }

    static Map<String, float[]> values(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, p) -> out.put(n, p.toFloatArray()));
        return out;
    }

    /** What one sharded worker ends with. */
    record Result(Map<String, float[]> weights, long stateBytes, double lastNorm) {}

    /** {@code workers} threads train {@code steps} steps; with {@code saveAfter} > 0 each saves and a new optimizer resumes. */
    List<Result> sharded(int workers, int steps, int saveAfter) throws Exception {
        List<Future<Result>> ranks = ThreadedGroup.run(workers, group -> {
            try (GradientExchange ex = GradientExchange.open(ExchangeMode.SOCKET, group, Duration.ofSeconds(20));
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                Map<String, NDArray> params = parameters(m);
                ShardedAdamW opt = new ShardedAdamW(params, CONFIG, ex.rank(), ex.size(), BUCKET);
                long bytes = opt.stateBytes();
                double norm = 0;
                for (int step = 0; step < steps; step++) {
                    if (saveAfter > 0 && step == saveAfter) {
                        Path file = tmp.resolve(workers + "/" + ShardedAdamW.fileName(ex.rank(), ex.size()));
                        opt.save(file);
                        opt.close();
                        opt = new ShardedAdamW(params, CONFIG, ex.rank(), ex.size(), BUCKET);
                        opt.load(file);
                        assertEquals(saveAfter, opt.stepCount());
                    }
                    double[] sums = {ex.rank() + 1.0};
                    ShardedAdamW.Outcome o = opt.step(ex, gradients(m, params, ex.rank(), step), 1, sums, MAX_NORM, LR);
                    assertTrue(o.applied());
                    assertEquals(workers * (workers + 1) / 2.0, o.sums()[0], "metric sums are summed");
                    norm = o.gradNorm();
                }
                opt.close();
                return new Result(values(params), bytes, norm);
            }
        });
        List<Result> out = new ArrayList<>();
        for (Future<Result> f : ranks) {
            out.add(f.get(60, TimeUnit.SECONDS));
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void shardedStepsEqualUnshardedOnesAndTheStateFallsAsOneOverN(int workers) throws Exception {
        Map<String, float[]> expected = unsharded(workers, 3);
        List<Result> results = sharded(workers, 3, 0);
        long total = 0;
        for (float[] v : expected.values()) {
            total += v.length;
        }
        long stateBytes = 0;
        for (Result r : results) {
            for (String name : expected.keySet()) {
                TrainStageTest.assertClose(expected.get(name), r.weights().get(name), 1e-6, name + ", " + workers
                        + " workers");
            }
            // each worker holds the two moments of its chunks only: at most one element per bucket more than 1/N
            int buckets = GradientBuckets.of(sizes(expected), BUCKET).size();
            assertTrue(Math.abs(r.stateBytes() - 8.0 * total / workers) <= 8.0 * buckets, "state " + r.stateBytes());
            stateBytes += r.stateBytes();
        }
        assertEquals(8 * total, stateBytes, "the shards together are the whole state, once");
        // every worker saw the same global norm, and it clipped (the gradients are far larger than 0.5)
        assertTrue(results.stream().allMatch(r -> r.lastNorm() == results.get(0).lastNorm()));
        assertTrue(results.get(0).lastNorm() > MAX_NORM);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void aSavedShardResumesExactly(int workers) throws Exception {
        List<Result> straight = sharded(workers, 4, 0);
        List<Result> resumed = sharded(workers, 4, 2);
        for (int k = 0; k < workers; k++) {
            for (String name : straight.get(k).weights().keySet()) {
                TrainStageTest.assertClose(straight.get(k).weights().get(name), resumed.get(k).weights().get(name), 0,
                        name);
            }
        }
        // another worker count or rank cannot take these shards
        try (NDManager m = NDManager.newBaseManager(Device.cpu());
                ShardedAdamW other = new ShardedAdamW(parameters(m), CONFIG, 0, workers + 1, BUCKET)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> other.load(tmp.resolve(workers + "/" + ShardedAdamW.fileName(0, workers))));
            assertTrue(e.getMessage().contains("same --workers"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> other.load(tmp.resolve(workers + "/" + ShardedAdamW.fileName(0, workers + 1))));
            assertTrue(e.getMessage().contains("is missing"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aNonFiniteGradientIsNotAppliedOnAnyWorker(int workers) throws Exception {
        List<Future<Boolean>> ranks = ThreadedGroup.run(workers, group -> {
            try (GradientExchange ex = GradientExchange.open(ExchangeMode.SOCKET, group, Duration.ofSeconds(20));
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                Map<String, NDArray> params = parameters(m);
                try (ShardedAdamW mine = new ShardedAdamW(params, CONFIG, ex.rank(), ex.size(), BUCKET)) {
                    Map<String, float[]> before = values(params);
                    Map<String, NDArray> g = gradients(m, params, ex.rank(), 0);
                    if (ex.rank() == workers - 1) {
                        g.get("lm_head.weight").set(new NDIndex("0, 0"), Float.NaN);
                    }
                    ShardedAdamW.Outcome o = mine.step(ex, g, 1, new double[] {1}, MAX_NORM, LR);
                    assertFalse(o.applied());
                    assertTrue(Double.isNaN(o.gradNorm()));
                    assertEquals(0, mine.stepCount());
                    for (String n : before.keySet()) {
                        TrainStageTest.assertClose(before.get(n), params.get(n).toFloatArray(), 0, n);
                    }
                    return true;
                }
            }
        });
        for (Future<Boolean> f : ranks) {
            assertTrue(f.get(60, TimeUnit.SECONDS));
        }
    }

    private static final float LOSS_SCALE = 256;

    /** The parameters in float16 (each its own tensor). */
    static Map<String, NDArray> half(NDManager m) {
        Map<String, NDArray> p = new LinkedHashMap<>();
        parameters(m).forEach((n, a) -> p.put(n, a.toType(DataType.FLOAT16, true)));
        return p;
    }

    /** Worker {@code rank}'s float16 gradients at {@code step}, of the loss scaled by {@link #LOSS_SCALE}. */
    static Map<String, NDArray> scaledHalfGradients(NDManager m, int rank, int step) {
        Map<String, NDArray> g = new LinkedHashMap<>();
        gradients(m, parameters(m), rank, step).forEach((n, a) -> g.put(n,
                a.mul(LOSS_SCALE).toType(DataType.FLOAT16, false)));
        return g;
    }

    static Map<String, float[]> wide(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((n, p) -> out.put(n, p.toType(DataType.FLOAT32, true).toFloatArray()));
        return out;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void float16WeightsWithScaledGradientsTrainLikeUnshardedMasters(int workers) throws Exception {
        Map<String, float[]> expected;
        try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
            Map<String, NDArray> params = half(m);
            try (AdamW adamw = new AdamW(params, CONFIG)) {
                for (int step = 0; step < 3; step++) {
                    Map<String, NDArray> sum = new LinkedHashMap<>();
                    for (int k = 0; k < workers; k++) {
                        scaledHalfGradients(m, k, step).forEach((n, g) -> sum.merge(n,
                                g.toType(DataType.FLOAT32, true).div(LOSS_SCALE), NDArray::add));
                    }
                    GradClip.clip(sum.values(), MAX_NORM);
                    adamw.step(sum, LR);
                }
                expected = wide(params);
            }
        }
        List<Future<Map<String, float[]>>> ranks = ThreadedGroup.run(workers, group -> {
            try (GradientExchange ex = GradientExchange.open(ExchangeMode.SOCKET, group, Duration.ofSeconds(20));
                    NDManager m = NDManager.newBaseManager(Device.cpu())) {
                Map<String, NDArray> params = half(m);
                try (ShardedAdamW opt = new ShardedAdamW(params, CONFIG, ex.rank(), ex.size(), BUCKET)) {
                    for (int step = 0; step < 3; step++) {
                        assertTrue(opt.step(ex, scaledHalfGradients(m, ex.rank(), step), 1 / LOSS_SCALE,
                                new double[] {1}, MAX_NORM, LR).applied());
                    }
                    assertEquals(DataType.FLOAT16, params.values().iterator().next().getDataType());
                    return wide(params);
                }
            }
        });
        for (Future<Map<String, float[]>> f : ranks) {
            Map<String, float[]> got = f.get(60, TimeUnit.SECONDS);
            // the masters agree within 1e-6, so their float16 roundings agree up to one float16 step (2^13
            // float32 steps)
            for (String name : expected.keySet()) {
                float[] a = expected.get(name);
                float[] b = got.get(name);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], Math.ulp(a[i]) * 8192 + 1e-7, name + "[" + i + "]");
                }
            }
        }
    }

    static Map<String, Long> sizes(Map<String, float[]> values) {
        Map<String, Long> s = new LinkedHashMap<>();
        values.forEach((n, v) -> s.put(n, (long) v.length));
        return s;
    }
}
