package org.stepdpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stepdpo.model.io.Checkpoint;

/** The fixture models on the test classpath and their reference values. */
public final class Fixtures {
    private Fixtures() {}

    /** The directory of fixture model {@code name} (qwen2-tiny, llama-tiny). */
    public static Path model(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/models/" + name + "/config.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The directory of fixture tokenizer {@code name} (qwen3). */
    public static Path tokenizer(String name) {
        try {
            return Path.of(Fixtures.class.getResource("/fixtures/tokenizers/" + name + "/tokenizer.json").toURI())
                    .getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code reference.json} of a fixture model. */
    public static JsonNode reference(String name) {
        try {
            return new ObjectMapper().readTree(model(name).resolve("reference.json").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every tensor of the HF model directory {@code dir}, widened to FP32, by name. */
    public static Map<String, float[]> weights(Path dir) {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (Checkpoint c = Checkpoint.open(dir)) {
            for (String name : c.names()) {
                FloatBuffer b = c.readF32(name);
                float[] f = new float[b.remaining()];
                b.get(f);
                out.put(name, f);
            }
        }
        return out;
    }

    static float[] floats(JsonNode array) {
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) array.get(i).asDouble();
        }
        return out;
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
