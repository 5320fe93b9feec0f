package org.stepdpo.spark;

import ai.djl.Device;
import java.io.Serializable;

/**
 * How to load one model on an executor. An implementation is shipped to the executors inside a
 * Spark function, so it carries only serializable settings (paths, dtype), never a loaded model;
 * {@link ExecutorModels#acquire} builds the model there, once per executor JVM and device.
 *
 * <p>Implementations are best written as records, so that equal settings give equal keys:
 * <pre>{@code
 * record MyModel(String dir, String dtype) implements ExecutorModel<MyLm> {
 *     public String cacheKey() { return "my-lm:" + dir + ":" + dtype; }
 *     public MyLm load(Device device) { return MyLm.load(Path.of(dir), device, dtype); }
 * }
 * }</pre>
 *
 * @param <T> the loaded model; closing it frees everything it holds (native memory included)
 */
public interface ExecutorModel<T extends AutoCloseable> extends Serializable {
    /**
     * Identifies the model, e.g. its directory and dtype. Two specs with the same key share one
     * loaded model per device; the cache adds the device to the key itself.
     */
    String cacheKey();

    /**
     * Builds the model on {@code device}. Called at most once per executor JVM per
     * ({@link #cacheKey()}, device) while it succeeds; a call that throws is tried again by the next
     * {@link ExecutorModels#acquire}.
     */
    T load(Device device);
}
