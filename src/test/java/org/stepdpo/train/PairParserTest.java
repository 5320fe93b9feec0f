package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.stepdpo.generate.PairRow;
import org.stepdpo.spark.SourceLine;
import org.stepdpo.train.PairParser.Parsed;

/** Pair and SFT rows from JSONL lines and Spark SQL rows: what is kept and why rows are rejected. */
class PairParserTest {
    private static final String GOOD = "{\"dataset\": \"gsm8k\", \"prompt\": \"P\", \"initial_reason_steps\": "
            + "\"Let's think step by step.\\nStep 1:\", \"chosen\": \" c\", \"rejected\": \" r\", "
            + "\"full_chosen\": \" c more\", \"full_rejected\": \" r more\", \"answer\": \"5\"}";

    private static Parsed<PairRow> parse(Objective objective, String text) {
        return new PairParser(objective).call(new SourceLine("file:/d/pairs.jsonl", 7, text, null));
    }

    private static String reason(Objective objective, String text) {
        Parsed<PairRow> p = parse(objective, text);
        assertFalse(p.ok(), "expected a rejection of " + text);
        assertEquals("file:/d/pairs.jsonl", p.rejection().file());
        assertEquals(7, p.rejection().line());
        assertEquals(text, p.rejection().raw());
        return p.rejection().reason();
    }

    @Test
    void goodLineKeepsEveryField() {
        PairRow r = parse(Objective.STEP_DPO, GOOD).value();
        assertEquals(new PairRow("file:/d/pairs.jsonl", 7, "gsm8k", "P", "Let's think step by step.\nStep 1:", " c",
                " r", " c more", " r more", "5"), r);
        assertEquals("file:/d/pairs.jsonl:7", r.id());
        assertEquals(" c more", Objective.DPO.chosen(r));
        assertEquals(" r", Objective.STEP_DPO.rejected(r));
    }

    @Test
    void stepDpoRules() {
        PairRow empty = parse(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": \"\", \"chosen\": \"c\", \"rejected\": \"r\"}").value();
        assertEquals("", empty.initialReasonSteps(), "empty steps are allowed");
        assertNull(empty.fullChosen());
        assertEquals("missing-field: 'initial_reason_steps' is missing",
                reason(Objective.STEP_DPO, "{\"prompt\": \"P\", \"chosen\": \"c\", \"rejected\": \"r\"}"));
        assertEquals("missing-field: 'initial_reason_steps' is missing", reason(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": null, \"chosen\": \"c\", \"rejected\": \"r\"}"));
        assertEquals("missing-field: 'chosen' is missing", reason(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": \"\", \"chosen\": null, \"rejected\": \"r\"}"));
        assertEquals("missing-field: 'rejected' is empty", reason(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": \"\", \"chosen\": \"c\", \"rejected\": \"  \"}"));
        assertEquals("bad-field: 'chosen' must be a string, found number", reason(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": \"\", \"chosen\": 3, \"rejected\": \"r\"}"));
        assertEquals("bad-field: 'initial_reason_steps' must be a string, found array", reason(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": [], \"chosen\": \"c\", \"rejected\": \"r\"}"));
        assertEquals("missing-field: 'prompt' is missing", reason(Objective.STEP_DPO,
                "{\"initial_reason_steps\": \"\", \"chosen\": \"c\", \"rejected\": \"r\"}"));
    }

    @Test
    void dpoRules() {
        PairRow r = parse(Objective.DPO, "{\"prompt\": \"P\", \"full_chosen\": \"c\", \"full_rejected\": \"r\", "
                + "\"chosen\": 4, \"answer\": 12, \"dataset\": {\"a\": 1}}").value();
        assertNull(r.initialReasonSteps(), "steps are optional for dpo");
        assertEquals("4", r.chosen(), "an unused number is kept as text");
        assertEquals("12", r.answer());
        assertNull(r.dataset(), "an unused object is dropped (the raw line keeps it)");
        assertEquals("missing-field: 'full_rejected' is missing", reason(Objective.DPO,
                "{\"prompt\": \"P\", \"full_chosen\": \"c\", \"chosen\": \"c\", \"rejected\": \"r\"}"));
        assertEquals("bad-field: 'initial_reason_steps' must be a string, found number", reason(Objective.DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": 1, \"full_chosen\": \"c\", \"full_rejected\": \"r\"}"));
    }

    @Test
    void aPairWhoseSidesAreEqualIsSetAside() {
        assertEquals("identical-pair: 'chosen' equals 'rejected'", reason(Objective.STEP_DPO,
                "{\"prompt\": \"P\", \"initial_reason_steps\": \"\", \"chosen\": \"same\", \"rejected\": \"same\"}"));
        assertEquals("identical-pair: 'full_chosen' equals 'full_rejected'", reason(Objective.DPO,
                "{\"prompt\": \"P\", \"full_chosen\": \"x\", \"full_rejected\": \"x\", \"chosen\": \"a\"}"));
        // only the trained sides count: step-dpo pairs may share their full solutions' text
        parse(Objective.STEP_DPO, "{\"prompt\": \"P\", \"initial_reason_steps\": \"\", \"chosen\": \"c\", "
                + "\"rejected\": \"r\", \"full_chosen\": \"f\", \"full_rejected\": \"f\"}").value();
    }

    @Test
    void badLines() {
        assertTrue(reason(Objective.STEP_DPO, "{\"prompt\": ").startsWith("invalid-json: "));
        assertEquals("invalid-json: expected a JSON object, found ARRAY", reason(Objective.STEP_DPO, "[1, 2]"));
        Parsed<PairRow> blank = new PairParser(Objective.STEP_DPO)
                .call(new SourceLine("f", 2, " ", "empty-line: blank line"));
        assertEquals("empty-line", blank.rejection().code());
        assertEquals(2, blank.rejection().line());
    }

    @Test
    void sparkRowsFollowTheSameRules() {
        StructType schema = new StructType().add("prompt", DataTypes.StringType)
                .add("initial_reason_steps", DataTypes.StringType).add("chosen", DataTypes.StringType)
                .add("rejected", DataTypes.IntegerType).add("answer", DataTypes.LongType);
        PairParser parser = new PairParser(Objective.STEP_DPO);
        Row good = new GenericRowWithSchema(new Object[] {"P", "S", "c", null, 5L}, schema);
        Parsed<PairRow> missing = parser.fromRow(good, "file:/d/p.parquet", 3);
        assertEquals("missing-field: 'rejected' is missing", missing.rejection().reason(), "a null cell is missing");
        assertEquals(3, missing.rejection().line());
        assertEquals("{\"prompt\":\"P\",\"initial_reason_steps\":\"S\",\"chosen\":\"c\",\"rejected\":null,\"answer\":5}",
                missing.rejection().raw());
        Row bad = new GenericRowWithSchema(new Object[] {"P", "S", "c", 4, 5L}, schema);
        assertEquals("bad-field: 'rejected' must be a string, found int",
                parser.fromRow(bad, "file:/d/p.parquet", 4).rejection().reason());
        StructType strings = new StructType().add("prompt", DataTypes.StringType)
                .add("initial_reason_steps", DataTypes.StringType).add("chosen", DataTypes.StringType)
                .add("rejected", DataTypes.StringType).add("answer", DataTypes.LongType);
        PairRow r = parser.fromRow(new GenericRowWithSchema(new Object[] {"P", "", "c", "r", 5L}, strings),
                "file:/d/p.parquet", 5).value();
        assertEquals(new PairRow("file:/d/p.parquet", 5, null, "P", "", "c", "r", null, null, "5"), r);
    }

    @Test
    void sftFieldsAndTheirAlternatives() {
        SftExample.Parser parser = SftExample.parser();
        SftExample a = parser.call(new SourceLine("s", 1,
                "{\"prompt\": \"P\", \"instruction\": \"I\", \"response\": \"R\", \"output\": \"O\"}", null)).value();
        assertEquals(new SftExample("s", 1, "P", null, "R"), a, "prompt and response win over the alternatives");
        SftExample b = parser.call(new SourceLine("s", 2,
                "{\"instruction\": \"I\", \"initial_reason_steps\": \"S\", \"output\": \"O\"}", null)).value();
        assertEquals(new SftExample("s", 2, "I", "S", "O"), b);
        assertEquals("missing-field: neither 'response' nor 'output' is present",
                parser.call(new SourceLine("s", 3, "{\"prompt\": \"P\"}", null)).rejection().reason());
        assertEquals("bad-field: 'prompt' must be a string, found number",
                parser.call(new SourceLine("s", 4, "{\"prompt\": 1, \"instruction\": \"I\", \"output\": \"O\"}", null))
                        .rejection().reason());
        assertEquals("missing-field: 'output' is empty",
                parser.call(new SourceLine("s", 5, "{\"prompt\": \"P\", \"output\": \"\"}", null)).rejection().reason());
    }

    @Test
    void objectiveFlag() {
        assertEquals(Objective.STEP_DPO, Objective.parse("step-dpo"));
        assertEquals(Objective.DPO, Objective.parse("dpo"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Objective.parse("sft"));
        assertEquals("--loss must be one of step-dpo, dpo, got 'sft'", e.getMessage());
        assertTrue(Objective.DPO.appendsEos());
        assertFalse(Objective.STEP_DPO.appendsEos());
    }

    @Test
    void encodeSpecNamesTheFlag() {
        assertEquals("--prompt must be one of alpaca, deepseek-math, qwen2-boxed, plain, chat, got 'alpaca-cot-step'",
                assertThrows(IllegalArgumentException.class,
                        () -> EncodeSpec.pairs("/m", "alpaca-cot-step", Objective.DPO)).getMessage());
        assertEquals("--max-length must be positive, got 0", assertThrows(IllegalArgumentException.class,
                () -> new EncodeSpec("/m", "plain", Objective.DPO, 0, 1)).getMessage());
        assertEquals("--max-prompt-length must be positive, got -1", assertThrows(IllegalArgumentException.class,
                () -> new EncodeSpec("/m", "plain", Objective.DPO, 8, -1)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new EncodeSpec("/m", "plain", Objective.DPO, 8, 8)).getMessage()
                .startsWith("--max-prompt-length (8) must be less than --max-length (8)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> EncodeSpec.pairs("/m", "plain", null))
                .getMessage().startsWith("--loss"));
        EncodeSpec spec = EncodeSpec.pairs("file:/m/x", "plain", Objective.STEP_DPO);
        assertEquals(1024, spec.maxLength());
        assertEquals(512, spec.maxPromptLength());
        assertEquals("/m/x", spec.modelPath().toString());
    }
}
