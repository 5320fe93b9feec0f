package org.stepdpo.train;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Path;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.spark.ExecutorModel;
import org.stepdpo.spark.LocalPaths;

/**
 * The frozen starting model, as the executor model cache loads it for the reference log-prob pass:
 * FP32 (the precision the policy trains in, so that step 1 compares like with like).
 *
 * @param dir HF model directory, readable at this path on every executor ({@code file:} URIs accepted)
 */
public record ReferenceModel(String dir) implements ExecutorModel<DecoderLM> {
    /** The directory as a local path. */
    public Path path() {
        return LocalPaths.of(dir);
    }

    @Override
    public String cacheKey() {
        return "reference|" + dir;
    }

    @Override
    public DecoderLM load(Device device) {
        return DecoderLM.load(path(), device, DataType.FLOAT32);
    }
}
