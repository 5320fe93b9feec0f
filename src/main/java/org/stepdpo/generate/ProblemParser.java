package org.stepdpo.generate;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function;
import org.stepdpo.spark.Rejection;
import org.stepdpo.spark.SourceLine;
import scala.Tuple2;

/**
 * Turns one JSONL line into an {@link Problem}, or a {@link Rejection} that says why not.
 *
 * <p>Required: {@code instruction} (a non-empty string) and {@code answer} (a non-empty list of
 * strings or numbers; a single string or number is taken as a one-element list); in scoring mode
 * also the completion field. Optional: {@code idx}, {@code dataset}, {@code type}, {@code level},
 * and {@code output} (a reference solution, kept when it is a string).
 */
public final class ProblemParser implements Function<SourceLine, ProblemParser.Parsed> {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern ID_NUMBER = Pattern.compile("^(.*?)[_-]?\\d+$");

    private final String completionField;

    /** @param completionField the field holding the completion to score, or null to need none */
    public ProblemParser(String completionField) {
        this.completionField = completionField;
    }

    /** Either a problem or a rejection. */
    public record Parsed(Problem problem, Rejection rejection) implements Serializable {
        public boolean ok() {
            return problem != null;
        }
    }

    /**
     * {@code parsed} with every problem whose {@code idx} an earlier row already has set aside as
     * {@code duplicate-idx}, naming where the kept one is: the first by file path, then line. Each
     * idx is then processed (and appears in the per-sample output) once. Two passes over the
     * problems' keys; nothing changes when no idx repeats.
     */
    public static JavaRDD<Parsed> uniqueIdx(JavaRDD<Parsed> parsed) {
        JavaPairRDD<String, Tuple2<String, Long>> where = parsed.filter(Parsed::ok)
                .mapToPair(p -> new Tuple2<>(p.problem().idx(), new Tuple2<>(p.problem().file(), p.problem().line())));
        Set<String> repeated = new HashSet<>(where.mapValues(w -> 1L).reduceByKey(Long::sum).filter(c -> c._2() > 1)
                .keys().collect());
        if (repeated.isEmpty()) {
            return parsed;
        }
        Map<String, Tuple2<String, Long>> kept = new HashMap<>(where.filter(w -> repeated.contains(w._1()))
                .reduceByKey((a, b) -> first(a, b)).collectAsMap());
        return parsed.map(p -> {
            if (!p.ok()) {
                return p;
            }
            Tuple2<String, Long> first = kept.get(p.problem().idx());
            Problem x = p.problem();
            if (first == null || (first._1().equals(x.file()) && first._2() == x.line())) {
                return p;
            }
            return new Parsed(null, new Rejection(x.file(), x.line(), "duplicate-idx: idx '" + x.idx()
                    + "' is also at " + first._1() + " line " + first._2() + ", which is kept", x.instruction()));
        });
    }

    private static Tuple2<String, Long> first(Tuple2<String, Long> a, Tuple2<String, Long> b) {
        int byFile = a._1().compareTo(b._1());
        return byFile < 0 || (byFile == 0 && a._2() <= b._2()) ? a : b;
    }

    @Override
    public Parsed call(SourceLine src) {
        if (!src.usable()) {
            return new Parsed(null, src.reject(src.problem()));
        }
        try {
            return new Parsed(parse(src), null);
        } catch (BadRow e) {
            return new Parsed(null, src.reject(e.getMessage()));
        }
    }

    private Problem parse(SourceLine src) throws BadRow {
        JsonNode row;
        try {
            row = JSON.readTree(src.text());
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new BadRow("too-long: a line of " + src.text().length() + " characters holds a value over the JSON "
                    + "reader's limits (" + e.getOriginalMessage() + ")");
        } catch (JsonProcessingException e) {
            throw new BadRow("invalid-json: " + e.getOriginalMessage());
        }
        if (row == null || !row.isObject()) {
            throw new BadRow("invalid-json: expected a JSON object");
        }
        String instruction = requiredString(row, "instruction");
        List<String> answers = answers(row);
        String completion = completionField == null ? null : requiredString(row, completionField);
        String idx = optionalScalar(row, "idx");
        if (idx == null) {
            idx = baseName(src.file()) + ":" + src.line();
        }
        String dataset = optionalScalar(row, "dataset");
        if (dataset == null) {
            dataset = inferDataset(idx, src.file());
        }
        return new Problem(src.file(), src.line(), idx, dataset, optionalScalar(row, "type"),
                optionalScalar(row, "level"), instruction, answers, reference(row), completion);
    }

    /** The reference solution ({@code output}) when it is a non-blank string; null otherwise. */
    private static String reference(JsonNode row) {
        JsonNode v = row.get("output");
        return v != null && v.isTextual() && !v.asText().isBlank() ? v.asText() : null;
    }

    private static String requiredString(JsonNode row, String field) throws BadRow {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) {
            throw new BadRow("missing-field: '" + field + "' is missing");
        }
        if (!v.isTextual()) {
            throw new BadRow("bad-field: '" + field + "' must be a string, found " + v.getNodeType());
        }
        if (v.asText().isBlank()) {
            throw new BadRow("missing-field: '" + field + "' is empty");
        }
        return v.asText();
    }

    private static List<String> answers(JsonNode row) throws BadRow {
        JsonNode v = row.get("answer");
        if (v == null || v.isNull()) {
            throw new BadRow("missing-field: 'answer' is missing");
        }
        List<String> out = new ArrayList<>();
        if (v.isArray()) {
            for (JsonNode a : v) {
                if (!a.isValueNode() || a.isNull()) {
                    throw new BadRow("bad-field: 'answer' must be a list of strings, found an element of type "
                            + a.getNodeType());
                }
                out.add(a.asText());
            }
        } else if (v.isValueNode()) {
            out.add(v.asText());
        } else {
            throw new BadRow("bad-field: 'answer' must be a list of strings, found " + v.getNodeType());
        }
        if (out.isEmpty() || out.stream().allMatch(String::isBlank)) {
            throw new BadRow("missing-field: 'answer' is empty");
        }
        return out;
    }

    private static String optionalScalar(JsonNode row, String field) throws BadRow {
        JsonNode v = row.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isValueNode()) {
            throw new BadRow("bad-field: '" + field + "' must be a string or number, found " + v.getNodeType());
        }
        return v.asText();
    }

    /** GSM8K_12 → GSM8K, hendrycks_math_7 → MATH, else the id's prefix, else the file name. */
    static String inferDataset(String idx, String file) {
        Matcher m = ID_NUMBER.matcher(idx);
        if (m.matches() && !m.group(1).isEmpty() && !idx.contains(":")) {
            String prefix = m.group(1);
            return prefix.equalsIgnoreCase("hendrycks_math") ? "MATH" : prefix;
        }
        String name = baseName(file);
        int dot = name.indexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String baseName(String file) {
        return file.substring(file.lastIndexOf('/') + 1);
    }

    /** A row-level problem, carried as its reason. */
    private static final class BadRow extends Exception {
        BadRow(String reason) {
            super(reason, null, false, false);
        }
    }
}
