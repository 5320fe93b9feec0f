package org.stepdpo.math;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Brings a final answer to a canonical string, in the manner of DeepSeekMath's
 * {@code strip_string}: unwraps text commands, drops spacing, sizing, units, degree marks, dollar
 * and percent signs, rewrites {@code \dfrac}, {@code \sqrt2}, {@code \frac12}, {@code a/b},
 * thousands separators and trailing {@code .0}, removes a short left side ({@code x = 5}) and
 * all spaces. {@code \cdot} and {@code \times} become {@code *}, so products keep their value.
 * Stateless and thread-safe.
 */
public final class AnswerNormalizer {

    private static final Pattern SIZING = Pattern.compile(
            "\\\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![a-zA-Z])\\.?");
    private static final List<String> UNWRAPPED = List.of("\\text", "\\textbf", "\\textit",
            "\\textrm", "\\textsf", "\\texttt", "\\textnormal", "\\mathrm", "\\mathbf", "\\mathit",
            "\\mathsf", "\\mbox", "\\hbox", "\\emph", "\\boxed", "\\fbox", "\\operatorname");
    private static final Pattern AND_LEADING = Pattern.compile("(^|,)\\s*(?:and|or)(?![A-Za-z])\\s*");
    private static final Pattern AND_INNER =
            Pattern.compile("(?<=[^A-Za-z\\\\])\\s+(?:and|or)\\s+(?=\\S)");
    /**
     * {@code \\frac} written with a doubled backslash, as in answers copied out of string literals
     * (a matrix row break before a command, {@code \\\frac}, has three and is left alone).
     */
    private static final Pattern DOUBLED_BACKSLASH = Pattern.compile("(?<!\\\\)\\\\\\\\(?=(?:[dt]?frac|left|right|le|leq|ge|geq"
            + "|lt|gt|neq|ne|pi|sqrt|cdot|times|infty|in|text|mathrm|boxed|pm|approx)(?![A-Za-z]))");
    private static final Pattern NOT_EQUAL = Pattern.compile("!=|\\\\ne(?![A-Za-z])|\u2260");
    /** Between two brackets, {@code (11,7)or(7,11)}: a list separator. */
    private static final Pattern AND_BETWEEN = Pattern.compile("(?<=[)\\]}])\\s*(?:and|or)\\s*(?=[(\\[\\\\])");
    /** A name for the answer: {@code |AB|}, {@code S_{MBCN}}, {@code \frac{NO}{BO}}, or a ratio of such. */
    private static final String LABEL_PIECE =
            "(?:\\|[A-Za-z]+\\||[A-Za-z]+(?:_\\{?\\w+\\}?)?|\\\\frac\\{[A-Za-z]+\\}\\{[A-Za-z]+\\})";
    private static final Pattern LABEL = Pattern.compile(LABEL_PIECE + "(?::" + LABEL_PIECE + ")*");
    /** A letter outside LaTeX commands. */
    private static final Pattern PLAIN_LETTER = Pattern.compile("(?<![\\\\A-Za-z])[A-Za-z]");
    private static final Pattern SHORT_SCRIPT = Pattern.compile("([_^])\\{(\\w)\\}");
    private static final Pattern APPROX = Pattern.compile("^(\\\\approx|\\\\sim|\u2248)");
    private static final Pattern REPEATING =
            Pattern.compile("(-?)(\\d*)\\.(\\d*)\\\\overline\\{(\\d{1,9})\\}");
    private static final Pattern THOUSANDS =
            Pattern.compile("(?<![\\d.,])(\\d{1,3})((?:,\\d{3})+)(?![\\d,])");
    private static final Pattern TRAILING_ZEROS = Pattern.compile("(\\d)\\.0+(?!\\d)");
    private static final Pattern LEADING_POINT = Pattern.compile("(?<![\\d}])\\.(\\d)");
    private static final Pattern INT_SLASH = Pattern.compile("(-?)(\\d+)/(\\d+)");
    private static final Pattern MIXED = Pattern.compile("(-?)(\\d+)\\\\frac\\{(\\d+)\\}\\{(\\d+)\\}");
    private static final Pattern MEMBER = Pattern.compile("^[A-Za-z]\\s*\\\\in(?![a-zA-Z])");
    private static final Pattern SHORT_LHS = Pattern.compile(
            "(?!\\d+$).{1,2}|[A-Za-z](_\\{?\\w+\\}?)?(\\([A-Za-z]\\))?|\\\\[A-Za-z]+|\\([A-Za-z](,[A-Za-z])+\\)");

    private AnswerNormalizer() {
    }

    /** The canonical form of {@code answer} ("" for null). */
    public static String normalize(String answer) {
        return stripShortLhs(clean(answer));
    }

    /** Everything {@link #normalize} does except removing a short left side. */
    static String clean(String answer) {
        return clean(answer, true);
    }

    /**
     * {@link #clean(String)}, optionally without collapsing thousands separators, for answers
     * such as {@code 70,110} that may be a list of two values.
     */
    static String clean(String answer, boolean collapseThousands) {
        if (answer == null) {
            return "";
        }
        return canonicalMath(dropDecorations(plainLatex(answer)), collapseThousands);
    }

    /** Unicode symbols, boxes, spacing and sizing commands, {@code \dfrac}, dollar signs. */
    private static String plainLatex(String answer) {
        String s = DOUBLED_BACKSLASH.matcher(unicode(answer).replaceAll("\\s", " ").strip()).replaceAll("\\\\");
        s = Latex.replaceCommand(s, "\\boxed", inner -> inner);
        s = Latex.replaceCommand(s, "\\fbox", inner -> inner);
        s = dropSpacing(s);
        s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac").replace("\\cfrac", "\\frac");
        s = SIZING.matcher(s).replaceAll("");
        s = NOT_EQUAL.matcher(s).replaceAll("\\\\neq ");
        return s.replace("\\displaystyle", "").replace("\\$", "").replace("$", "");
    }

    /** Units, degree and percent marks, text commands, "and"/"or" in lists, {@code \approx}. */
    private static String dropDecorations(String s) {
        s = Units.stripTrailingText(s);
        s = dropDegreesAndPercent(s);
        for (int round = 0; round < 4; round++) {
            String before = s;
            for (String cmd : UNWRAPPED) {
                s = Latex.replaceCommand(s, cmd, inner -> inner);
            }
            if (s.equals(before)) {
                break;
            }
        }
        s = s.replace("{,}", ",").replace("\\mathbb{R}", "(-\\infty,\\infty)")
                .replace("\\varnothing", "\\emptyset").replace("\\{\\}", "\\emptyset");
        s = AND_BETWEEN.matcher(s).replaceAll(",");
        s = AND_LEADING.matcher(s).replaceAll("$1");
        s = AND_INNER.matcher(s).replaceAll(",");
        s = Units.stripTrailingWords(s);
        return APPROX.matcher(s.strip()).replaceFirst("");
    }

    /** Products, infinity, thousands, macro arguments, spaces, and the forms of numbers. */
    private static String canonicalMath(String s, boolean collapseThousands) {
        s = s.replace("\\cdot", "*").replace("\\times", "*");
        s = infinity(s);
        s = MEMBER.matcher(s.strip()).replaceFirst("");
        s = collapseThousands ? thousands(s) : s;
        s = fixArguments(s);
        s = s.replaceAll("\\s+", "");
        s = SHORT_SCRIPT.matcher(s).replaceAll("$1$2");
        while (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        s = TRAILING_ZEROS.matcher(s).replaceAll("$1");
        s = LEADING_POINT.matcher(s).replaceAll("0.$1");
        Matcher slash = INT_SLASH.matcher(s);
        if (slash.matches()) {
            s = slash.group(1) + "\\frac{" + slash.group(2) + "}{" + slash.group(3) + "}";
        }
        return repeatingDecimal(mixedNumber(s));
    }

    /** Removes {@code x =} (or {@code f(x) =}, {@code \theta =}, {@code (x,y) =}) in front. */
    static String stripShortLhs(String s) {
        List<String> sides = Latex.splitTopLevel(s, "=");
        if (sides.size() == 2 && !sides.get(1).isEmpty()
                && (SHORT_LHS.matcher(sides.get(0)).matches() || labelled(sides.get(0), sides.get(1)))) {
            return mixedNumber(sides.get(1));
        }
        return s;
    }

    /**
     * The answer a chain of equalities or an approximation settles on: {@code x=5+5+1=11} is
     * {@code x=11}, {@code z=3+3=2} is {@code z=2}; {@code x=1/3\approx0.33} is {@code x=1/3} (the
     * exact value) and {@code x\approx11} is {@code 11}. Lists are left alone.
     */
    static String settle(String s) {
        if (Latex.splitTopLevel(s, ",").size() > 1) {
            return s;
        }
        List<String> approx = Latex.splitTopLevel(s, "\\approx");
        if (approx.size() > 1) {
            String before = approx.get(0);
            String exact = stripShortLhs(before);
            boolean bare = before.isEmpty() || (exact.equals(before) && SHORT_LHS.matcher(before).matches());
            s = bare ? approx.get(approx.size() - 1) : before;
        }
        List<String> sides = Latex.splitTopLevel(s, "=");
        if (sides.size() > 2 && !sides.get(sides.size() - 1).isEmpty()) {
            String first = sides.get(0);
            String last = sides.get(sides.size() - 1);
            return SHORT_LHS.matcher(first).matches() || labelled(first, last) ? first + "=" + last : last;
        }
        return s;
    }

    /** A named constant, {@code V_1:V_2=11:21}: a label on the left, no variable on the right. */
    private static boolean labelled(String left, String right) {
        return LABEL.matcher(left).matches()
                && !PLAIN_LETTER.matcher(right.replaceAll("\\\\[A-Za-z]+", " ")).find();
    }

    /** A mixed number {@code 6\frac{1}{5}} becomes the improper fraction {@code \frac{31}{5}}. */
    private static String mixedNumber(String s) {
        Matcher m = MIXED.matcher(s);
        if (!m.matches() || m.group(2).length() > 9 || m.group(3).length() > 9
                || m.group(4).length() > 9 || Long.parseLong(m.group(4)) == 0) {
            return s;
        }
        long den = Long.parseLong(m.group(4));
        long num = Long.parseLong(m.group(2)) * den + Long.parseLong(m.group(3));
        return m.group(1) + "\\frac{" + num + "}{" + den + "}";
    }

    /** A repeating decimal {@code 0.1\overline{6}} becomes the fraction {@code \frac{15}{90}}. */
    private static String repeatingDecimal(String s) {
        Matcher m = REPEATING.matcher(s);
        if (!m.matches() || m.group(2).length() + m.group(3).length() > 9) {
            return s;
        }
        String fixed = m.group(2) + m.group(3);
        long all = Long.parseLong(fixed + m.group(4));
        long head = Long.parseLong(fixed.isEmpty() ? "0" : fixed);
        long den = Long.parseLong("9".repeat(m.group(4).length()) + "0".repeat(m.group(3).length()));
        return m.group(1) + "\\frac{" + (all - head) + "}{" + den + "}";
    }

    private static String unicode(String s) {
        return s.replace('\u2212', '-').replace("\u00d7", "\\times ").replace("\u00b7", "\\cdot ")
                .replace("\u03c0", "\\pi ").replace("\u221e", "\\infty ").replace("\u221a", "\\sqrt")
                .replace("\u00b0", "^\\circ").replace("\u2013", "-")
                .replace("\u2264", "\\le ").replace("\u2265", "\\ge ");
    }

    /** Drops {@code \! \, \; \: \ } and {@code ~}, {@code \quad}; keeps {@code \\} row breaks. */
    private static String dropSpacing(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '~') {
                out.append(' ');
            } else if (c != '\\' || i + 1 >= s.length()) {
                out.append(c);
            } else {
                char next = s.charAt(i + 1);
                if (next == '\\') {
                    out.append("\\\\");
                    i++;
                } else if ("!,;: ".indexOf(next) >= 0) {
                    out.append(next == ' ' ? " " : "");
                    i++;
                    while (next == '!' && i + 1 < s.length() && s.charAt(i + 1) == ' ') {
                        i++; // "11,\! 111": a negative space joins what follows
                    }
                } else if (!Character.isDigit(next)) {
                    out.append(c);
                }
                // a backslash before a digit is the rest of a lost "\ " space and is dropped
            }
        }
        return out.toString().replace("\\qquad", " ").replace("\\quad", " ");
    }

    private static String dropDegreesAndPercent(String s) {
        return s.replace("{}^\\circ", "").replace("^{\\circ}", "").replace("^\\circ", "")
                .replace("^{\\circ }", "").replace("\\circ", "").replace("\\degree", "")
                .replace("\\%", "").replace("%", "").replace("\\percent", "");
    }

    private static String infinity(String s) {
        String out = s.replace("infinity", "\\infty");
        if (!out.contains("\\infty")) {
            out = out.replaceAll("(?<![A-Za-z\\\\])inf(?![A-Za-z])", "\\\\infty");
        }
        return out.replaceAll("(^|[(\\[,])\\s*\\+\\s*\\\\infty", "$1\\\\infty");
    }

    /** Collapses 3-digit groups ({@code 1,000,000}) outside parentheses and square brackets. */
    private static String thousands(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : 0;
            boolean open = c == '(' || c == '[';
            boolean close = c == ')' || c == ']';
            if (i == s.length() || open || close) {
                String piece = s.substring(start, i);
                out.append(depth == 0 ? collapseGroups(piece) : piece);
                if (i < s.length()) {
                    out.append(c);
                }
                depth = Math.max(0, depth + (open ? 1 : close ? -1 : 0));
                start = i + 1;
            }
        }
        return out.toString();
    }

    private static String collapseGroups(String piece) {
        Matcher m = THOUSANDS.matcher(piece);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, m.group(1) + m.group(2).replace(",", ""));
        }
        return m.appendTail(out).toString();
    }

    /** Braces the arguments of {@code \frac}, {@code \sqrt} and {@code \binom}: {@code \frac12}. */
    static String fixArguments(String s) {
        StringBuilder out = new StringBuilder(s.length() + 8);
        int i = 0;
        while (i < s.length()) {
            String cmd = s.startsWith("\\frac", i) ? "\\frac"
                    : s.startsWith("\\binom", i) ? "\\binom"
                    : s.startsWith("\\sqrt", i) ? "\\sqrt" : null;
            int after = cmd == null ? -1 : i + cmd.length();
            if (cmd == null || (after < s.length() && Character.isLetter(s.charAt(after)))) {
                out.append(s.charAt(i++));
                continue;
            }
            out.append(cmd);
            if (cmd.equals("\\sqrt") && after < s.length() && s.charAt(after) == '[') {
                int close = s.indexOf(']', after);
                if (close < 0) {
                    i = after;
                    continue;
                }
                out.append(s, after, close + 1);
                after = close + 1;
            }
            int args = cmd.equals("\\sqrt") ? 1 : 2;
            for (int a = 0; a < args; a++) {
                int[] arg = Latex.readArgument(s, after);
                if (arg == null) {
                    break;
                }
                out.append('{').append(fixArguments(s.substring(arg[0], arg[1]))).append('}');
                after = arg[2];
            }
            i = after;
        }
        return out.toString();
    }
}
