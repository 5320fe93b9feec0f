package org.stepdpo.synthetic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level tokenizer for the synthetic task, written as a standard HF {@code tokenizer.json}
 * (WordLevel model) with its {@code tokenizer_config.json} and chat template.
 *
 * <p>Text is split by {@link #PATTERN} into words (with their leading space), single digits (with
 * theirs), single punctuation marks (with theirs) and single whitespace characters, then mapped to
 * GPT-2's byte-level alphabet (space as {@code Ġ}, newline as {@code Ċ}), so that any number
 * tokenizes digit by digit and decoding gives the text back exactly. The vocabulary holds the
 * special tokens, every digit, ASCII letter and punctuation mark with and without a leading space,
 * and every word of the corpus it is built from; other words become {@code <unk>}.
 */
public final class TaskTokenizer {
    /** The pre-tokenizer's split: the same regular expression in Java and in HF tokenizers. */
    public static final String PATTERN = " ?[A-Za-z]+| ?[0-9]| ?[^\\sA-Za-z0-9]|\\s";
    public static final String UNK = "<unk>";
    public static final String BOS = "<s>";
    public static final String EOS = "</s>";

    /**
     * The prompt format the model is trained with: {@code "Problem: …\nSolution:\n"}, the solution,
     * then EOS.
     */
    public static final String CHAT_TEMPLATE = "{% for message in messages %}"
            + "{% if message['role'] == 'user' %}{{ 'Problem: ' + message['content'] + '\\n' }}"
            + "{% elif message['role'] == 'assistant' %}{{ 'Solution:\\n' + message['content'] + eos_token }}"
            + "{% endif %}{% endfor %}"
            + "{% if add_generation_prompt %}{{ 'Solution:\\n' }}{% endif %}";

    private static final Pattern SPLIT = Pattern.compile(PATTERN);
    private static final char[] BYTE_CHARS = byteChars();

    private TaskTokenizer() {}

    /** The pieces the pre-tokenizer cuts a text into, in the byte-level alphabet. */
    public static List<String> pieces(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = SPLIT.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                out.add(byteLevel(text.substring(at, m.start())));
            }
            out.add(byteLevel(m.group()));
            at = m.end();
        }
        if (at < text.length()) {
            out.add(byteLevel(text.substring(at)));
        }
        return out;
    }

    /**
     * The vocabulary: the special tokens (ids 0, 1, 2), the fixed alphabet, then the corpus' words
     * by falling count (ties by text), so the same corpus gives the same ids.
     */
    public static List<String> vocabulary(Iterable<String> corpus) {
        Map<String, Integer> counts = new HashMap<>();
        for (String text : corpus) {
            for (String piece : pieces(text)) {
                counts.merge(piece, 1, Integer::sum);
            }
        }
        Set<String> vocab = new LinkedHashSet<>(List.of(UNK, BOS, EOS));
        for (char c = 33; c < 127; c++) {
            vocab.add(byteLevel(String.valueOf(c)));
            vocab.add(byteLevel(" " + c));
        }
        vocab.add(byteLevel(" "));
        vocab.add(byteLevel("\n"));
        vocab.add(byteLevel("\t"));
        List<Map.Entry<String, Integer>> words = new ArrayList<>(counts.entrySet());
        words.sort(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                .thenComparing(Map.Entry.comparingByKey()));
        for (Map.Entry<String, Integer> e : words) {
            vocab.add(e.getKey());
        }
        return new ArrayList<>(vocab);
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} (with the chat template) to {@code dir}. */
    public static void write(List<String> vocab, Path dir, int maxLength) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode tok = json.createObjectNode();
        tok.put("version", "1.0");
        tok.putNull("truncation");
        tok.putNull("padding");
        ArrayNode added = tok.putArray("added_tokens");
        for (int id = 0; id < 3; id++) {
            ObjectNode t = added.addObject();
            t.put("id", id);
            t.put("content", vocab.get(id));
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        tok.putNull("normalizer");
        ObjectNode pre = tok.putObject("pre_tokenizer");
        pre.put("type", "Sequence");
        ArrayNode seq = pre.putArray("pretokenizers");
        ObjectNode split = seq.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", PATTERN);
        split.put("behavior", "Isolated");
        split.put("invert", false);
        ObjectNode bytes = seq.addObject();
        bytes.put("type", "ByteLevel");
        bytes.put("add_prefix_space", false);
        bytes.put("trim_offsets", false);
        bytes.put("use_regex", false);
        tok.putNull("post_processor");
        ObjectNode decoder = tok.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", false);
        decoder.put("trim_offsets", false);
        decoder.put("use_regex", false);
        ObjectNode model = tok.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode ids = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) {
            ids.put(vocab.get(i), i);
        }
        model.put("unk_token", UNK);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(tok) + "\n", StandardCharsets.UTF_8);

        ObjectNode cfg = json.createObjectNode();
        cfg.put("tokenizer_class", "PreTrainedTokenizerFast");
        cfg.put("add_bos_token", false);
        cfg.put("add_eos_token", false);
        cfg.put("bos_token", BOS);
        cfg.put("eos_token", EOS);
        cfg.put("unk_token", UNK);
        cfg.put("pad_token", EOS);
        cfg.put("model_max_length", maxLength);
        cfg.put("clean_up_tokenization_spaces", false);
        cfg.put("chat_template", CHAT_TEMPLATE);
        Files.writeString(dir.resolve("tokenizer_config.json"), json.writeValueAsString(cfg) + "\n",
                StandardCharsets.UTF_8);
    }

    /** Maps each UTF-8 byte of {@code text} to GPT-2's byte-level character. */
    static String byteLevel(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            sb.append(BYTE_CHARS[b & 0xff]);
        }
        return sb.toString();
    }

    /** GPT-2's bytes-to-unicode table: printable bytes stand for themselves, the others for 256 + n. */
    private static char[] byteChars() {
        char[] map = new char[256];
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            map[b] = printable ? (char) b : (char) (256 + next++);
        }
        return map;
    }
}
