package org.stepdpo.train;

import ai.djl.Device;
import java.nio.file.Path;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.spark.ExecutorModel;
import org.stepdpo.spark.LocalPaths;

/**
 * The frozen starting model, as the executor model cache loads it for the reference log-prob pass:
 * in the dtype the policy trains in, so that step 1 compares like with like.
 *
 * @param dir   HF model directory, readable at this path on every executor ({@code file:} URIs accepted)
 * @param dtype the training run's compute dtype
 */
public record ReferenceModel(String dir, MemoryPlan.DType dtype) implements ExecutorModel<DecoderLM> {
    /** The model of a training run. */
    public static ReferenceModel of(TrainConfig config) {
        return new ReferenceModel(config.model(), config.precision().dtype());
    }

    /** The directory as a local path. */
    public Path path() {
        return LocalPaths.of(dir);
    }

    @Override
    public String cacheKey() {
        return "reference|" + dir + "|" + dtype.label();
    }

    @Override
    public DecoderLM load(Device device) {
        return DecoderLM.load(path(), device, dtype.dataType());
    }
}
