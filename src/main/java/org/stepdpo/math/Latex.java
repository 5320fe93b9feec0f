package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;

/** Brace matching, argument reading and top-level splitting of LaTeX strings. */
final class Latex {

    private Latex() {
    }

    /**
     * The index of the '}' that closes the '{' at {@code open}, or -1 when it is never closed.
     * Escaped braces ({@code \{}, {@code \}}) do not open or close a group.
     */
    static int matchBrace(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The index just past the closing bracket of the bracket at {@code open}, counting every kind
     * of bracket alike (so that intervals such as {@code (1,2]} match), or -1 when unbalanced.
     */
    static int matchAnyBracket(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if ((c == ')' || c == ']' || c == '}') && --depth == 0) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Whether the whole string is one bracket group: it opens at 0 and closes at its last char. */
    static boolean enclosed(String s) {
        if (s.length() < 2 || "([{".indexOf(s.charAt(0)) < 0) {
            return false;
        }
        return matchAnyBracket(s, 0) == s.length();
    }

    /** Splits at every occurrence of {@code sep} outside all brackets. */
    static List<String> splitTopLevel(String s, String sep) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && s.startsWith(sep, i) && !escapedSeparator(s, i, sep)) {
                parts.add(s.substring(start, i));
                start = i + sep.length();
                i = start - 1;
            }
        }
        parts.add(s.substring(start));
        return parts;
    }

    /** A separator inside a longer command ("\cup" in "\cupdot") or escaped ("\,"). */
    private static boolean escapedSeparator(String s, int i, String sep) {
        if (sep.length() > 1 && sep.charAt(0) == '\\' && Character.isLetter(sep.charAt(1))) {
            int end = i + sep.length();
            return end < s.length() && Character.isLetter(s.charAt(end));
        }
        return sep.length() == 1 && i > 0 && s.charAt(i - 1) == '\\';
    }

    /**
     * Reads one macro argument starting at {@code i}: a brace group, a command name, or a single
     * character, skipping spaces before it. Returns {start, end} of the argument text (without
     * braces) and the index after it, or null when there is none.
     */
    static int[] readArgument(String s, int i) {
        while (i < s.length() && s.charAt(i) == ' ') {
            i++;
        }
        if (i >= s.length()) {
            return null;
        }
        char c = s.charAt(i);
        if (c == '{') {
            int close = matchBrace(s, i);
            return close < 0 ? null : new int[] {i + 1, close, close + 1};
        }
        if (c == '\\') {
            int j = i + 1;
            while (j < s.length() && Character.isLetter(s.charAt(j))) {
                j++;
            }
            if (j == i + 1) {
                j = Math.min(i + 2, s.length());
            }
            return new int[] {i, j, j};
        }
        if (c == '}' || c == '^' || c == '_' || c == '&') {
            return null;
        }
        return new int[] {i, i + 1, i + 1};
    }

    /**
     * Replaces every {@code \cmd{...}} (brace-matched) by what {@code keep} makes of its argument;
     * an occurrence without a brace argument is left as it is.
     */
    static String replaceCommand(String s, String cmd, java.util.function.UnaryOperator<String> keep) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (true) {
            int at = s.indexOf(cmd, i);
            while (at >= 0 && at + cmd.length() < s.length()
                    && Character.isLetter(s.charAt(at + cmd.length()))) {
                at = s.indexOf(cmd, at + 1);
            }
            if (at < 0) {
                return out.append(s, i, s.length()).toString();
            }
            int open = at + cmd.length();
            while (open < s.length() && s.charAt(open) == ' ') {
                open++;
            }
            int close = open < s.length() && s.charAt(open) == '{' ? matchBrace(s, open) : -1;
            if (close < 0) {
                out.append(s, i, open);
                i = open;
                continue;
            }
            out.append(s, i, at).append(keep.apply(s.substring(open + 1, close)));
            i = close + 1;
        }
    }
}
