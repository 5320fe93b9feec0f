package org.stepdpo.math;

import java.util.List;

/**
 * A recursive-descent parser for LaTeX and plain-text math: {@code + - * / ^} (also {@code **}),
 * implicit multiplication ({@code 2x}, {@code 2\sqrt{3}}), {@code \frac}, {@code \sqrt[n]},
 * {@code \binom}, factorial, {@code |x|}, floor and ceiling, trig, log, ln and exp, {@code \pi},
 * {@code e}, {@code i} and variables with subscripts. Input length and nesting depth are capped,
 * and the deadline is checked as it goes. {@code \infty}, relations and commas are not
 * expressions.
 */
final class ExprParser {

    /** Longest input the parser accepts. */
    static final int MAX_LENGTH = 2000;

    private final ExprScanner in;

    private ExprParser(ExprScanner in) {
        this.in = in;
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} when it is not an expression. */
    static Expr parse(String text, Deadline deadline) {
        if (text.isEmpty() || text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("expression empty or longer than " + MAX_LENGTH);
        }
        ExprParser p = new ExprParser(new ExprScanner(text.replaceAll("\\s+", ""), deadline));
        Expr e = p.sum();
        if (!p.in.atEnd()) {
            throw p.in.error("unexpected input");
        }
        return e;
    }

    private Expr sum() {
        in.enter();
        Expr e = product();
        while (in.peek() == '+' || in.peek() == '-') {
            char op = in.s.charAt(in.pos++);
            e = new Expr.Op(op, e, product());
        }
        in.leave();
        return e;
    }

    private Expr product() {
        Expr e = unary();
        while (!in.atEnd() && !in.lookingAt("**")) {
            in.deadline.check();
            if (eat('*') || in.eatCommand("cdot") || in.eatCommand("times")) {
                e = new Expr.Op('*', e, unary());
            } else if (eat('/') || in.eatCommand("div")) {
                e = new Expr.Op('/', e, unary());
            } else if (in.startsFactor()) {
                e = new Expr.Op('*', e, power());
            } else {
                break;
            }
        }
        return e;
    }

    private boolean eat(char c) {
        if (in.peek() == c) {
            in.pos++;
            return true;
        }
        return false;
    }

    private Expr unary() {
        if (in.peek() == '-' || in.peek() == '+') {
            boolean minus = in.s.charAt(in.pos++) == '-';
            in.enter();
            Expr e = unary();
            in.leave();
            return minus ? new Expr.Call("neg", List.of(e)) : e;
        }
        return power();
    }

    private Expr power() {
        Expr base = postfix();
        if (in.peek() == '^' || in.lookingAt("**")) {
            in.pos += in.peek() == '^' ? 1 : 2;
            in.enter();
            Expr exponent = exponent();
            in.leave();
            return new Expr.Op('^', base, exponent);
        }
        return base;
    }

    private Expr postfix() {
        Expr e = primary();
        while (in.peek() == '!') {
            in.pos++;
            e = new Expr.Call("fact", List.of(e));
        }
        return e;
    }

    /**
     * An exponent: a group, a signed exponent, a whole number, or one letter or command; a
     * further {@code ^} nests to the right ({@code 2^3^2 = 2^9}).
     */
    private Expr exponent() {
        char c = in.peek();
        if (c == '{' || c == '(') {
            return primary();
        }
        if (c == '-' || c == '+') {
            in.pos++;
            Expr e = exponent();
            return c == '-' ? new Expr.Call("neg", List.of(e)) : e;
        }
        Expr e = Character.isDigit(c) ? number() : primary();
        if (in.peek() == '^') {
            in.pos++;
            in.enter();
            e = new Expr.Op('^', e, exponent());
            in.leave();
        }
        return e;
    }

    private Expr primary() {
        in.enter();
        char c = in.peek();
        Expr e;
        if (Character.isDigit(c) || c == '.') {
            e = number();
        } else if (c == '(' || c == '[' || c == '{') {
            in.pos++;
            e = sum();
            in.expect(c == '(' ? ")" : c == '[' ? "]" : "}");
        } else if (c == '|') {
            in.pos++;
            e = new Expr.Call("abs", List.of(sum()));
            in.expect("|");
        } else if (c == '\\') {
            e = command();
        } else if (Character.isLetter(c)) {
            e = letters();
        } else {
            throw in.error("unexpected character");
        }
        in.leave();
        return e;
    }

    private Expr number() {
        int start = in.pos;
        while (Character.isDigit(in.peek()) || in.peek() == '.') {
            in.pos++;
        }
        String text = in.s.substring(start, in.pos);
        if (text.equals(".") || text.indexOf('.') != text.lastIndexOf('.')) {
            throw in.error("malformed number");
        }
        return new Expr.Num(Complex.real(Double.parseDouble(text)), text.contains("."));
    }

    /** A plain-text function name or constant, or a single-letter variable. */
    private Expr letters() {
        for (String word : ExprScanner.PLAIN_WORDS) {
            if (in.lookingAt(word)) {
                in.pos += word.length();
                return word.equals("pi") ? constant(Math.PI) : function(word);
            }
        }
        char c = in.s.charAt(in.pos++);
        if (c == 'e' && in.peek() != '_') {
            return constant(Math.E);
        }
        if (c == 'i' && in.peek() != '_') {
            return new Expr.Num(Complex.I, false);
        }
        return new Expr.Var(c + subscript());
    }

    private String subscript() {
        if (in.peek() != '_') {
            return "";
        }
        int[] arg = Latex.readArgument(in.s, in.pos + 1);
        if (arg == null) {
            throw in.error("missing subscript");
        }
        in.pos = arg[2];
        return "_" + in.s.substring(arg[0], arg[1]);
    }

    private Expr command() {
        String name = in.commandName();
        switch (name) {
            case "frac":
                return new Expr.Op('/', argument(), argument());
            case "binom":
                return new Expr.Call("binom", List.of(argument(), argument()));
            case "sqrt":
                if (in.peek() == '[') {
                    in.pos++;
                    Expr n = sum();
                    in.expect("]");
                    return new Expr.Call("root", List.of(n, argument()));
                }
                return new Expr.Call("sqrt", List.of(argument()));
            case "pi":
                return constant(Math.PI);
            case "left":
                return primary();
            case "lfloor":
                return closed("floor", "\\rfloor");
            case "lceil":
                return closed("ceil", "\\rceil");
            case "lvert":
                return closed("abs", "\\rvert");
            case "vert":
                return closed("abs", "\\vert");
            default:
                if (ExprScanner.GREEK.contains(name)) {
                    return new Expr.Var("\\" + name + subscript());
                }
                if (Functions.UNARY.contains(name)) {
                    return function(name);
                }
                throw in.error("unsupported command \\" + name);
        }
    }

    private Expr closed(String function, String close) {
        Expr e = sum();
        in.expect(close);
        return new Expr.Call(function, List.of(e));
    }

    /**
     * A function application: {@code \sin x}, {@code \sin(2x)}, {@code \sin^2 x},
     * {@code \log_2 8}. Without parentheses the argument is the product that follows, up to the
     * next function.
     */
    private Expr function(String name) {
        Expr base = null;
        if (in.peek() == '_' && name.equals("log")) {
            in.pos++;
            base = argument();
        }
        Expr power = null;
        if (in.peek() == '^') {
            in.pos++;
            power = exponent();
        }
        Expr arg;
        if (in.peek() == '(' || in.peek() == '{') {
            arg = primary();
        } else {
            arg = power();
            while (in.startsFactor() && !in.startsFunction()) {
                arg = new Expr.Op('*', arg, power());
            }
        }
        Expr call = base == null ? new Expr.Call(name, List.of(arg))
                : new Expr.Call("logb", List.of(base, arg));
        return power == null ? call : new Expr.Op('^', call, power);
    }

    /** A macro argument: a brace group, a command, or a single digit or letter. */
    private Expr argument() {
        char c = in.peek();
        if (c == '{') {
            return primary();
        }
        if (Character.isDigit(c)) {
            return new Expr.Num(Complex.real(in.s.charAt(in.pos++) - '0'), false);
        }
        if (c == '\\') {
            return command();
        }
        if (Character.isLetter(c)) {
            in.pos++;
            return new Expr.Var(String.valueOf(c));
        }
        throw in.error("missing argument");
    }

    private static Expr constant(double value) {
        return new Expr.Num(Complex.real(value), false);
    }
}
