package org.stepdpo.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.stepdpo.spark.SourceLine;

class ProblemParserTest {
    private final ProblemParser scoring = new ProblemParser("output");

    private ProblemParser.Parsed parse(String json) {
        return scoring.call(new SourceLine("/data/test.jsonl", 7, json, null));
    }

    private String reason(String json) {
        ProblemParser.Parsed p = parse(json);
        assertFalse(p.ok(), json);
        return p.rejection().reason();
    }

    @Test
    void parsesAGoodRowWithOptionalFields() {
        Problem p = parse("{\"idx\": \"hendrycks_math_3\", \"instruction\": \"Q?\", \"answer\": [\"1\", 2],"
                + " \"type\": \"Algebra\", \"level\": 5, \"output\": \"so \\\\boxed{1}\"}").problem();
        assertEquals("hendrycks_math_3", p.idx());
        assertEquals("MATH", p.dataset());
        assertEquals("Algebra", p.type());
        assertEquals("5", p.level());
        assertEquals(List.of("1", "2"), p.answers());
        assertEquals("so \\boxed{1}", p.completion());
        assertEquals(7, p.line());
    }

    @Test
    void infersDatasetAndIdWhenAbsent() {
        assertEquals("GSM8K", ProblemParser.inferDataset("GSM8K_12", "/x/y.jsonl"));
        assertEquals("MATH", ProblemParser.inferDataset("hendrycks_math_7", "/x/y.jsonl"));
        assertEquals("y", ProblemParser.inferDataset("y.jsonl:3", "/x/y.jsonl"));
        Problem p = parse("{\"instruction\": \"Q\", \"answer\": \"4\", \"output\": \"4\"}").problem();
        assertEquals("test.jsonl:7", p.idx());
        assertEquals("test", p.dataset());
        assertEquals(List.of("4"), p.answers());
        assertNull(p.type());
    }

    @Test
    void rejectsBadRowsWithAReasonEach() {
        assertTrue(reason("{\"instruction\": \"Q\", \"answer\": [\"1\"]").startsWith("invalid-json"));
        assertTrue(reason("[1, 2]").startsWith("invalid-json: expected a JSON object"));
        assertEquals("missing-field: 'answer' is missing", reason("{\"instruction\": \"Q\", \"output\": \"o\"}"));
        assertEquals("missing-field: 'answer' is empty",
                reason("{\"instruction\": \"Q\", \"answer\": [], \"output\": \"o\"}"));
        assertEquals("missing-field: 'instruction' is missing", reason("{\"answer\": [\"1\"], \"output\": \"o\"}"));
        assertEquals("missing-field: 'instruction' is empty",
                reason("{\"instruction\": \" \", \"answer\": [\"1\"], \"output\": \"o\"}"));
        assertTrue(reason("{\"instruction\": 3, \"answer\": [\"1\"], \"output\": \"o\"}").startsWith("bad-field"));
        assertTrue(reason("{\"instruction\": \"Q\", \"answer\": [[1]], \"output\": \"o\"}").startsWith("bad-field"));
        assertEquals("missing-field: 'output' is missing", reason("{\"instruction\": \"Q\", \"answer\": [\"1\"]}"));
    }

    @Test
    void passesOnDecodingProblems() {
        ProblemParser.Parsed p = scoring.call(new SourceLine("f", 2, "", "empty-line: blank line"));
        assertFalse(p.ok());
        assertEquals("empty-line", p.rejection().code());
        assertEquals(2, p.rejection().line());
    }
}
