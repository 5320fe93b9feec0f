package org.stepdpo.model.text;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Rewrites a Jinja2 chat template into text that jinjava parses the way Jinja2 would. Each rewrite
 * keeps the template's meaning and touches only what jinjava reads differently:
 * <ol>
 *   <li>one trailing newline is dropped (Jinja2's {@code keep_trailing_newline=False});</li>
 *   <li>comments {@code {# ... #}} are removed here, honouring {@code {#-} / {@code -#}} and, as
 *       Jinja2 does with {@code lstrip_blocks} and {@code trim_blocks}, the indentation before a
 *       comment alone on its line and the newline after it (jinjava ignores comment whitespace
 *       control);</li>
 *   <li>inside {@code {{ }}} and {@code {% %}}, outside string literals: a keyword argument's value
 *       is parenthesised ({@code f(n=a|length - 1)} → {@code f(n=(a|length - 1))}), because jinjava
 *       binds {@code n=a|length} before the {@code - 1};</li>
 *   <li>an extended slice {@code x[a:b:c]} becomes {@code x.py_slice__(a, b, c)} (see
 *       {@link PythonMethods}), since jinjava parses only {@code x[a:b]};</li>
 *   <li>{@code not} gets Python's precedence by parenthesising its operand
 *       ({@code not x is defined} → {@code not (x is defined)}), see {@link #groupNot}.</li>
 * </ol>
 */
final class TemplateRewriter {

    private static final Pattern EXTENDED_SLICE =
            Pattern.compile("\\[([^\\[\\]:]*):([^\\[\\]:]*):([^\\[\\]:]*)]");

    /** Macro definitions keep their parameter defaults as written. */
    private static final Pattern MACRO = Pattern.compile("\\{%[-+]?\\s*macro\\b");

    private TemplateRewriter() {}

    static String rewrite(String template) {
        String t = template.endsWith("\r\n") ? template.substring(0, template.length() - 2)
                : template.endsWith("\n") ? template.substring(0, template.length() - 1) : template;
        StringBuilder out = new StringBuilder(t.length());
        int i = 0;
        while (i < t.length()) {
            int open = nextTag(t, i);
            if (open < 0) {
                out.append(t, i, t.length());
                break;
            }
            out.append(t, i, open);
            if (t.startsWith("{#", open)) {
                i = dropComment(t, open, out);
            } else {
                int close = tagEnd(t, open + 2, t.startsWith("{{", open) ? "}}" : "%}");
                String tag = t.substring(open, close);
                out.append(MACRO.matcher(tag).lookingAt() ? tag
                        : groupNot(slicesToCalls(parenthesiseKeywordValues(tag))));
                i = close;
            }
        }
        return out.toString();
    }

    private static int nextTag(String t, int from) {
        int best = -1;
        for (String opener : new String[] {"{{", "{%", "{#"}) {
            int at = t.indexOf(opener, from);
            if (at >= 0 && (best < 0 || at < best)) {
                best = at;
            }
        }
        return best;
    }

    /** Index just past the tag's closer, skipping string literals; the end of text if unclosed. */
    private static int tagEnd(String t, int from, String closer) {
        char quote = 0;
        for (int i = from; i < t.length(); i++) {
            char c = t.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (t.startsWith(closer, i)) {
                return i + 2;
            }
        }
        return t.length();
    }

    /** Drops the comment at {@code open} with Jinja2's whitespace rules; returns where text resumes. */
    private static int dropComment(String t, int open, StringBuilder out) {
        int end = t.indexOf("#}", open + 2);
        end = end < 0 ? t.length() : end + 2;
        boolean stripBefore = t.startsWith("{#-", open);
        boolean stripAfter = end >= 3 && t.charAt(end - 3) == '-' && end - 3 > open + 1;
        if (stripBefore) {
            int j = out.length();
            while (j > 0 && Character.isWhitespace(out.charAt(j - 1))) {
                j--;
            }
            out.setLength(j);
        } else {
            int j = out.length();
            while (j > 0 && (out.charAt(j - 1) == ' ' || out.charAt(j - 1) == '\t')) {
                j--;
            }
            if (j == 0 || out.charAt(j - 1) == '\n') {
                out.setLength(j);
            }
        }
        if (stripAfter) {
            while (end < t.length() && Character.isWhitespace(t.charAt(end))) {
                end++;
            }
        } else if (t.startsWith("\r\n", end)) {
            end += 2;
        } else if (end < t.length() && t.charAt(end) == '\n') {
            end++;
        }
        return end;
    }

    /** {@code name=value} inside a call's parentheses becomes {@code name=(value)}. */
    static String parenthesiseKeywordValues(String tag) {
        String masked = mask(tag);
        StringBuilder out = new StringBuilder(tag.length() + 8);
        Deque<Boolean> isCall = new ArrayDeque<>();
        Deque<Boolean> valueOpen = new ArrayDeque<>();
        for (int i = 0; i < tag.length(); i++) {
            char c = masked.charAt(i);
            boolean inCall = !isCall.isEmpty() && isCall.peek();
            if (c == '(' || c == '[' || c == '{') {
                isCall.push(c == '(');
                valueOpen.push(false);
            } else if ((c == ')' || c == ']' || c == '}') && !isCall.isEmpty()) {
                if (inCall && valueOpen.peek()) {
                    out.append(')');
                }
                isCall.pop();
                valueOpen.pop();
            } else if (c == ',' && inCall && valueOpen.peek()) {
                out.append(')');
                valueOpen.pop();
                valueOpen.push(false);
            } else if (c == '=' && inCall && isKeywordEquals(masked, i)) {
                out.append("=(");
                valueOpen.pop();
                valueOpen.push(true);
                continue;
            }
            out.append(tag.charAt(i));
        }
        return out.toString();
    }

    /** True when the {@code =} at {@code i} follows {@code (name} or {@code , name} and is not {@code ==}. */
    private static boolean isKeywordEquals(String masked, int i) {
        if (i + 1 < masked.length() && masked.charAt(i + 1) == '=') {
            return false;
        }
        int j = trimEnd(masked, 0, i);
        int nameEnd = j;
        while (j > 0 && (Character.isLetterOrDigit(masked.charAt(j - 1)) || masked.charAt(j - 1) == '_')) {
            j--;
        }
        if (j == nameEnd) {
            return false;
        }
        j = trimEnd(masked, 0, j);
        return j > 0 && (masked.charAt(j - 1) == '(' || masked.charAt(j - 1) == ',');
    }

    /** Rewrites {@code [a:b:c]} outside string literals into {@code .py_slice__(a, b, c)}. */
    static String slicesToCalls(String tag) {
        Matcher m = EXTENDED_SLICE.matcher(mask(tag));
        StringBuilder sb = new StringBuilder();
        int last = 0;
        while (m.find()) {
            sb.append(tag, last, m.start()).append('.').append(PythonMethods.SLICE).append('(')
                    .append(orNone(tag.substring(m.start(1), m.end(1)))).append(", ")
                    .append(orNone(tag.substring(m.start(2), m.end(2)))).append(", ")
                    .append(orNone(tag.substring(m.start(3), m.end(3)))).append(')');
            last = m.end();
        }
        return sb.append(tag, last, tag.length()).toString();
    }

    private static String orNone(String part) {
        return part.isBlank() ? "none" : part.trim();
    }

    /**
     * Gives Python's precedence to {@code not}: {@code not a is defined} → {@code not (a is defined)},
     * {@code not a in b} → {@code not (a in b)}. jinjava binds {@code not} to the next operand, as in
     * {@code (not a) is defined}; Jinja2 applies it to the whole comparison, up to the next
     * {@code and}, {@code or}, {@code if}, {@code else}, comma or closing bracket. {@code is not}
     * and {@code not in} are left alone.
     */
    static String groupNot(String tag) {
        String masked = mask(tag);
        int bodyEnd = bodyEnd(masked);
        StringBuilder sb = new StringBuilder(tag.length() + 8);
        int last = 0;
        Matcher m = NOT.matcher(masked);
        while (m.find()) {
            if (m.start() >= bodyEnd || IS_BEFORE.matcher(masked.substring(0, m.start())).find()
                    || IN_AFTER.matcher(masked).region(m.end(), bodyEnd).lookingAt()) {
                continue;
            }
            int end = operandEnd(masked, m.end(), bodyEnd);
            sb.append(tag, last, m.end()).append('(').append(tag, m.end(), end).append(')');
            last = end;
            m.region(end, masked.length());
        }
        return sb.append(tag, last, tag.length()).toString();
    }

    private static final Pattern NOT = Pattern.compile("(?<![\\w.])not\\b\\s*");
    private static final Pattern IS_BEFORE = Pattern.compile("(?<![\\w.])is\\s+$");
    private static final Pattern IN_AFTER = Pattern.compile("in\\b");
    private static final Pattern STOP_WORD = Pattern.compile("(and|or|if|else)\\b");

    /** Where the tag's expression ends: before {@code -}}}, {@code }}}, {@code -%}} or {@code %}}. */
    private static int bodyEnd(String masked) {
        int end = masked.length();
        if (masked.endsWith("}}") || masked.endsWith("%}")) {
            end -= 2;
            if (end > 2 && (masked.charAt(end - 1) == '-' || masked.charAt(end - 1) == '+')) {
                end--;
            }
        }
        return end;
    }

    /** The end of the expression starting at {@code from}: the first top-level stop word or bracket. */
    private static int operandEnd(String masked, int from, int limit) {
        int depth = 0;
        for (int i = from; i < limit; i++) {
            char c = masked.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return trimEnd(masked, from, i);
                }
                depth--;
            } else if (depth == 0 && c == ',') {
                return trimEnd(masked, from, i);
            } else if (depth == 0 && (i == from || !isWordChar(masked.charAt(i - 1)))
                    && STOP_WORD.matcher(masked).region(i, limit).lookingAt()) {
                return trimEnd(masked, from, i);
            }
        }
        return trimEnd(masked, from, limit);
    }

    private static int trimEnd(String s, int from, int end) {
        while (end > from && Character.isWhitespace(s.charAt(end - 1))) {
            end--;
        }
        return end;
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }

    /** The tag with every string literal's content replaced by {@code _} (same length, quotes kept). */
    static String mask(String tag) {
        StringBuilder out = new StringBuilder(tag.length());
        char quote = 0;
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (quote == 0) {
                out.append(c);
                if (c == '\'' || c == '"') {
                    quote = c;
                }
            } else if (c == '\\' && i + 1 < tag.length()) {
                out.append("__");
                i++;
            } else if (c == quote) {
                out.append(c);
                quote = 0;
            } else {
                out.append('_');
            }
        }
        return out.toString();
    }
}
