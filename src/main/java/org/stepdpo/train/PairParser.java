package org.stepdpo.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.stepdpo.generate.PairRow;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.SourceLine;

/**
 * Turns one JSONL line (or one Parquet row) into a {@link PairRow}, or a {@link Rejection} that says
 * why not.
 *
 * <p>Required for {@code step-dpo}: non-empty strings {@code prompt}, {@code chosen}, {@code rejected},
 * and the string {@code initial_reason_steps} (empty allowed, missing or null rejected). Required for
 * {@code dpo}: non-empty strings {@code prompt}, {@code full_chosen}, {@code full_rejected}; there
 * {@code initial_reason_steps} is optional but must be a string when present. Fields the objective
 * does not use are kept when they are strings, numbers or booleans (as text) and dropped otherwise.
 * Reason codes: {@code empty-line}, {@code invalid-utf8} (from {@link org.stepdpo.spark.TextLines}),
 * {@code invalid-json}, {@code missing-field} (absent, null or blank), {@code bad-field} (not a string).
 */
public final class PairParser implements PairData.Reader<PairRow> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Objective objective;

    /** A parser of pairs for {@code objective}. */
    public PairParser(Objective objective) {
        if (objective == null) {
            throw new IllegalArgumentException("objective is null: expected step-dpo or dpo (--loss)");
        }
        this.objective = objective;
    }

    /** Either a value or a rejection. */
    public record Parsed<T>(T value, Rejection rejection) implements Serializable {
        /** Whether this holds a value. */
        public boolean ok() {
            return value != null;
        }
    }

    /** The fields of one record: a String, an {@link Other}, or absent when missing or null. */
    @FunctionalInterface
    interface RecordReader<T> {
        T read(Map<String, Object> fields, String file, long line) throws BadRow;
    }

    /** A field value that is not a string: its type name and, for numbers and booleans, its text. */
    record Other(String type, String text) {}

    @Override
    public Parsed<PairRow> call(SourceLine src) {
        return parseLine(src, this::read);
    }

    @Override
    public Parsed<PairRow> fromRow(Row row, String file, long line) {
        return parseRow(row, file, line, this::read);
    }

    private PairRow read(Map<String, Object> f, String file, long line) throws BadRow {
        boolean step = objective == Objective.STEP_DPO;
        String prompt = required(f, "prompt");
        String steps = step ? requiredMayBeEmpty(f, "initial_reason_steps") : optionalString(f, "initial_reason_steps");
        String chosen = step ? required(f, "chosen") : optionalText(f, "chosen");
        String rejected = step ? required(f, "rejected") : optionalText(f, "rejected");
        String fullChosen = step ? optionalText(f, "full_chosen") : required(f, "full_chosen");
        String fullRejected = step ? optionalText(f, "full_rejected") : required(f, "full_rejected");
        // a pair whose two sides are the same text teaches nothing (its margin is 0 whatever the model)
        if (step ? chosen.equals(rejected) : fullChosen.equals(fullRejected)) {
            throw new BadRow("identical-pair: '" + (step ? "chosen" : "full_chosen") + "' equals '"
                    + (step ? "rejected" : "full_rejected") + "'");
        }
        return new PairRow(file, line, optionalText(f, "dataset"), prompt, steps, chosen, rejected, fullChosen,
                fullRejected, optionalText(f, "answer"));
    }

    /** One JSONL line through {@code reader}; unusable lines and bad rows become rejections. */
    static <T> Parsed<T> parseLine(SourceLine src, RecordReader<T> reader) {
        if (!src.usable()) {
            return new Parsed<>(null, src.reject(src.problem()));
        }
        try {
            return new Parsed<>(reader.read(jsonFields(src.text()), src.file(), src.line()), null);
        } catch (BadRow e) {
            return new Parsed<>(null, src.reject(e.getMessage()));
        }
    }

    /** One Spark SQL row through {@code reader}; the rejection's raw text is the row as JSON. */
    static <T> Parsed<T> parseRow(Row row, String file, long line, RecordReader<T> reader) {
        try {
            return new Parsed<>(reader.read(rowFields(row), file, line), null);
        } catch (BadRow e) {
            return new Parsed<>(null, new Rejection(file, line, e.getMessage(), row.json()));
        }
    }

    static Map<String, Object> jsonFields(String text) throws BadRow {
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BadRow("invalid-json: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new BadRow("invalid-json: expected a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = e.getValue();
            if (v.isTextual()) {
                fields.put(e.getKey(), v.asText());
            } else if (!v.isNull()) {
                boolean scalar = v.isNumber() || v.isBoolean();
                fields.put(e.getKey(), new Other(v.getNodeType().toString().toLowerCase(), scalar ? v.asText() : null));
            }
        }
        return fields;
    }

    static Map<String, Object> rowFields(Row row) {
        Map<String, Object> fields = new LinkedHashMap<>();
        StructField[] schema = row.schema().fields();
        for (int i = 0; i < schema.length; i++) {
            if (row.isNullAt(i)) {
                continue;
            }
            DataType type = schema[i].dataType();
            if (type instanceof StringType) {
                fields.put(schema[i].name(), row.getString(i));
            } else {
                boolean scalar = type instanceof NumericType || type instanceof BooleanType;
                String text = scalar ? String.valueOf(row.get(i)) : null;
                fields.put(schema[i].name(), new Other(type.simpleString(), text));
            }
        }
        return fields;
    }

    /** A string that is present and not blank. */
    static String required(Map<String, Object> f, String field) throws BadRow {
        String v = requiredMayBeEmpty(f, field);
        if (v.isBlank()) {
            throw new BadRow("missing-field: '" + field + "' is empty");
        }
        return v;
    }

    /** A string that is present (it may be empty). */
    static String requiredMayBeEmpty(Map<String, Object> f, String field) throws BadRow {
        if (!f.containsKey(field)) {
            throw new BadRow("missing-field: '" + field + "' is missing");
        }
        return optionalString(f, field);
    }

    /** A string, or null when absent; any other type is a bad field. */
    static String optionalString(Map<String, Object> f, String field) throws BadRow {
        Object v = f.get(field);
        if (v instanceof Other o) {
            throw new BadRow("bad-field: '" + field + "' must be a string, found " + o.type());
        }
        return (String) v;
    }

    /** A string, a number or boolean as text, or null (absent, or a list or object). */
    static String optionalText(Map<String, Object> f, String field) {
        Object v = f.get(field);
        return v instanceof Other o ? o.text() : (String) v;
    }

    /** A row-level problem, carried as its reason ({@code code: detail}). */
    static final class BadRow extends Exception {
        BadRow(String reason) {
            super(reason, null, false, false);
        }
    }
}
