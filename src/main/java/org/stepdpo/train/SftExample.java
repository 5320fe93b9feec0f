package org.stepdpo.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.stepdpo.generate.PairRow;
import org.stepdpo.spark.SourceLine;

/**
 * One supervised fine-tuning example as read, located by its source.
 *
 * <p>Fields: the problem in {@code prompt} (or, when that is absent or null, {@code instruction}),
 * optional {@code initial_reason_steps} (a string when present), and the target in {@code response}
 * (or {@code output}). Problem and target must be non-blank strings. Reason codes as in
 * {@link PairParser}.
 *
 * @param file               the input file
 * @param line               1-based line (JSONL) or row (Parquet) number within that file
 * @param prompt             the bare problem
 * @param initialReasonSteps steps already given before the response, or null
 * @param response           the text to learn
 */
public record SftExample(String file, long line, String prompt, String initialReasonSteps, String response)
        implements Serializable {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The example's id: {@code file:line}. */
    public String id() {
        return file + ":" + line;
    }

    /** The three fields as one JSON object (null fields left out), for rejection records. */
    public String toJson() {
        ObjectNode o = JSON.createObjectNode();
        PairRow.putIfPresent(o, "prompt", prompt);
        PairRow.putIfPresent(o, "initial_reason_steps", initialReasonSteps);
        PairRow.putIfPresent(o, "response", response);
        return o.toString();
    }

    /** A parser of SFT examples from JSONL lines and Parquet rows. */
    public static Parser parser() {
        return new Parser();
    }

    static SftExample read(Map<String, Object> f, String file, long line) throws PairParser.BadRow {
        String prompt = PairParser.required(f, either(f, "prompt", "instruction"));
        String steps = PairParser.optionalString(f, "initial_reason_steps");
        String response = PairParser.required(f, either(f, "response", "output"));
        return new SftExample(file, line, prompt, steps, response);
    }

    /** {@code first} when the record has it, else {@code second}; names both when neither is there. */
    private static String either(Map<String, Object> f, String first, String second) throws PairParser.BadRow {
        if (f.containsKey(first)) {
            return first;
        }
        if (f.containsKey(second)) {
            return second;
        }
        throw new PairParser.BadRow("missing-field: neither '" + first + "' nor '" + second + "' is present");
    }

    /** Turns a JSONL line or Parquet row into an {@link SftExample} or a rejection. */
    public static final class Parser implements PairData.Reader<SftExample> {
        @Override
        public PairParser.Parsed<SftExample> call(SourceLine src) {
            return PairParser.parseLine(src, SftExample::read);
        }

        @Override
        public PairParser.Parsed<SftExample> fromRow(Row row, String file, long line) {
            return PairParser.parseRow(row, file, line, SftExample::read);
        }
    }
}
