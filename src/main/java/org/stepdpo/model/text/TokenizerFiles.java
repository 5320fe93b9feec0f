package org.stepdpo.model.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@link HfTokenizer} reads itself from an HF tokenizer directory, beyond what the native
 * tokenizer exposes: the vocabulary size, the added tokens, and from {@code tokenizer_config.json}
 * the special-token strings, {@code add_bos_token} and the chat template.
 *
 * @param vocabSize    highest id in {@code model.vocab} or {@code added_tokens}, plus one (HF's
 *                     {@code len(tokenizer)})
 * @param specialIds   ids of the added tokens marked {@code special}
 * @param tokenIds     id of every added token and, for the special-token strings of the config,
 *                     their id in the model vocabulary
 * @param bosToken     {@code bos_token} string, or null
 * @param eosToken     {@code eos_token} string, or null
 * @param padToken     {@code pad_token} string, or null
 * @param unkToken     {@code unk_token} string, or null
 * @param addBosToken  {@code add_bos_token}, or null when the config does not say
 * @param chatTemplate {@code chat_template} (or {@code chat_template.jinja}), or null
 */
record TokenizerFiles(int vocabSize, Set<Integer> specialIds, Map<String, Integer> tokenIds, String bosToken,
        String eosToken, String padToken, String unkToken, Boolean addBosToken, String chatTemplate) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static TokenizerFiles read(Path dir) {
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson)) {
            throw new IllegalArgumentException("tokenizer.json not found in " + dir
                    + ": expected an HF model directory with tokenizer.json (and tokenizer_config.json)");
        }
        JsonNode config = readJson(dir.resolve("tokenizer_config.json"), false);
        String bos = tokenString(config, "bos_token");
        String eos = tokenString(config, "eos_token");
        String pad = tokenString(config, "pad_token");
        String unk = tokenString(config, "unk_token");
        JsonNode addBos = config.get("add_bos_token");
        String template = chatTemplate(dir, config);

        JsonNode tokenizer = readJson(tokenizerJson, true);
        Map<String, Integer> ids = new HashMap<>();
        Set<Integer> special = new TreeSet<>();
        int maxId = -1;
        for (JsonNode added : tokenizer.path("added_tokens")) {
            int id = added.path("id").asInt();
            ids.put(added.path("content").asText(), id);
            if (added.path("special").asBoolean(false)) {
                special.add(id);
            }
            maxId = Math.max(maxId, id);
        }
        JsonNode vocab = tokenizer.path("model").path("vocab");
        if (vocab.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                maxId = Math.max(maxId, e.getValue().asInt());
                if (e.getKey().equals(bos) || e.getKey().equals(eos) || e.getKey().equals(pad)
                        || e.getKey().equals(unk)) {
                    ids.putIfAbsent(e.getKey(), e.getValue().asInt());
                }
            }
        } else if (vocab.isArray()) {
            for (int i = 0; i < vocab.size(); i++) {
                String piece = vocab.get(i).path(0).asText();
                if (piece.equals(bos) || piece.equals(eos) || piece.equals(pad) || piece.equals(unk)) {
                    ids.putIfAbsent(piece, i);
                }
            }
            maxId = Math.max(maxId, vocab.size() - 1);
        }
        for (String token : new String[] {bos, eos, pad, unk}) {
            if (token != null && !ids.containsKey(token)) {
                throw new IllegalArgumentException("tokenizer_config.json in " + dir + " names special token '"
                        + token + "', which tokenizer.json does not contain");
            }
        }
        return new TokenizerFiles(maxId + 1, Set.copyOf(special), Map.copyOf(ids), bos, eos, pad, unk,
                addBos == null || addBos.isNull() ? null : addBos.asBoolean(), template);
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!required && !Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** A special token as HF writes it: a string, or an AddedToken object {@code {"content": ...}}. */
    private static String tokenString(JsonNode config, String key) {
        JsonNode v = config.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isObject() ? v.path("content").asText(null) : v.asText();
    }

    /** The config's chat_template (a string, or a list of named templates: "default" or the first). */
    private static String chatTemplate(Path dir, JsonNode config) {
        JsonNode t = config.get("chat_template");
        if (t != null && t.isTextual()) {
            return t.asText();
        }
        if (t != null && t.isArray() && t.size() > 0) {
            for (JsonNode named : t) {
                if ("default".equals(named.path("name").asText())) {
                    return named.path("template").asText();
                }
            }
            return t.get(0).path("template").asText();
        }
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return Files.readString(jinja);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        return null;
    }
}
