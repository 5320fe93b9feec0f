package org.stepdpo.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.stepdpo.model.io.DType;

/**
 * A Llama-layout decoder with random weights, for benchmarks without a checkpoint. The shape comes
 * from a spec such as {@code hidden=512,layers=4,heads=8,kv_heads=2,vocab=8192} with optional
 * {@code intermediate=N} (default 4 × hidden) and {@code head_dim=N} (default hidden / heads).
 * Weights are uniform in ±{@value #SCALE} (norm weights 1), seeded per tensor name, so activations
 * stay small and finite and the same seed gives the same model.
 */
public final class RandomModel {
    /** Half-width of the uniform distribution of every matrix entry. */
    static final float SCALE = 0.035f;

    private static final Set<String> REQUIRED = Set.of("hidden", "layers", "heads", "kv_heads", "vocab");
    private static final Set<String> KNOWN = Set.of("hidden", "layers", "heads", "kv_heads", "vocab",
            "intermediate", "head_dim");

    private RandomModel() {}

    /**
     * The config a spec describes (Llama layout: untied LM head, no biases, rope_theta 10000).
     *
     * @param maxPositions {@code max_position_embeddings}; prompts and generations must fit in it
     * @throws IllegalArgumentException naming the key that is missing, unknown or not a positive integer
     */
    public static HfConfig config(String spec, int maxPositions) {
        Map<String, Integer> v = new HashMap<>();
        for (String part : spec.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2 || !KNOWN.contains(kv[0].trim())) {
                throw new IllegalArgumentException("random model spec: '" + part + "' is not one of " + KNOWN
                        + " as key=N (e.g. hidden=512,layers=4,heads=8,kv_heads=2,vocab=8192)");
            }
            try {
                int n = Integer.parseInt(kv[1].trim());
                if (n <= 0) {
                    throw new NumberFormatException();
                }
                v.put(kv[0].trim(), n);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("random model spec: " + kv[0].trim()
                        + " must be a positive integer, got '" + kv[1].trim() + "'");
            }
        }
        for (String key : REQUIRED) {
            if (!v.containsKey(key)) {
                throw new IllegalArgumentException("random model spec: '" + key + "' is missing (give "
                        + "hidden, layers, heads, kv_heads and vocab, e.g. hidden=512,layers=4,heads=8,kv_heads=2,vocab=8192)");
            }
        }
        int hidden = v.get("hidden");
        int heads = v.get("heads");
        int headDim = v.getOrDefault("head_dim", hidden / heads);
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("random model spec: head_dim (" + headDim
                    + ") must be a positive even number; give head_dim=N or a hidden size that heads divides");
        }
        return new HfConfig("LlamaForCausalLM", v.get("vocab"), hidden, v.getOrDefault("intermediate", 4 * hidden),
                v.get("layers"), heads, v.get("kv_heads"), headDim, 10000.0, null, 1e-6, false, false, false, false, 0,
                maxPositions, -1, List.of());
    }

    /**
     * Writes a random model as an HF directory: {@code config.json} and {@code model.safetensors}
     * (F32), plus the tokenizer files of {@code tokenizerDir} when given (its vocabulary must fit
     * the config's).
     */
    public static void write(HfConfig c, long seed, Path dir, Path tokenizerDir) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of(c.architecture()));
        json.put("model_type", "llama");
        json.put("vocab_size", c.vocabSize());
        json.put("hidden_size", c.hiddenSize());
        json.put("intermediate_size", c.intermediateSize());
        json.put("num_hidden_layers", c.numLayers());
        json.put("num_attention_heads", c.numHeads());
        json.put("num_key_value_heads", c.numKvHeads());
        json.put("head_dim", c.headDim());
        json.put("rope_theta", c.ropeTheta());
        json.put("rms_norm_eps", c.rmsNormEps());
        json.put("max_position_embeddings", c.maxPositions());
        json.put("tie_word_embeddings", c.tieWordEmbeddings());
        json.put("torch_dtype", "float32");
        try {
            Files.createDirectories(dir);
            new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), json);
            if (tokenizerDir != null) {
                for (String name : ModelWriter.COMPANION_FILES) {
                    Path file = tokenizerDir.resolve(name);
                    if (Files.isRegularFile(file) && !name.equals("generation_config.json")) {
                        Files.copy(file, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the random model to " + dir, e);
        }
        try (DecoderLM lm = DecoderLM.create(c, weights(seed), Device.cpu(), DataType.FLOAT32)) {
            ModelWriter.save(lm, dir, dir, DType.F32);
        }
    }

    /** Random weights for any tensor a config asks for, the same for the same seed. */
    public static WeightSource weights(long seed) {
        return new Source(seed);
    }

    /** Uniform values seeded by the tensor's name; norm weights are ones. */
    private record Source(long seed) implements WeightSource {
        @Override
        public boolean has(String name) {
            return true; // every tensor the config asks for
        }

        @Override
        public FloatBuffer read(String name, long[] expectedShape) {
            long n = 1;
            for (long d : expectedShape) {
                n *= d;
            }
            float[] values = new float[Math.toIntExact(n)];
            if (name.endsWith("norm.weight")) {
                Arrays.fill(values, 1f);
            } else {
                SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + name.hashCode());
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * SCALE);
                }
            }
            return FloatBuffer.wrap(values);
        }
    }
}
