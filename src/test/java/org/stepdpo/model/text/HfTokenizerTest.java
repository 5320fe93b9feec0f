package org.stepdpo.model.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real Qwen tokenizer and the word-level llama-tiny tokenizer, through DJL with pinned options. */
class HfTokenizerTest {

    private static HfTokenizer qwen;
    private static HfTokenizer llama;

    static Path fixture(String name) throws Exception {
        return Path.of(HfTokenizerTest.class.getResource("/fixtures/" + name).toURI());
    }

    @BeforeAll
    static void load() throws Exception {
        qwen = HfTokenizer.load(fixture("tokenizers/qwen3"));
        llama = HfTokenizer.load(fixture("models/llama-tiny"));
    }

    @AfterAll
    static void close() {
        qwen.close();
        llama.close();
    }

    private static long count(int[] ids, int id) {
        return Arrays.stream(ids).filter(x -> x == id).count();
    }

    @Test
    void qwenSeedPromptRoundTripsWithSingleSpecialTokens() {
        String prompt = PromptTemplates.training("qwen2-boxed", "What is $\\frac{1}{2} + \\sqrt{x^2}$ when x = -3?",
                "Let's think step by step.\nStep 1: We have $\\frac{1}{2}$.\nStep 2:");
        int[] ids = qwen.encode(prompt);
        assertEquals(151644, ids[0], "no BOS for Qwen; <|im_start|> first");
        assertEquals(3, count(ids, 151644));
        assertEquals(2, count(ids, 151645));
        assertEquals(prompt, qwen.decode(ids, false));
        String skipped = qwen.decode(ids, true);
        assertFalse(skipped.contains("<|im_start|>") || skipped.contains("<|im_end|>"), skipped);
        assertTrue(skipped.startsWith("system\nYou are a helpful assistant.\nuser\nWhat is $\\frac{1}{2}"), skipped);
    }

    @Test
    void specialTokenStringsAreSingleIds() {
        assertArrayEquals(new int[] {151644}, qwen.encode("<|im_start|>"));
        assertArrayEquals(new int[] {151645}, qwen.encode("<|im_end|>"));
        assertArrayEquals(new int[] {151643}, qwen.encode("<|endoftext|>"));
        assertArrayEquals(new int[0], qwen.encode(""));
    }

    @Test
    void noTruncationNoPadding() {
        String longText = "Step 1: add 17 and 25 to get 42, then divide by 7. ".repeat(60);
        int[] ids = qwen.encode(longText);
        assertTrue(ids.length > 600, "got " + ids.length + " tokens");
        assertEquals(longText, qwen.decode(ids, false));
        assertEquals(1, qwen.encode("Hello").length, "no padding");
        assertArrayEquals(new int[] {5}, llama.encode("t5"), "no padding with id 0");
    }

    @Test
    void qwenIdsFromConfig() {
        assertEquals(OptionalInt.empty(), qwen.bosId());
        assertEquals(OptionalInt.of(151645), qwen.eosId());
        assertEquals(OptionalInt.of(151643), qwen.padId());
        assertEquals(151669, qwen.vocabSize());
        assertFalse(qwen.prependsBos());
        assertTrue(qwen.specialIds().containsAll(java.util.Set.of(151643, 151644, 151645)));
        assertFalse(qwen.specialIds().contains(151667), "<think> is an added token but not special");
        assertNotNull(qwen.chatTemplate());
        assertEquals(Map.of("eos_token", "<|im_end|>", "pad_token", "<|endoftext|>"), qwen.templateVariables());
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n",
                PromptTemplates.chat(qwen.chatTemplate(), "Q", qwen.templateVariables()));
    }

    @Test
    void llamaTinyWordLevel() {
        assertArrayEquals(new int[] {5, 17, 3}, llama.encode("t5 t17 t3"));
        assertEquals("t5 t17 t3", llama.decode(new int[] {5, 17, 3}, false));
        assertEquals(OptionalInt.of(2), llama.eosId());
        assertEquals(OptionalInt.of(0), llama.padId());
        assertEquals(OptionalInt.empty(), llama.bosId());
        assertFalse(llama.prependsBos());
        assertEquals(384, llama.vocabSize());
        assertEquals(java.util.Set.of(0, 1, 2), llama.specialIds());
        assertNull(llama.chatTemplate());
        assertArrayEquals(new int[] {5, 2}, llama.encode("t5 <eos>"));
    }

    @Test
    void bosIsPrependedWhenTheConfigAsksForIt(@TempDir Path dir) throws Exception {
        Files.copy(fixture("models/llama-tiny").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": {\"content\": \"<bos>\", "
                + "\"__type\": \"AddedToken\"}, \"eos_token\": \"<eos>\", \"add_bos_token\": true}");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertTrue(tok.prependsBos());
            assertArrayEquals(new int[] {1, 5, 17}, tok.encode("t5 t17"));
            assertArrayEquals(new int[] {1, 5}, tok.encode("<bos> t5"), "an existing BOS is not doubled");
            assertArrayEquals(new int[] {1}, tok.encode(""));
            assertArrayEquals(new int[] {5, 17}, tok.encodeRaw("t5 t17"), "encodeRaw adds no BOS");
            assertArrayEquals(new int[] {1, 5}, tok.encodeRaw("<bos> t5"), "a BOS in the text stays");
            assertArrayEquals(new int[0], tok.encodeRaw(""));
            assertEquals("t5 t17", tok.decode(new int[] {1, 5, 17}, true));
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<bos>\"}");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            assertFalse(tok.prependsBos(), "no add_bos_token and no post-processor: no BOS");
            assertEquals(OptionalInt.of(1), tok.bosId());
            assertArrayEquals(new int[] {5}, tok.encode("t5"));
        }
    }

    @Test
    void missingTokenizerJsonNamesTheDirectory() throws Exception {
        Path dir = fixture("models/qwen2-tiny");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("tokenizer.json not found in " + dir), e.getMessage());
    }

    @Test
    void unknownSpecialTokenIsAnError(@TempDir Path dir) throws Exception {
        Files.copy(fixture("models/llama-tiny").resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(dir));
        assertTrue(e.getMessage().contains("'</s>'"), e.getMessage());
    }
}
