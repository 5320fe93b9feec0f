package org.stepdpo.spark;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The executor-side model cache: one model per executor JVM per ({@link ExecutorModel#cacheKey()},
 * device), loaded by the first task that asks for it and reused by every later task and stage in
 * that JVM. Models are closed by {@link #closeAll()} or, when the executor ends, by a JVM shutdown
 * hook.
 *
 * <p>Usage inside a partition function (the spec travels with the function; the model never does):
 * <pre>{@code
 * rdd.mapPartitions(rows -> {
 *     MyLm lm = ExecutorModels.acquire(spec);   // loaded once per executor, on this task's device
 *     ...
 * });
 * }</pre>
 * Tasks must not close an acquired model: the cache owns it.
 */
public final class ExecutorModels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorModels.class);

    /** Loaded models by cache key + device. */
    private static final ConcurrentMap<String, Slot> SLOTS = new ConcurrentHashMap<>();
    /** Successful loads by cache key, since the JVM started. */
    private static final ConcurrentMap<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();
    private static final AtomicBoolean HOOK_REGISTERED = new AtomicBoolean();
    private static final AtomicBoolean CPU_FALLBACK_LOGGED = new AtomicBoolean();

    private ExecutorModels() {}

    /** One model's place in the cache: the lock its loaders wait on and, once loaded, the model. */
    private static final class Slot {
        final ReentrantLock lock = new ReentrantLock();
        final Class<?> specClass;
        AutoCloseable model; // guarded by lock
        boolean closed; // guarded by lock: removed from the cache by closeAll

        Slot(Class<?> specClass) {
            this.specClass = specClass;
        }
    }

    /**
     * The model for this task's device ({@link #taskDevice()}), loaded once per executor JVM and
     * reused by every task and stage there. Thread-safe: concurrent tasks asking for the same key wait
     * for one load. A load that throws leaves nothing cached: the exception reaches the task (so
     * Spark retries it) and the next call loads again.
     *
     * @throws IllegalStateException when two different spec classes use the same cache key, or a
     *     load returns {@code null}
     */
    public static <T extends AutoCloseable> T acquire(ExecutorModel<T> spec) {
        Objects.requireNonNull(spec, "spec");
        String key = Objects.requireNonNull(spec.cacheKey(), () -> spec.getClass().getName() + ".cacheKey()");
        Device device = taskDevice();
        String slotKey = key + " on " + device;
        while (true) {
            Slot slot = SLOTS.computeIfAbsent(slotKey, k -> new Slot(spec.getClass()));
            if (slot.specClass != spec.getClass()) {
                throw new IllegalStateException("model cache key '" + key + "' is used by both "
                        + slot.specClass.getName() + " and " + spec.getClass().getName()
                        + ": give each kind of model its own cacheKey()");
            }
            lockInterruptibly(slot, slotKey);
            try {
                if (slot.closed) {
                    continue; // closeAll removed this slot meanwhile: take a fresh one
                }
                if (slot.model == null) {
                    registerShutdownHook();
                    long start = System.nanoTime();
                    T loaded = spec.load(device);
                    if (loaded == null) {
                        throw new IllegalStateException(spec.getClass().getName() + ".load(" + device
                                + ") returned null for model '" + key + "'");
                    }
                    slot.model = loaded;
                    int n = LOADS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                    LOG.info("Loaded model {} on {} in {} ms (load {} of this key in this JVM)", key, device,
                            (System.nanoTime() - start) / 1_000_000, n);
                }
                @SuppressWarnings("unchecked") // one spec class per key (checked above), so one model type
                T model = (T) slot.model;
                return model;
            } finally {
                slot.lock.unlock();
            }
        }
    }

    /**
     * The DJL device of the running task: the GPU Spark assigned it (the first address of its
     * {@code gpu} resource) when it has one and the engine sees GPUs, else the CPU. Outside a task,
     * and in tasks without a {@code gpu} resource, the CPU.
     *
     * @throws IllegalStateException when the assigned address is not a GPU index, or names a GPU the
     *     engine does not see
     */
    public static Device taskDevice() {
        TaskContext task = TaskContext.get();
        if (task == null) {
            return Device.cpu();
        }
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return Device.cpu();
        }
        return deviceFor(gpu.addresses()[0], Engine.getInstance().getGpuCount());
    }

    /** Maps a Spark {@code gpu} address to a DJL device, given how many GPUs the engine sees. */
    static Device deviceFor(String address, int engineGpus) {
        int index;
        try {
            index = Integer.parseInt(address.trim());
        } catch (NumberFormatException e) {
            throw new IllegalStateException("Spark assigned this task the GPU address '" + address + "', which is not "
                    + "a GPU index: the GPU discovery script must print indices as nvidia-smi "
                    + "--query-gpu=index does, e.g. {\"name\": \"gpu\", \"addresses\": [\"0\"]}", e);
        }
        if (index < 0) {
            throw new IllegalStateException("Spark assigned this task the GPU address '" + address
                    + "': a GPU index cannot be negative; check the GPU discovery script");
        }
        if (engineGpus == 0) {
            if (CPU_FALLBACK_LOGGED.compareAndSet(false, true)) {
                LOG.info("Spark assigned GPU address {} but the engine sees no GPU in this JVM; models run on the "
                        + "CPU (logged once per JVM)", address);
            }
            return Device.cpu();
        }
        if (index >= engineGpus) {
            throw new IllegalStateException("Spark assigned this task GPU " + index + " but the engine sees only "
                    + engineGpus + " GPU(s) (0.." + (engineGpus - 1) + "): the discovery script's addresses must "
                    + "match the GPUs visible to the executor (check CUDA_VISIBLE_DEVICES)");
        }
        return Device.gpu(index);
    }

    /** How many times this JVM has loaded the model with {@code cacheKey}, on any device (0 if never). */
    public static int loads(String cacheKey) {
        AtomicInteger n = LOADS.get(cacheKey);
        return n == null ? 0 : n.get();
    }

    /**
     * Closes every cached model and empties the cache (the load counts are kept); the next
     * {@link #acquire} loads again. Call it only when no task is using the models. It waits for loads
     * in progress, tries every model even when one fails to close, and then throws the first failure.
     * A JVM shutdown hook does the same when the executor ends.
     */
    public static void closeAll() {
        throwIfAny(closeEvery(true, key -> true));
    }

    /**
     * Closes and removes the model with {@code cacheKey} on every device, when this JVM holds it:
     * e.g. a model one stage needed before the next stage needs the memory. Call it only when no task
     * is using that model; the next {@link #acquire} loads it again.
     */
    public static void release(String cacheKey) {
        throwIfAny(closeEvery(true, key -> key.startsWith(cacheKey + " on ")));
    }

    private static void throwIfAny(List<Exception> failures) {
        if (!failures.isEmpty()) {
            IllegalStateException e = new IllegalStateException("could not close " + failures.size()
                    + " cached model(s): " + failures.get(0).getMessage(), failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    /**
     * Closes and removes every slot whose key {@code which} accepts; with {@code wait} false, skips
     * slots whose load is still running.
     */
    private static List<Exception> closeEvery(boolean wait, java.util.function.Predicate<String> which) {
        List<Exception> failures = new ArrayList<>();
        for (String key : new ArrayList<>(SLOTS.keySet())) {
            if (!which.test(key)) {
                continue;
            }
            Slot slot = SLOTS.get(key);
            if (slot == null) {
                continue;
            }
            if (wait) {
                slot.lock.lock();
            } else if (!slot.lock.tryLock()) {
                continue; // a task is loading it while the JVM exits: nobody holds the model yet
            }
            try {
                SLOTS.remove(key, slot);
                slot.closed = true;
                if (slot.model != null) {
                    slot.model.close();
                }
            } catch (Exception e) {
                failures.add(new IllegalStateException("closing model " + key + ": " + e, e));
            } finally {
                slot.model = null;
                slot.lock.unlock();
            }
        }
        return failures;
    }

    private static void lockInterruptibly(Slot slot, String slotKey) {
        try {
            slot.lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for model " + slotKey + " to load", e);
        }
    }

    private static void registerShutdownHook() {
        if (HOOK_REGISTERED.compareAndSet(false, true)) {
            Thread hook = new Thread(() -> {
                // Logging may already be shut down here: report on stderr, which the executor log keeps.
                for (Exception e : closeEvery(false, key -> true)) {
                    System.err.println("ExecutorModels shutdown: " + e.getMessage());
                }
            }, "executor-models-close");
            Runtime.getRuntime().addShutdownHook(hook);
        }
    }
}
