package org.stepdpo.math;

import java.util.List;
import java.util.Set;

/**
 * The cursor of {@link ExprParser}: the input without spaces, the position, the nesting depth
 * (capped) and the deadline, with the look-ahead tests the grammar needs.
 */
final class ExprScanner {

    private static final int MAX_DEPTH = 200;
    static final Set<String> GREEK = Set.of("alpha", "beta", "gamma", "delta", "epsilon",
            "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa", "lambda", "mu", "nu",
            "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma",
            "Delta", "Theta", "Lambda", "Xi", "Sigma", "Phi", "Psi", "Omega");
    private static final Set<String> OTHER = Set.of("frac", "sqrt", "binom", "pi", "lfloor",
            "lceil", "lvert", "vert", "cdot", "times", "div", "rfloor", "rceil", "rvert", "left",
            "right", "infty");
    /** Known commands that cannot start a factor of an implicit product. */
    private static final Set<String> NO_PRODUCT = Set.of("cdot", "times", "div", "rfloor",
            "rceil", "rvert", "right", "infty");
    /** Function names and constants recognised in plain text, longest first. */
    static final List<String> PLAIN_WORDS = List.of("arcsin", "arccos", "arctan", "sqrt",
            "sinh", "cosh", "tanh", "sin", "cos", "tan", "cot", "sec", "csc", "exp", "log", "ln", "pi");

    final String s;
    final Deadline deadline;
    int pos;
    private int depth;

    ExprScanner(String s, Deadline deadline) {
        this.s = s;
        this.deadline = deadline;
    }

    char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    boolean atEnd() {
        return pos >= s.length();
    }

    boolean lookingAt(String text) {
        return s.startsWith(text, pos);
    }

    /** Consumes {@code \name} when it comes next as a whole command. */
    boolean eatCommand(String name) {
        if (s.startsWith("\\" + name, pos)) {
            int end = pos + name.length() + 1;
            if (end >= s.length() || !Character.isLetter(s.charAt(end))) {
                pos = end;
                return true;
            }
        }
        return false;
    }

    /** Consumes {@code close} (a character or a command) or fails. */
    void expect(String close) {
        if (close.startsWith("\\")) {
            if (!eatCommand(close.substring(1))) {
                throw error("expected " + close);
            }
        } else if (lookingAt(close)) {
            pos += close.length();
        } else {
            throw error("expected " + close);
        }
    }

    /** Reads a command name after '\', taking the longest known prefix of a run of letters. */
    String commandName() {
        int start = ++pos;
        while (pos < s.length() && Character.isLetter(s.charAt(pos))) {
            pos++;
        }
        String name = knownPrefix(s.substring(start, pos));
        if (name != null) {
            pos = start + name.length();
            return name;
        }
        return s.substring(start, pos);
    }

    /** Whether the next input starts a factor of an implicit product. */
    boolean startsFactor() {
        char c = peek();
        if (Character.isLetterOrDigit(c) || c == '(' || c == '{' || c == '[' || c == '.') {
            return true;
        }
        if (c != '\\') {
            return false;
        }
        int end = pos + 1;
        while (end < s.length() && Character.isLetter(s.charAt(end))) {
            end++;
        }
        String name = knownPrefix(s.substring(pos + 1, end));
        return name != null && !NO_PRODUCT.contains(name);
    }

    /** Whether a function name ({@code \sin} or {@code sin}) comes next. */
    boolean startsFunction() {
        for (String word : PLAIN_WORDS) {
            if (!word.equals("pi") && (lookingAt(word) || lookingAt("\\" + word))) {
                return true;
            }
        }
        return false;
    }

    private static String knownPrefix(String name) {
        for (int len = name.length(); len > 0; len--) {
            String prefix = name.substring(0, len);
            if (GREEK.contains(prefix) || OTHER.contains(prefix) || Functions.UNARY.contains(prefix)) {
                return prefix;
            }
        }
        return null;
    }

    /** Enters one level of nesting; fails past the cap and once the deadline has passed. */
    void enter() {
        deadline.check();
        if (++depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH);
        }
    }

    void leave() {
        depth--;
    }

    IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at " + pos + " in: " + s);
    }
}
