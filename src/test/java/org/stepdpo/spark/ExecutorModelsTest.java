package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The executor model cache on the shared local[2] session, with a counter object for a model. */
class ExecutorModelsTest {
    /** Load attempts per cache key (the executor shares this JVM on a local master). */
    private static final ConcurrentMap<String, AtomicInteger> ATTEMPTS = new ConcurrentHashMap<>();

    /** The fake model: remembers whether it was closed. */
    static final class Counter implements AutoCloseable {
        volatile boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Loads a {@link Counter}, after failing {@code failures} times and taking {@code loadMillis}. */
    record FakeModel(String key, int failures, long loadMillis) implements ExecutorModel<Counter> {
        static FakeModel fresh() {
            return new FakeModel("fake-" + UUID.randomUUID(), 0, 0);
        }

        @Override
        public String cacheKey() {
            return key;
        }

        @Override
        public Counter load(Device device) {
            int attempt = ATTEMPTS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            if (attempt <= failures) {
                throw new IllegalStateException("planned failure " + attempt + " of " + key);
            }
            try {
                Thread.sleep(loadMillis);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return new Counter();
        }
    }

    /** Another spec class, for the key-clash check. */
    record OtherModel(String key) implements ExecutorModel<Counter> {
        @Override
        public String cacheKey() {
            return key;
        }

        @Override
        public Counter load(Device device) {
            return new Counter();
        }
    }

    /** A model that appends its name to a file when closed, for the shutdown-hook test. */
    record MarkOnClose(String file, String name) implements ExecutorModel<AutoCloseable> {
        @Override
        public String cacheKey() {
            return "mark:" + name;
        }

        @Override
        public AutoCloseable load(Device device) {
            return () -> Files.writeString(Path.of(file), name + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        }
    }

    /** A JVM that acquires two models and exits without closing them: the shutdown hook must. */
    public static final class ExitWithoutClosing {
        public static void main(String[] args) {
            ExecutorModels.acquire(new MarkOnClose(args[0], "first"));
            ExecutorModels.acquire(new MarkOnClose(args[0], "second"));
        }
    }

    private static JavaSparkContext jsc() {
        return JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
    }

    private static int attempts(ExecutorModel<?> spec) {
        AtomicInteger n = ATTEMPTS.get(spec.cacheKey());
        return n == null ? 0 : n.get();
    }

    @Test
    void manyTasksOverTwoStagesLoadOncePerKey() {
        FakeModel a = FakeModel.fresh();
        FakeModel b = FakeModel.fresh();
        ModelCacheProbe.Report ra = ModelCacheProbe.run(jsc(), a, m -> "ok", 8);
        ModelCacheProbe.Report rb = ModelCacheProbe.run(jsc(), b, m -> "ok", 8);
        assertEquals(16, ra.tasks().size());
        assertEquals(Set.of(0, 1), Set.copyOf(ra.tasks().stream().map(ModelCacheProbe.TaskRecord::stage).toList()));
        for (ModelCacheProbe.Report r : List.of(ra, rb)) {
            assertEquals(1, r.tasks().stream().map(ModelCacheProbe.TaskRecord::modelId).distinct().count());
            assertTrue(r.tasks().stream().allMatch(t -> t.loads() == 1 && t.check().equals("ok")), r.toJson());
            assertTrue(r.toJson().contains("\"loads\":1"), r.toJson());
        }
        assertEquals(1, ExecutorModels.loads(a.cacheKey()));
        assertEquals(1, ExecutorModels.loads(b.cacheKey()));
        assertEquals(1, attempts(a));

        // A later job reuses the same model.
        List<Integer> ids = jsc().parallelize(List.of(1, 2, 3, 4), 4)
                .map(i -> System.identityHashCode(ExecutorModels.acquire(a))).collect();
        assertEquals(Set.of(ra.tasks().get(0).modelId()), new HashSet<>(ids));
        assertEquals(1, ExecutorModels.loads(a.cacheKey()));
    }

    @Test
    void concurrentCallersWaitForOneLoad() throws Exception {
        FakeModel spec = new FakeModel("fake-" + UUID.randomUUID(), 0, 300);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Counter>> got = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                got.add(pool.submit(() -> {
                    start.await();
                    return ExecutorModels.acquire(spec);
                }));
            }
            start.countDown();
            Counter first = got.get(0).get(10, TimeUnit.SECONDS);
            for (Future<Counter> f : got) {
                assertSame(first, f.get(10, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, ExecutorModels.loads(spec.cacheKey()));
        assertEquals(1, attempts(spec));
    }

    @Test
    void aFailedLoadReachesTheTaskAndTheNextAcquireLoadsAgain() {
        FakeModel spec = new FakeModel("fake-" + UUID.randomUUID(), 1, 0);
        SparkException e = assertThrows(SparkException.class,
                () -> jsc().parallelize(List.of(1), 1).map(i -> ExecutorModels.acquire(spec).closed).collect());
        assertTrue(e.getMessage().contains("planned failure 1 of " + spec.key()), e.getMessage());
        assertEquals(0, ExecutorModels.loads(spec.cacheKey()));

        List<Boolean> closed = jsc().parallelize(List.of(1, 2), 2).map(i -> ExecutorModels.acquire(spec).closed)
                .collect();
        assertEquals(List.of(false, false), closed);
        assertEquals(1, ExecutorModels.loads(spec.cacheKey()));
        assertEquals(2, attempts(spec));
    }

    @Test
    void closeAllClosesEveryModelAndTheNextAcquireLoadsAgain() {
        FakeModel a = FakeModel.fresh();
        FakeModel b = FakeModel.fresh();
        Counter ma = ExecutorModels.acquire(a);
        Counter mb = ExecutorModels.acquire(b);
        ExecutorModels.closeAll();
        assertTrue(ma.closed && mb.closed);

        Counter again = ExecutorModels.acquire(a);
        assertNotSame(ma, again);
        assertFalse(again.closed);
        assertEquals(2, ExecutorModels.loads(a.cacheKey()));
        ExecutorModels.closeAll();
        assertTrue(again.closed);
    }

    @Test
    void releaseClosesOneKeyOnlyAndTheNextAcquireLoadsItAgain() {
        FakeModel released = FakeModel.fresh();
        FakeModel kept = new FakeModel(released.key() + "-other", 0, 0);
        Counter first = ExecutorModels.acquire(released);
        Counter other = ExecutorModels.acquire(kept);
        ExecutorModels.release(released.key());
        assertTrue(first.closed);
        assertFalse(other.closed, "a key that merely starts the same is another model");
        assertSame(other, ExecutorModels.acquire(kept));
        assertNotSame(first, ExecutorModels.acquire(released));
        assertEquals(2, ExecutorModels.loads(released.key()));
        ExecutorModels.release("never-loaded"); // nothing to do
    }

    @Test
    void theShutdownHookClosesModelsWhenTheJvmExits(@TempDir Path dir) throws Exception {
        Path marks = dir.resolve("closed.txt");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                "-Dai.djl.offline=true", ExitWithoutClosing.class.getName(), marks.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("out.txt").toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OPT_OUT_TRACKING", "true");
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not exit");
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.txt")));
        assertEquals(Set.of("first", "second"), Set.copyOf(Files.readAllLines(marks)));
    }

    @Test
    void oneKeyCannotServeTwoSpecClassesAndNullIsNoModel() {
        FakeModel spec = FakeModel.fresh();
        ExecutorModels.acquire(spec);
        IllegalStateException clash = assertThrows(IllegalStateException.class,
                () -> ExecutorModels.acquire(new OtherModel(spec.key())));
        assertTrue(clash.getMessage().contains(spec.key()) && clash.getMessage().contains("OtherModel"),
                clash.getMessage());

        ExecutorModel<Counter> nothing = new ExecutorModel<>() {
            @Override
            public String cacheKey() {
                return "null-" + UUID.randomUUID();
            }

            @Override
            public Counter load(Device device) {
                return null;
            }
        };
        IllegalStateException none = assertThrows(IllegalStateException.class, () -> ExecutorModels.acquire(nothing));
        assertTrue(none.getMessage().contains("returned null"), none.getMessage());
        assertEquals(0, ExecutorModels.loads(nothing.cacheKey()));
    }

    @Test
    void taskDeviceIsTheCpuOutsideTasksAndInLocalTasks() {
        assertEquals(Device.cpu(), ExecutorModels.taskDevice());
        List<String> devices = jsc().parallelize(List.of(1, 2, 3, 4), 4)
                .map(i -> ExecutorModels.taskDevice().toString()).collect();
        assertEquals(List.of(Device.cpu().toString()), devices.stream().distinct().toList());
    }

    @Test
    void gpuAddressesMapToDevicesOrFailNamingTheAddress() {
        assertEquals(Device.cpu(), ExecutorModels.deviceFor("0", 0)); // placeholder address, no GPU
        assertEquals(Device.gpu(1), ExecutorModels.deviceFor(" 1 ", 2));
        assertEquals(Device.gpu(0), ExecutorModels.deviceFor("0", 1));
        for (String bad : List.of("GPU-3f2a", "", "-1")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ExecutorModels.deviceFor(bad, 0));
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> ExecutorModels.deviceFor("2", 2));
        assertTrue(missing.getMessage().contains("GPU 2") && missing.getMessage().contains("2 GPU(s)"),
                missing.getMessage());
    }
}
