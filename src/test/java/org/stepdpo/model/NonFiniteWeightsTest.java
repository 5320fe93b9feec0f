package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.io.Checkpoint;
import org.stepdpo.model.io.DType;
import org.stepdpo.model.io.SafetensorsWriter;

/** Weights holding NaN or infinity are refused when a model loads, naming the tensor. */
class NonFiniteWeightsTest {

    @Test
    void aModelWithANaNWeightIsRefusedNamingTheTensor(@TempDir Path dir) throws IOException {
        Path source = Fixtures.model("llama-tiny");
        Files.copy(source.resolve("config.json"), dir.resolve("config.json"));
        Map<String, float[]> weights = Fixtures.weights(source);
        List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
        try (Checkpoint c = Checkpoint.open(source)) {
            for (Map.Entry<String, float[]> e : weights.entrySet()) {
                float[] w = e.getValue().clone();
                if (e.getKey().equals("model.layers.1.mlp.down_proj.weight")) {
                    w[7] = Float.NaN;
                    w[9] = Float.POSITIVE_INFINITY;
                }
                tensors.add(SafetensorsWriter.f32(e.getKey(), c.info(e.getKey()).shape(), FloatBuffer.wrap(w), DType.F32));
            }
        }
        SafetensorsWriter.writeModel(dir, tensors, Map.of("format", "pt"), Long.MAX_VALUE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DecoderLM.load(dir, Device.cpu(), DataType.FLOAT32).close());
        assertTrue(e.getMessage().startsWith("tensor model.layers.1.mlp.down_proj.weight in ")
                && e.getMessage().contains("holds 2 non-finite value(s) (NaN or infinity), the first at element 7"),
                e.getMessage());
        // the same file with finite weights loads
        DecoderLM.load(source, Device.cpu(), DataType.FLOAT32).close();
    }
}
