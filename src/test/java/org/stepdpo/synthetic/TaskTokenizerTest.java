package org.stepdpo.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.text.ChatTemplate;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.model.text.PromptTemplates;

/** The task's tokenizer, through the real HF tokenizers library, and the shipped model's copy of it. */
class TaskTokenizerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path MODEL = Path.of("data/models/arith-tiny");

    @TempDir
    Path tmp;

    @Test
    void theShippedTokenizerIsTheOneBuiltFromTheSftSplit() throws IOException {
        List<String> corpus = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("data/synthetic/sft.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode row = JSON.readTree(line);
            corpus.add(row.get("instruction").asText());
            corpus.add(row.get("output").asText());
        }
        corpus.add(TaskTokenizer.CHAT_TEMPLATE);
        corpus.add("Problem: \nSolution:\n");
        TaskTokenizer.write(TaskTokenizer.vocabulary(corpus), tmp, 1024);
        for (String name : List.of("tokenizer.json", "tokenizer_config.json")) {
            assertEquals(Files.readString(tmp.resolve(name)), Files.readString(MODEL.resolve(name)), name);
        }
    }

    @Test
    void textsTokenizeAsTheJavaSplitSaysAndDecodeBackExactly() throws IOException {
        Map<String, Integer> vocab = new HashMap<>();
        JSON.readTree(MODEL.resolve("tokenizer.json").toFile()).get("model").get("vocab").fields()
                .forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        List<String> lines = Files.readAllLines(Path.of("data/synthetic/test.jsonl"), StandardCharsets.UTF_8);
        try (HfTokenizer tok = HfTokenizer.load(MODEL)) {
            assertEquals(vocab.size(), tok.vocabSize());
            assertEquals(2, tok.eosId().getAsInt());
            for (String line : lines.subList(0, 300)) {
                JsonNode row = JSON.readTree(line);
                for (String text : List.of(row.get("instruction").asText(), row.get("output").asText())) {
                    int[] ids = tok.encode(text);
                    int[] expected = TaskTokenizer.pieces(text).stream().mapToInt(p -> vocab.getOrDefault(p, 0))
                            .toArray();
                    assertArrayEquals(expected, ids, text);
                    for (int id : ids) {
                        assertTrue(id != 0, () -> "unknown word in " + text);
                    }
                    assertEquals(text, tok.decode(ids, true), "decode(encode(text))");
                }
            }
            // numbers of any size go digit by digit; a word outside the task is <unk>
            assertEquals(TaskTokenizer.pieces(" 1234567").size(), tok.encode(" 1234567").length);
            assertEquals(7, tok.encode(" 1234567").length);
            int[] unknown = tok.encode("Zyzzyva has 3 apples.");
            assertEquals(0, unknown[0]);
        }
    }

    @Test
    void theModelRecordsItsPromptFormatAndJobsDefaultToIt() {
        try (HfTokenizer tok = HfTokenizer.load(MODEL)) {
            ChatTemplate chat = new ChatTemplate(tok.chatTemplate(), tok.templateVariables());
            assertEquals("Problem: Tom has 5 cards.\nSolution:\n", chat.renderUser("Tom has 5 cards."));
        }
        assertEquals("chat", PromptTemplates.defaultFor(MODEL, null));
        assertEquals(null, PromptTemplates.defaultFor(tmp, null), "no tokenizer_config.json: no default");
        assertEquals("qwen2-boxed", PromptTemplates.defaultFor(tmp, "qwen2-boxed"));
    }
}
