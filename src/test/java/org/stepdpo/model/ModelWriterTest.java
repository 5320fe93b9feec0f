package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.stepdpo.model.io.DType;

class ModelWriterTest {
    @ParameterizedTest
    @CsvSource({"qwen2-tiny, BF16, bfloat16", "llama-tiny, F32, float32", "llama-tiny, BF16, bfloat16"})
    void aSavedModelLoadsBackWithTheSameParameters(String name, DType storeAs, String torchDtype, @TempDir Path out)
            throws Exception {
        Path source = Fixtures.model(name);
        try (DecoderLM model = DecoderLM.load(source, Device.cpu(), DataType.FLOAT32)) {
            ModelWriter.save(model, source, out, storeAs);
            try (DecoderLM copy = DecoderLM.load(out, Device.cpu(), DataType.FLOAT32)) {
                Map<String, NDArray> a = model.weights().byName();
                Map<String, NDArray> b = copy.weights().byName();
                assertEquals(a.keySet(), b.keySet());
                for (String tensor : a.keySet()) {
                    float[] expected = a.get(tensor).toFloatArray();
                    if (storeAs == DType.BF16) {
                        expected = roundToBf16(expected);
                    }
                    assertArrayEquals(expected, b.get(tensor).toFloatArray(), 0f, tensor);
                }
            }
        }
        assertEquals(torchDtype, new ObjectMapper().readTree(out.resolve("config.json").toFile())
                .get("torch_dtype").asText());
        if (Files.exists(source.resolve("tokenizer.json"))) {
            assertEquals(-1L, Files.mismatch(source.resolve("tokenizer.json"), out.resolve("tokenizer.json")));
        }
        assertTrue(Files.exists(out.resolve("model.safetensors")));
    }

    /** F32 rounded to the nearest BF16 (ties to even), widened back. */
    private static float[] roundToBf16(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            int bits = Float.floatToRawIntBits(x[i]);
            int rounded = (bits + 0x7FFF + ((bits >>> 16) & 1)) & 0xFFFF0000;
            out[i] = Float.intBitsToFloat(rounded);
        }
        return out;
    }
}
