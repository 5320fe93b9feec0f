package org.stepdpo.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The decoder settings of an HF {@code config.json}, for the Qwen2, Llama and Mistral families.
 * Every key the decoder needs is mapped here, in one place; unknown architectures and settings the
 * decoder cannot honour fail with a message naming them.
 *
 * @param architecture     the HF class name, e.g. {@code Qwen2ForCausalLM}
 * @param vocabSize        {@code vocab_size}
 * @param hiddenSize       {@code hidden_size}
 * @param intermediateSize {@code intermediate_size} (SwiGLU width)
 * @param numLayers        {@code num_hidden_layers}
 * @param numHeads         {@code num_attention_heads}
 * @param numKvHeads       {@code num_key_value_heads} (defaults to the head count)
 * @param headDim          {@code head_dim} (defaults to hidden size / heads)
 * @param ropeTheta        {@code rope_theta} (or inside {@code rope_parameters})
 * @param ropeScaling      Llama-3.1 style frequency scaling, or null
 * @param rmsNormEps       {@code rms_norm_eps}
 * @param tieWordEmbeddings whether the LM head reuses the token embeddings
 * @param attentionBias    bias on q/k/v (Qwen2 always; Llama {@code attention_bias}, also on o)
 * @param outputBias       bias on the attention output projection (Llama {@code attention_bias})
 * @param mlpBias          bias on the MLP projections (Llama {@code mlp_bias})
 * @param slidingWindow    attention window in tokens (Mistral), 0 for none
 * @param maxPositions     {@code max_position_embeddings}
 * @param bosTokenId       {@code bos_token_id}, or -1
 * @param eosTokenIds      {@code eos_token_id} (one or several)
 */
public record HfConfig(String architecture, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
        int numHeads, int numKvHeads, int headDim, double ropeTheta, RopeScaling ropeScaling, double rmsNormEps,
        boolean tieWordEmbeddings, boolean attentionBias, boolean outputBias, boolean mlpBias, int slidingWindow,
        int maxPositions, int bosTokenId, List<Integer> eosTokenIds) implements Serializable {

    /** Supported {@code architectures} values. */
    public static final List<String> ARCHITECTURES =
            List.of("Qwen2ForCausalLM", "LlamaForCausalLM", "MistralForCausalLM");

    /**
     * Llama-3.1 {@code rope_scaling} of type {@code llama3}: long wavelengths are divided by
     * {@code factor}, short ones kept, and those between blended.
     */
    public record RopeScaling(double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositions) implements Serializable {}

    public HfConfig {
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("config.json: num_attention_heads (" + numHeads
                    + ") must be a multiple of num_key_value_heads (" + numKvHeads + ")");
        }
    }

    /** Heads that share one key/value head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }

    /** Reads {@code dir/config.json}. */
    public static HfConfig load(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            String run = Files.isRegularFile(dir.resolve("model").resolve("config.json"))
                    ? " (" + dir + " looks like a training run's output: its model is " + dir.resolve("model") + ")" : "";
            throw new IllegalArgumentException("config.json not found in " + dir
                    + ": expected an HF model directory (config.json, *.safetensors, tokenizer files)" + run);
        }
        try {
            return parse(new ObjectMapper().readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    /** Maps the keys of a parsed {@code config.json}; {@code where} names it in errors. */
    public static HfConfig parse(JsonNode c, String where) {
        String arch = architecture(c, where);
        int hidden = required(c, "hidden_size", where);
        int heads = required(c, "num_attention_heads", where);
        int kvHeads = c.path("num_key_value_heads").isNumber() ? c.get("num_key_value_heads").asInt() : heads;
        int headDim = c.path("head_dim").isNumber() ? c.get("head_dim").asInt() : hidden / heads;
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(where + ": hidden_act '" + act + "' is not supported (expected silu)");
        }
        JsonNode rope = c.path("rope_parameters").isObject() ? c.get("rope_parameters") : c.path("rope_scaling");
        double theta = c.path("rope_theta").isNumber() ? c.get("rope_theta").asDouble()
                : rope.path("rope_theta").asDouble(10000.0);
        boolean qwen = arch.equals("Qwen2ForCausalLM");
        boolean llamaBias = arch.equals("LlamaForCausalLM") && c.path("attention_bias").asBoolean(false);
        int window = 0;
        if (arch.equals("MistralForCausalLM") && c.path("sliding_window").isNumber()) {
            window = c.get("sliding_window").asInt();
        } else if (qwen && c.path("use_sliding_window").asBoolean(false)) {
            throw new IllegalArgumentException(where + ": use_sliding_window=true is not supported for Qwen2");
        }
        return new HfConfig(arch, required(c, "vocab_size", where), hidden, required(c, "intermediate_size", where),
                required(c, "num_hidden_layers", where), heads, kvHeads, headDim, theta, ropeScaling(rope, where),
                c.path("rms_norm_eps").asDouble(1e-6), c.path("tie_word_embeddings").asBoolean(false),
                qwen || llamaBias, llamaBias, c.path("mlp_bias").asBoolean(false), window,
                c.path("max_position_embeddings").asInt(4096), c.path("bos_token_id").asInt(-1), eosIds(c));
    }

    private static String architecture(JsonNode c, String where) {
        JsonNode archs = c.path("architectures");
        if (!archs.isArray() || archs.isEmpty()) {
            throw new IllegalArgumentException(where + ": 'architectures' is missing; expected one of " + ARCHITECTURES);
        }
        String arch = archs.get(0).asText();
        if (!ARCHITECTURES.contains(arch)) {
            throw new IllegalArgumentException(where + ": architecture '" + arch + "' is not supported; expected one of "
                    + ARCHITECTURES);
        }
        return arch;
    }

    private static int required(JsonNode c, String key, String where) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(where + ": '" + key + "' must be a positive integer, found " + v);
        }
        return v.asInt();
    }

    private static RopeScaling ropeScaling(JsonNode rope, String where) {
        if (rope == null || !rope.isObject()) {
            return null;
        }
        String type = rope.path("rope_type").asText(rope.path("type").asText("default"));
        switch (type) {
            case "default":
                return null;
            case "llama3":
                return new RopeScaling(rope.path("factor").asDouble(8.0), rope.path("low_freq_factor").asDouble(1.0),
                        rope.path("high_freq_factor").asDouble(4.0),
                        rope.path("original_max_position_embeddings").asInt(8192));
            default:
                throw new IllegalArgumentException(where + ": rope scaling type '" + type
                        + "' is not supported (supported: default, llama3)");
        }
    }

    private static List<Integer> eosIds(JsonNode c) {
        List<Integer> ids = new ArrayList<>();
        JsonNode eos = c.path("eos_token_id");
        if (eos.isArray()) {
            eos.forEach(e -> ids.add(e.asInt()));
        } else if (eos.isNumber()) {
            ids.add(eos.asInt());
        }
        return ids;
    }
}
