package org.stepdpo.model.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * An HF fast tokenizer ({@code tokenizer.json}, plus {@code tokenizer_config.json} when present)
 * on DJL's native HF tokenizers, with the options pinned to what Step-DPO training needs: no
 * truncation, no padding, no special tokens added except a BOS where the model expects one.
 * DJL's defaults (truncate at 512, pad with id 0, skip special tokens on decode) are never used.
 *
 * <p>Special-token strings inside the text ({@code <|im_start|>}) encode to their single ids, as
 * in HF. Holds native memory: close it (one instance per executor JVM is enough).
 */
public final class HfTokenizer implements AutoCloseable {

    private final Path dir;
    private final HuggingFaceTokenizer tokenizer;
    private final TokenizerFiles files;
    private final boolean prependBos;

    private HfTokenizer(Path dir, HuggingFaceTokenizer tokenizer, TokenizerFiles files) {
        this.dir = dir;
        this.tokenizer = tokenizer;
        this.files = files;
        this.prependBos = decidePrependBos();
    }

    /**
     * Loads {@code modelDir/tokenizer.json} and, when present, {@code modelDir/tokenizer_config.json}.
     *
     * @throws IllegalArgumentException when tokenizer.json is missing or the config names a special
     *                                  token the vocabulary lacks
     */
    public static HfTokenizer load(Path modelDir) {
        TokenizerFiles files = TokenizerFiles.read(modelDir);
        Map<String, String> options = Map.of(
                "addSpecialTokens", "false",
                "truncation", "false",
                "padding", "false",
                "withOverflowingTokens", "false");
        try (InputStream in = Files.newInputStream(modelDir.resolve("tokenizer.json"))) {
            return new HfTokenizer(modelDir, HuggingFaceTokenizer.newInstance(in, options), files);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load tokenizer.json in " + modelDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * BOS is prepended when {@code add_bos_token} is true, or, when the config does not say, when
     * the tokenizer's own post-processor would add it (Llama-3 style {@code tokenizer.json}); never
     * without a {@code bos_token}.
     */
    private boolean decidePrependBos() {
        OptionalInt bos = bosId();
        if (bos.isEmpty()) {
            return false;
        }
        if (files.addBosToken() != null) {
            return files.addBosToken();
        }
        long[] withSpecial = tokenizer.encode("a", true, false).getIds();
        return withSpecial.length > 0 && withSpecial[0] == bos.getAsInt();
    }

    /**
     * Token ids of {@code text}: no truncation, no padding, no special tokens added, except the
     * BOS id in front when the tokenizer expects one and the text does not already start with it.
     */
    public int[] encode(String text) {
        long[] ids = rawIds(text);
        boolean bos = prependBos && (ids.length == 0 || ids[0] != bosId().getAsInt());
        int offset = bos ? 1 : 0;
        int[] out = new int[ids.length + offset];
        if (bos) {
            out[0] = bosId().getAsInt();
        }
        for (int i = 0; i < ids.length; i++) {
            out[i + offset] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * Token ids of {@code text} with no special tokens added at all (HF's
     * {@code tokenizer(text, add_special_tokens=False)}): never a BOS, whatever the config says.
     * Special-token strings inside the text still encode to their ids.
     */
    public int[] encodeRaw(String text) {
        long[] ids = rawIds(text);
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    private long[] rawIds(String text) {
        Encoding encoding = tokenizer.encode(text, false, false);
        return encoding.getIds();
    }

    /** The text of {@code ids}; special tokens are written out unless {@code skipSpecialTokens}. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    /** Number of token ids (HF's {@code len(tokenizer)}); the model's embedding may be larger. */
    public int vocabSize() {
        return files.vocabSize();
    }

    /** Id of {@code bos_token}, if the config names one. */
    public OptionalInt bosId() {
        return idOf(files.bosToken());
    }

    /** Id of {@code eos_token}, if the config names one. */
    public OptionalInt eosId() {
        return idOf(files.eosToken());
    }

    /** Id of {@code pad_token}, if the config names one. */
    public OptionalInt padId() {
        return idOf(files.padToken());
    }

    /** Ids of the added tokens marked special, plus the BOS/EOS/PAD/UNK ids of the config. */
    public Set<Integer> specialIds() {
        Set<Integer> ids = new TreeSet<>(files.specialIds());
        for (String token : new String[] {files.bosToken(), files.eosToken(), files.padToken(), files.unkToken()}) {
            idOf(token).ifPresent(ids::add);
        }
        return Set.copyOf(ids);
    }

    /** {@code chat_template} of tokenizer_config.json (or chat_template.jinja), or null. */
    public String chatTemplate() {
        return files.chatTemplate();
    }

    /**
     * The special-token variables HF passes to a chat template: {@code bos_token}, {@code eos_token},
     * {@code pad_token}, {@code unk_token}, each only when the config names it.
     */
    public Map<String, Object> templateVariables() {
        Map<String, Object> vars = new LinkedHashMap<>();
        putIfPresent(vars, "bos_token", files.bosToken());
        putIfPresent(vars, "eos_token", files.eosToken());
        putIfPresent(vars, "pad_token", files.padToken());
        putIfPresent(vars, "unk_token", files.unkToken());
        return vars;
    }

    /** Whether {@link #encode} puts a BOS id in front. */
    public boolean prependsBos() {
        return prependBos;
    }

    /** The model directory this tokenizer was loaded from. */
    public Path directory() {
        return dir;
    }

    private static void putIfPresent(Map<String, Object> vars, String key, String value) {
        if (value != null) {
            vars.put(key, value);
        }
    }

    private OptionalInt idOf(String token) {
        if (token == null) {
            return OptionalInt.empty();
        }
        Integer id = files.tokenIds().get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
