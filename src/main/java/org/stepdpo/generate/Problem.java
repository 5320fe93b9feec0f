package org.stepdpo.generate;

import java.io.Serializable;
import java.util.List;

/**
 * One problem row: a problem with its gold answers, its reference solution when the data has one
 * and, in scoring mode or once generated, its completion.
 *
 * @param file        input file it came from
 * @param line        1-based line number in that file
 * @param idx         the row's id ({@code idx} field, or {@code FILE:LINE} when absent)
 * @param dataset     {@code dataset} field, else inferred from the id (GSM8K, MATH), else the file name
 * @param type        MATH subject ({@code type}), or null
 * @param level       difficulty ({@code level}), or null
 * @param instruction the problem text
 * @param answers     gold answers (several when the reference boxes several)
 * @param reference   a reference solution ({@code output} field), or null
 * @param completion  the solution to score, or null in generation mode
 */
public record Problem(String file, long line, String idx, String dataset, String type, String level,
        String instruction, List<String> answers, String reference, String completion) implements Serializable {

    /** The same problem with {@code text} as its completion. */
    public Problem withCompletion(String text) {
        return new Problem(file, line, idx, dataset, type, level, instruction, answers, reference, text);
    }
}
