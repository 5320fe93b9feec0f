package org.stepdpo.eval;

import java.io.Serializable;
import java.util.List;

/**
 * One evaluation row: a problem with its gold answers and, in scoring mode, its completion.
 *
 * @param file        input file it came from
 * @param line        1-based line number in that file
 * @param idx         the row's id ({@code idx} field, or {@code FILE:LINE} when absent)
 * @param dataset     {@code dataset} field, else inferred from the id (GSM8K, MATH), else the file name
 * @param type        MATH subject ({@code type}), or null
 * @param level       difficulty ({@code level}), or null
 * @param instruction the problem text
 * @param answers     gold answers (several when the reference boxes several)
 * @param completion  the solution to score, or null in generation mode
 */
public record EvalProblem(String file, long line, String idx, String dataset, String type, String level,
        String instruction, List<String> answers, String completion) implements Serializable {}
