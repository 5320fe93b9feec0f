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
        String minerva = minerva(completion);
        if (minerva != null) {
            return List.of(minerva);
        }
        List<String> boxed = boxed(completion);
        if (!boxed.isEmpty()) {
            return boxed;
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
