package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the final answers out of a model completion or a reference solution.
 *
 * <p>Priority, first match wins:
 * <ol>
 *   <li>the text between {@code final answer is $} and {@code $. I hope} (Minerva format);</li>
 *   <li>every brace-matched {@code \boxed{...}} and {@code \fbox{...}}, in order (also
 *       {@code \boxed 5} without braces); a {@code \%} or degree mark right after the closing
 *       brace is kept with the answer;</li>
 *   <li>the text after the last {@code he answer is} (GSM8K style {@code The answer is: 18});</li>
 *   <li>the number after the last GSM8K {@code ####};</li>
 *   <li>the last number in the text.</li>
 * </ol>
 * Stateless and thread-safe.
 */
public final class AnswerExtractor {

    private static final Pattern NUMBER =
            Pattern.compile("-?(?:\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.\\d+)?|-?\\.\\d+");
    private static final String[] BOX_COMMANDS = {"\\boxed", "\\fbox"};
    private static final String[] KEPT_SUFFIXES = {"\\%", "%", "^\\circ", "^{\\circ}", "°"};

    private AnswerExtractor() {
    }

    /** The final answers in {@code completion}; an empty list when nothing was found. */
    public static List<String> extract(String completion) {
        if (completion == null || completion.isBlank()) {
            return List.of();
        }
        List<String> marked = marked(completion);
        if (!marked.isEmpty()) {
            return marked;
        }
        String stated = afterLast(completion, "he answer is");
        if (stated != null) {
            return List.of(stated);
        }
        String hashes = afterLast(completion, "####");
        if (hashes != null) {
            return List.of(hashes);
        }
        String number = lastNumber(completion);
        return number == null ? List.of() : List.of(number);
    }

    /**
     * The final answers of a text that may be a whole solution or only an answer, as a grader that
     * treats both sides alike reads it (used for references and predictions alike):
     * <ol>
     *   <li>the Minerva line or boxed answers, as {@link #extract};</li>
     *   <li>a stated answer: after the last {@code Final Answer:}, {@code final answer is} or
     *       {@code he answer is} (a sentence such as {@code The largest $n$ is 34.} gives what
     *       follows its last {@code is});</li>
     *   <li>a text of several formulas joined only by commas, {@code and} or {@code or}: each
     *       formula;</li>
     *   <li>a text that is one formula ({@code $...$}, {@code \(...\)}, {@code \[...\]}): its
     *       inside; a bare text without prose (fewer than two words of three or more letters
     *       outside LaTeX commands) and without formulas: the whole text;</li>
     *   <li>otherwise whichever comes last: the last formula (an unclosed {@code $} at the end
     *       opens one) or the last number (or fraction {@code 2/3}) outside formulas.</li>
     * </ol>
     */
    public static List<String> extractAnswers(String text) {
        if (text == null || text.isBlank()) {
            return List.of();
        }
        List<String> marked = marked(text);
        if (!marked.isEmpty()) {
            return marked;
        }
        String stated = statedAnswer(text);
        if (stated != null) {
            return List.of(stated);
        }
        List<String> joined = joinedFormulas(text);
        if (joined.size() > 1) {
            return joined;
        }
        String whole = unwrapMath(text.strip());
        if (!whole.equals(text.strip()) || (!isProse(whole) && !hasMathDelimiters(whole))) {
            return List.of(stripTrailing(whole));
        }
        String last = lastFormulaOrNumber(text);
        return last == null ? List.of() : List.of(last);
    }

    private static final Pattern CONNECTIVES = Pattern.compile("(?:\\s|,|;|\\b(?:and|or)\\b)*");

    /** The formulas of a text made of formulas and connectives only ({@code $1$ and $2$}); else empty. */
    private static List<String> joinedFormulas(String text) {
        List<String> formulas = new ArrayList<>();
        Matcher m = FORMULA.matcher(text);
        int from = 0;
        while (m.find()) {
            if (!CONNECTIVES.matcher(text.substring(from, m.start())).matches()) {
                return List.of();
            }
            for (int g = 1; g <= 4; g++) {
                if (m.group(g) != null && !m.group(g).isBlank()) {
                    formulas.add(m.group(g).strip());
                }
            }
            from = m.end();
        }
        return CONNECTIVES.matcher(stripTrailing(text.substring(from))).matches() ? formulas : List.of();
    }

    private static boolean hasMathDelimiters(String s) {
        return s.replace("\\$", "").contains("$") || s.contains("\\(") || s.contains("\\[");
    }

    /** The answer of the Minerva line, else every boxed answer; empty when there are neither. */
    private static List<String> marked(String text) {
        String minerva = minerva(text);
        return minerva != null ? List.of(minerva) : boxed(text);
    }

    private static final Pattern FINAL_ANSWER =
            Pattern.compile("(?i)final answer(?:\\s*(?:is|:))+|he answer is:?");
    private static final Pattern PROSE_WORD = Pattern.compile("(?<![\\\\A-Za-z])[A-Za-z]{3,}");
    /** A full stop that ends a sentence (not a decimal point), outside {@code $...$}. */
    private static final Pattern SENTENCE_END = Pattern.compile("\\.(?=\\s|<)(?=(?:[^$]*\\$[^$]*\\$)*[^$]*$)");
    /** A number or a fraction of two, {@code 2/3}, as the last answer in prose. */
    private static final Pattern NUMBER_OR_RATIO =
            Pattern.compile("(?:" + NUMBER.pattern() + ")(?:/(?:" + NUMBER.pattern() + "))?");
    private static final Pattern LAST_IS = Pattern.compile("(?s).*\\bis\\s+(.+)$");
    private static final Pattern FORMULA = Pattern.compile(
            "\\$\\$(.+?)\\$\\$|\\$([^$]+)\\$|\\\\\\((.+?)\\\\\\)|\\\\\\[(.+?)\\\\\\]", Pattern.DOTALL);

    /** The answer stated after the last "final answer" marker, or null. */
    private static String statedAnswer(String text) {
        Matcher m = FINAL_ANSWER.matcher(text);
        int end = -1;
        while (m.find()) {
            end = m.end();
        }
        if (end < 0) {
            return null;
        }
        String rest = text.substring(end);
        int newline = rest.strip().indexOf('\n');
        rest = newline >= 0 ? rest.strip().substring(0, newline) : rest.strip();
        Matcher sentenceEnd = SENTENCE_END.matcher(rest);
        if (sentenceEnd.find()) { // "...is 120. I hope it is correct."
            rest = rest.substring(0, sentenceEnd.start());
        }
        rest = rest.strip();
        while (rest.endsWith(".")) {
            rest = rest.substring(0, rest.length() - 1).strip();
        }
        rest = stripTrailing(unwrapMath(rest));
        Matcher is = LAST_IS.matcher(rest);
        if (isProse(unwrapMath(rest)) && is.matches()) {
            rest = is.group(1);
        }
        rest = stripTrailing(unwrapMath(rest.strip()));
        if (isProse(rest)) { // "Jane started growing Sphere 3 hours ago"
            String last = lastFormulaOrNumber(rest);
            rest = last == null ? rest : last;
        }
        return rest.isEmpty() ? null : rest;
    }

    /** The inside of a text that is one formula in {@code $...$}, {@code $$...$$}, {@code \(...\)} or {@code \[...\]}. */
    static String unwrapMath(String s) {
        String t = s.strip();
        String[][] delimiters = {{"$$", "$$"}, {"$", "$"}, {"\\(", "\\)"}, {"\\[", "\\]"}};
        for (String[] d : delimiters) {
            if (t.length() > d[0].length() + d[1].length() && t.startsWith(d[0]) && t.endsWith(d[1])) {
                String inner = t.substring(d[0].length(), t.length() - d[1].length());
                if (!inner.contains(d[0].equals("$") ? "$" : d[1])) {
                    return inner.strip();
                }
            }
        }
        if (t.endsWith("$.") || t.endsWith("$")) {
            String u = stripTrailing(t);
            if (u.startsWith("$") && u.indexOf('$', 1) < 0) {
                return u.substring(1).strip();
            }
        }
        return t;
    }

    /** Whether a text reads as a sentence rather than an answer: two or more plain words. */
    static boolean isProse(String s) {
        String outsideCommands = s.replaceAll("\\\\[A-Za-z]+(\\{[^{}]*\\})?", " ");
        Matcher m = PROSE_WORD.matcher(outsideCommands);
        int words = 0;
        while (m.find()) {
            words++;
        }
        return words >= 2;
    }

    /**
     * Whichever comes last in a longer text: its last formula (between {@code $...$},
     * {@code \\(...\\)} or {@code \\[...\\]}, or after an unclosed {@code $} at the end) or its
     * last number outside formulas; null when it has neither.
     */
    private static String lastFormulaOrNumber(String text) {
        String formula = null;
        int formulaEnd = -1;
        int closedUpTo = 0;
        char[] outside = text.toCharArray();
        Matcher m = FORMULA.matcher(text);
        while (m.find()) {
            for (int g = 1; g <= 4; g++) {
                if (m.group(g) != null && !m.group(g).isBlank()) {
                    formula = m.group(g).strip();
                    formulaEnd = m.end();
                }
            }
            java.util.Arrays.fill(outside, m.start(), m.end(), ' ');
            closedUpTo = m.end();
        }
        int open = text.replace("\\$", "  ").indexOf('$', closedUpTo);
        if (open >= 0 && !stripTrailing(text.substring(open + 1)).isEmpty()) {
            formula = stripTrailing(text.substring(open + 1));
            formulaEnd = text.length();
            java.util.Arrays.fill(outside, open, text.length(), ' ');
        }
        Matcher n = NUMBER_OR_RATIO.matcher(new String(outside));
        String number = null;
        int numberEnd = -1;
        while (n.find()) {
            number = n.group();
            numberEnd = n.end();
        }
        return numberEnd > formulaEnd ? number : formula;
    }

    private static String minerva(String text) {
        String open = "final answer is $";
        int at = text.lastIndexOf(open);
        if (at < 0) {
            return null;
        }
        int start = at + open.length();
        int end = text.indexOf("$. I hope", start);
        if (end < 0) {
            return null;
        }
        String answer = text.substring(start, end).trim();
        return answer.isEmpty() ? null : answer;
    }

    /** Every boxed answer, in order; an inner box inside an outer one is part of the outer one. */
    static List<String> boxed(String text) {
        List<String> answers = new ArrayList<>();
        int i = 0;
        while (true) {
            int at = -1;
            String cmd = null;
            for (String c : BOX_COMMANDS) {
                int found = text.indexOf(c, i);
                if (found >= 0 && (at < 0 || found < at)) {
                    at = found;
                    cmd = c;
                }
            }
            if (at < 0) {
                return answers;
            }
            int j = at + cmd.length();
            if (j < text.length() && Character.isLetter(text.charAt(j))) {
                i = j;
                continue;
            }
            while (j < text.length() && text.charAt(j) == ' ') {
                j++;
            }
            if (j < text.length() && text.charAt(j) == '{') {
                int close = Latex.matchBrace(text, j);
                if (close < 0) {
                    return answers;
                }
                String answer = text.substring(j + 1, close).trim() + keptSuffix(text, close + 1);
                if (!answer.isBlank()) {
                    answers.add(answer);
                }
                i = close + 1;
            } else if (j < text.length()) {
                int end = j;
                while (end < text.length() && !Character.isWhitespace(text.charAt(end))
                        && text.charAt(end) != '$') {
                    end++;
                }
                String answer = stripTrailing(text.substring(j, end));
                if (!answer.isEmpty()) {
                    answers.add(answer);
                }
                i = end;
            } else {
                i = j;
            }
        }
    }

    private static String keptSuffix(String text, int from) {
        for (String suffix : KEPT_SUFFIXES) {
            if (text.startsWith(suffix, from)) {
                return suffix;
            }
        }
        return "";
    }

    /** The rest of the line after the last {@code marker}, without ':' and closing punctuation. */
    private static String afterLast(String text, String marker) {
        int at = text.lastIndexOf(marker);
        if (at < 0) {
            return null;
        }
        String rest = text.substring(at + marker.length());
        int newline = rest.indexOf('\n');
        if (newline >= 0) {
            rest = rest.substring(0, newline);
        }
        rest = rest.strip();
        if (rest.startsWith(":")) {
            rest = rest.substring(1);
        }
        rest = stripTrailing(rest);
        if (rest.startsWith("$") && rest.indexOf('$', 1) < 0) {
            rest = rest.substring(1).strip();
        } else if (rest.startsWith("$") && rest.endsWith("$") && rest.length() > 1) {
            rest = rest.substring(1, rest.length() - 1).strip();
        }
        return rest.isEmpty() ? null : rest;
    }

    /** Removes trailing sentence punctuation and dollar signs. */
    private static String stripTrailing(String s) {
        String out = s.strip();
        while (!out.isEmpty() && ".$".indexOf(out.charAt(out.length() - 1)) >= 0
                && !out.endsWith("\\$")) {
            out = out.substring(0, out.length() - 1).strip();
        }
        return out;
    }

    private static String lastNumber(String text) {
        Matcher m = NUMBER.matcher(text);
        String last = null;
        while (m.find()) {
            last = m.group();
        }
        return last;
    }
}
