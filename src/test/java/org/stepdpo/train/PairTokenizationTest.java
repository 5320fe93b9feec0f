package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.generate.PairRow;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.spark.SourceLine;
import org.stepdpo.train.PairParser.Parsed;

/** Pairs and SFT examples through real tokenizers: the word-level llama-tiny one and Qwen's BPE. */
class PairTokenizationTest {
    private static final Path LLAMA = Fixtures.model("llama-tiny");
    private static final Path QWEN = Fixtures.tokenizer("qwen3");
    private static HfTokenizer llama;
    private static HfTokenizer qwen;

    @BeforeAll
    static void load() {
        llama = HfTokenizer.load(LLAMA);
        qwen = HfTokenizer.load(QWEN);
    }

    @AfterAll
    static void close() {
        llama.close();
        qwen.close();
    }

    private static List<PairRow> fixturePairs(Objective objective) throws Exception {
        Path file = LLAMA.resolve("train-parity/pairs.jsonl");
        List<String> lines = Files.readAllLines(file);
        PairParser parser = new PairParser(objective);
        PairRow[] rows = new PairRow[lines.size()];
        for (int i = 0; i < rows.length; i++) {
            Parsed<PairRow> p = parser.call(new SourceLine(file.toString(), i + 1, lines.get(i), null));
            assertTrue(p.ok(), () -> String.valueOf(p.rejection()));
            rows[i] = p.value();
        }
        return List.of(rows);
    }

    private static PairRow stepRow(String prompt, String steps, String chosen, String rejected) {
        return new PairRow("f.jsonl", 3, null, prompt, steps, chosen, rejected, null, null, null);
    }

    private static EncodedPair encoded(HfTokenizer tok, EncodeSpec spec, PairRow row) {
        Parsed<EncodedPair> p = new PairEncoder(tok, spec).encode(row);
        assertTrue(p.ok(), () -> String.valueOf(p.rejection()));
        return p.value();
    }

    @Test
    void llamaTinyFixturePairsStepDpo() throws Exception {
        List<PairRow> rows = fixturePairs(Objective.STEP_DPO);
        PairEncoder enc = new PairEncoder(llama, EncodeSpec.pairs(LLAMA.toString(), "plain", Objective.STEP_DPO));
        EncodedPair first = enc.encode(rows.get(0)).value();
        assertEquals(LLAMA.resolve("train-parity/pairs.jsonl") + ":1", first.id());
        assertArrayEquals(new int[] {349, 25, 269, 64, 264, 105, 204, 180}, first.prompt());
        assertArrayEquals(new int[] {273, 151}, first.chosen(), "no EOS after a single step");
        assertArrayEquals(new int[] {302, 78, 307}, first.rejected());
        assertEquals("7add92fd1b613f9a6a3f12c9a007afc87e25eed0bfbcf0fde36b0526bdd93d3d", first.fingerprint());
        EncodedPair second = enc.encode(rows.get(1)).value();
        assertArrayEquals(new int[] {136, 58, 136, 213, 170, 140, 58, 169, 162}, second.prompt());
        assertArrayEquals(new int[] {14, 294, 319}, second.chosen());
        assertArrayEquals(new int[] {106, 39, 106}, second.rejected());
    }

    @Test
    void dpoUsesFullResponsesEndedByEos() throws Exception {
        PairRow row = fixturePairs(Objective.DPO).get(0);
        EncodedPair p = encoded(llama, EncodeSpec.pairs(LLAMA.toString(), "plain", Objective.DPO), row);
        assertArrayEquals(new int[] {349, 25, 269, 64, 264, 105, 204, 180}, p.prompt());
        assertArrayEquals(new int[] {273, 151, 2}, p.chosen());
        assertArrayEquals(new int[] {302, 78, 307, 2}, p.rejected());
    }

    @Test
    void encoderTruncatesLikeTrl() throws Exception {
        PairRow row = fixturePairs(Objective.STEP_DPO).get(0);
        // 8 + 3 > 6: the prompt keeps its last 4; 4 + 3 > 6: responses keep 6 - 4 = 2
        EncodedPair p = encoded(llama, new EncodeSpec(LLAMA.toString(), "plain", Objective.STEP_DPO, 6, 4), row);
        assertArrayEquals(new int[] {264, 105, 204, 180}, p.prompt());
        assertArrayEquals(new int[] {273, 151}, p.chosen());
        assertArrayEquals(new int[] {302, 78}, p.rejected());
    }

    @Test
    void wordLevelMergeAtTheBoundaryMovesTheLastPromptWordIntoBothResponses() {
        // "t5\nt6" + "99 t8" reads "t699" (not in the vocabulary: <unk> = 0): that side's response
        // starts one token early
        PairRow row = stepRow("t5", "t6", "99 t8", " t9");
        EncodedPair p = encoded(llama, EncodeSpec.pairs(LLAMA.toString(), "plain", Objective.STEP_DPO), row);
        assertArrayEquals(new int[] {5}, p.prompt());
        assertArrayEquals(new int[] {0, 8}, p.chosen());
        assertArrayEquals(new int[] {6, 9}, p.rejected(), "the shared prompt is the shorter one");
    }

    @Test
    void emptyResponseIsRejectedForStepsButGetsEosForDpo() {
        PairRow row = new PairRow("f.jsonl", 3, null, "t5", "", "", " t9", "", " t9", null);
        Parsed<EncodedPair> step = new PairEncoder(llama, EncodeSpec.pairs(LLAMA.toString(), "plain",
                Objective.STEP_DPO)).encode(row);
        assertFalse(step.ok());
        assertEquals("empty-response: 'chosen' adds no tokens after the prompt", step.rejection().reason());
        assertEquals("f.jsonl", step.rejection().file());
        assertEquals(3, step.rejection().line());
        assertEquals("{\"prompt\":\"t5\",\"initial_reason_steps\":\"\",\"chosen\":\"\",\"rejected\":\" t9\","
                + "\"full_chosen\":\"\",\"full_rejected\":\" t9\"}", step.rejection().raw());
        EncodedPair dpo = encoded(llama, EncodeSpec.pairs(LLAMA.toString(), "plain", Objective.DPO), row);
        assertArrayEquals(new int[] {5}, dpo.prompt());
        assertArrayEquals(new int[] {2}, dpo.chosen());
        assertArrayEquals(new int[] {9, 2}, dpo.rejected());
    }

    @Test
    void bosLeadsThePromptWhenTheConfigNamesOneAndKeepEndCanDropIt(@TempDir Path dir) throws Exception {
        Files.copy(LLAMA.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<bos>\", \"eos_token\": \"<eos>\"}");
        try (HfTokenizer tok = HfTokenizer.load(dir)) {
            PairRow row = stepRow("t5 t6", "t7", " t8", " t9 t10");
            EncodedPair p = encoded(tok, EncodeSpec.pairs(dir.toString(), "plain", Objective.STEP_DPO), row);
            assertArrayEquals(new int[] {1, 5, 6, 7}, p.prompt());
            assertArrayEquals(new int[] {8}, p.chosen());
            assertArrayEquals(new int[] {9, 10}, p.rejected());
            // 4 + 2 > 5: the prompt keeps its last 3 tokens, BOS included in the count and cut
            EncodedPair cut = encoded(tok, new EncodeSpec(dir.toString(), "plain", Objective.STEP_DPO, 5, 3), row);
            assertArrayEquals(new int[] {5, 6, 7}, cut.prompt());
        }
    }

    @Test
    void qwenBoundaryMergeOnOneSide() {
        // the steps end in a space; "We" merges with it into " We", "5" does not
        String problem = "Tom has 2 apples and buys 3 more. How many?";
        String steps = "Let's think step by step.\nStep 1: ";
        EncodeSpec spec = EncodeSpec.pairs(QWEN.toString(), "qwen2-boxed", Objective.STEP_DPO);
        PairEncoder enc = new PairEncoder(qwen, spec);
        int[] promptAlone = qwen.encodeRaw(enc.promptText(problem, steps));
        assertEquals(220, promptAlone[promptAlone.length - 1], "the prompt alone ends in the space token");
        EncodedPair p = encoded(qwen, spec, stepRow(problem, steps, "We add 2 and 3.", "5 apples."));
        assertArrayEquals(Arrays.copyOf(promptAlone, promptAlone.length - 1), p.prompt());
        assertEquals(25, p.prompt()[p.prompt().length - 1], "':' is the last shared prompt token");
        assertArrayEquals(new int[] {1205, 912, 220, 17, 323, 220, 18, 13}, p.chosen(), "' We add 2 and 3.'");
        assertArrayEquals(new int[] {220, 20, 40676, 13}, p.rejected(), "' ' '5' ' apples' '.'");
        assertEquals("We add 2 and 3.", qwen.decode(p.chosen(), false).substring(1));
        assertEquals(151644, p.prompt()[0], "no BOS for Qwen: <|im_start|> first");
    }

    @Test
    void qwenWithoutMergeKeepsTheWholePrompt() {
        String problem = "Tom has 2 apples and buys 3 more. How many?";
        String steps = "Let's think step by step.\nStep 1:";
        EncodeSpec spec = EncodeSpec.pairs(QWEN.toString(), "qwen2-boxed", Objective.STEP_DPO);
        PairEncoder enc = new PairEncoder(qwen, spec);
        EncodedPair p = encoded(qwen, spec, stepRow(problem, steps, " We add", " We"));
        assertArrayEquals(qwen.encodeRaw(enc.promptText(problem, steps)), p.prompt());
        assertArrayEquals(new int[] {1205, 912}, p.chosen());
        assertArrayEquals(new int[] {1205}, p.rejected());
    }

    @Test
    void chatTemplateRendersTheUserTurnThenTheSteps() {
        EncodeSpec spec = EncodeSpec.pairs(QWEN.toString(), "chat", Objective.STEP_DPO);
        PairEncoder enc = new PairEncoder(qwen, spec);
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nStep 1:", enc.promptText("Q", "Step 1:"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PairEncoder(llama, EncodeSpec.pairs(LLAMA.toString(), "chat", Objective.STEP_DPO)));
        assertTrue(e.getMessage().startsWith("--prompt chat: ") && e.getMessage().contains("no chat_template"),
                e.getMessage());
    }

    @Test
    void sftResponseEndsWithEos() {
        PairEncoder enc = new PairEncoder(llama, EncodeSpec.sft(LLAMA.toString(), "plain"));
        Parsed<EncodedExample> p = enc.encode(new SftExample("s.jsonl", 2, "t5 t6", "t7", " t8 t9"));
        assertTrue(p.ok());
        assertEquals("s.jsonl:2", p.value().id());
        assertArrayEquals(new int[] {5, 6, 7}, p.value().prompt());
        assertArrayEquals(new int[] {8, 9, 2}, p.value().response());
        PairEncoder small = new PairEncoder(llama, new EncodeSpec(LLAMA.toString(), "plain", null, 4, 2));
        // 3 + 3 > 4: prompt keeps [6, 7]; 2 + 3 > 4: the response keeps 4 - 2 = 2 tokens, EOS cut
        EncodedExample cut = small.encode(new SftExample("s.jsonl", 2, "t5 t6", "t7", " t8 t9")).value();
        assertArrayEquals(new int[] {6, 7}, cut.prompt());
        assertArrayEquals(new int[] {8, 9}, cut.response());
    }

    @Test
    void pairsNeedAnObjective() {
        PairEncoder enc = new PairEncoder(llama, EncodeSpec.sft(LLAMA.toString(), "plain"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> enc.encode(stepRow("t5", "", " t6", " t7")));
        assertTrue(e.getMessage().contains("--loss"), e.getMessage());
    }
}
