package org.stepdpo.math;

import java.math.BigDecimal;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether a predicted final answer equals a reference answer. Both are normalized with
 * {@link AnswerNormalizer}; then, in order: equal strings; compound answers (tuples, intervals
 * with their bracket types, sets, unions, matrices, element by element); multiple-choice
 * letters and words (case-insensitive); equations (up to a non-zero factor); numbers (exact for
 * integers, less than 1e-3 apart for decimals); percentages (the value
 * of a side written with a percent sign or the word percent may also be read divided by 100, so
 * {@code 50\%} matches {@code 0.5} but {@code 50} does not); and symbolic equality by evaluation
 * at random points.
 *
 * <p>Every comparison has a time limit ({@link #DEFAULT_TIME_LIMIT_MILLIS} unless given) after
 * which it answers false. Stateless and thread-safe.
 */
public final class Equivalence {

    /** Time limit of one comparison, in milliseconds. */
    public static final long DEFAULT_TIME_LIMIT_MILLIS = 1000;
    /** Answers longer than this are compared as plain strings only. */
    public static final int MAX_ANSWER_LENGTH = 10_000;

    private static final Pattern CHOICE = Pattern.compile("\\(?([A-Z])\\)");
    private static final Pattern CHOICE_PREFIX = Pattern.compile("\\(([A-Z])\\)");
    private static final Pattern WORD = Pattern.compile("[A-Za-z]+");
    private static final Pattern PERCENT = Pattern.compile("%|(?i:percent)");
    private static final Pattern CLOCK = Pattern.compile("(\\d)(?i:[ap]\\.?m\\.?)$");

    /**
     * What a comparison carries down into the parts of compound answers: whether the prediction
     * and the reference were written as percentages, and the deadline.
     */
    record Context(boolean predPercent, boolean goldPercent, Deadline deadline) {
    }

    private Equivalence() {
    }

    /** Whether {@code pred} equals {@code gold}, within the default time limit. */
    public static boolean equivalent(String pred, String gold) {
        return equivalent(pred, gold, DEFAULT_TIME_LIMIT_MILLIS);
    }

    /** Whether {@code pred} equals {@code gold}; false once {@code timeLimitMillis} has passed. */
    public static boolean equivalent(String pred, String gold, long timeLimitMillis) {
        if (pred == null || gold == null) {
            return false;
        }
        if (pred.length() > MAX_ANSWER_LENGTH || gold.length() > MAX_ANSWER_LENGTH) {
            return !pred.isBlank() && pred.strip().equals(gold.strip());
        }
        Context ctx = new Context(mentionsPercent(pred), mentionsPercent(gold),
                Deadline.afterMillis(timeLimitMillis));
        try {
            String p = AnswerNormalizer.settle(AnswerNormalizer.clean(pred));
            String g = AnswerNormalizer.settle(AnswerNormalizer.clean(gold));
            if (compare(p, g, ctx)) {
                return true;
            }
            // "70,110" may be a list of two values rather than one number: try that reading too
            String pl = AnswerNormalizer.settle(AnswerNormalizer.clean(pred, false));
            String gl = AnswerNormalizer.settle(AnswerNormalizer.clean(gold, false));
            return (!pl.equals(p) || !gl.equals(g)) && compare(pl, gl, ctx);
        } catch (Deadline.Exceeded | StackOverflowError e) {
            return false;
        }
    }

    /** Compares two cleaned answers, with and without a short left side. */
    private static boolean compare(String p, String g, Context ctx) {
        if (p.isEmpty() || g.isEmpty()) {
            return false;
        }
        String ps = AnswerNormalizer.stripShortLhs(p);
        String gs = AnswerNormalizer.stripShortLhs(g);
        if (p.equals(g) || ps.equals(gs)) {
            return true;
        }
        return Structures.equal(p, g, ctx)
                || ((!ps.equals(p) || !gs.equals(g)) && Structures.equal(ps, gs, ctx));
    }

    private static boolean mentionsPercent(String raw) {
        return PERCENT.matcher(raw).find();
    }

    /** Whether two normalized single values are equal. */
    static boolean scalarEqual(String a, String b, Context ctx) {
        ctx.deadline().check();
        a = dropPlus(a);
        b = dropPlus(b);
        if (a.equals(b)) {
            return true;
        }
        if (a.isEmpty() || b.isEmpty() || a.contains("\\infty") || b.contains("\\infty")) {
            return false;
        }
        Boolean text = textEqual(a, b);
        if (text != null) {
            return text;
        }
        List<String> eqA = Latex.splitTopLevel(a, "=");
        List<String> eqB = Latex.splitTopLevel(b, "=");
        if (eqA.size() > 2 || eqB.size() > 2) {
            return false;
        }
        if (eqA.size() == 2 && eqB.size() == 2) {
            return equationsEqual(eqA, eqB, ctx);
        }
        if (eqA.size() == 2 || eqB.size() == 2) {
            String sa = AnswerNormalizer.stripShortLhs(a);
            String sb = AnswerNormalizer.stripShortLhs(b);
            return (!sa.equals(a) || !sb.equals(b)) && Structures.equal(sa, sb, ctx);
        }
        BigDecimal da = Numbers.plain(a);
        BigDecimal db = Numbers.plain(b);
        if (da != null && db != null) {
            return decimalsEqual(da, db, ctx);
        }
        return symbolicEqual(a, b, ctx);
    }

    /**
     * Multiple-choice letters, words and clock times, compared as text; null when neither side
     * is text of that kind.
     */
    private static Boolean textEqual(String a, String b) {
        String la = choice(a);
        String lb = choice(b);
        if (la != null || lb != null) {
            la = la != null ? la : choicePrefix(a);
            lb = lb != null ? lb : choicePrefix(b);
            return la != null && la.equals(lb);
        }
        boolean wa = WORD.matcher(a).matches();
        boolean wb = WORD.matcher(b).matches();
        if ((wa && a.length() >= 3) || (wb && b.length() >= 3)) {
            return a.equalsIgnoreCase(b);
        }
        if (CLOCK.matcher(a).find() != CLOCK.matcher(b).find()) {
            String ta = CLOCK.matcher(a).replaceFirst("$1");
            String tb = CLOCK.matcher(b).replaceFirst("$1");
            return ta.equalsIgnoreCase(tb);
        }
        return null;
    }

    /** The letter of a choice written {@code (C)} or {@code C)}, or a lone capital letter. */
    private static String choice(String s) {
        if (s.length() == 1 && s.charAt(0) >= 'A' && s.charAt(0) <= 'Z') {
            return s;
        }
        Matcher m = CHOICE.matcher(s);
        return m.matches() ? m.group(1) : null;
    }

    /** The letter of an answer written as a choice followed by its content, {@code (B)5}. */
    private static String choicePrefix(String s) {
        Matcher m = CHOICE_PREFIX.matcher(s);
        return m.lookingAt() ? m.group(1) : null;
    }

    private static boolean equationsEqual(List<String> a, List<String> b, Context ctx) {
        try {
            Expr la = ExprParser.parse(a.get(0), ctx.deadline());
            Expr ra = ExprParser.parse(a.get(1), ctx.deadline());
            Expr lb = ExprParser.parse(b.get(0), ctx.deadline());
            Expr rb = ExprParser.parse(b.get(1), ctx.deadline());
            if (Symbolic.sameEquation(la, ra, lb, rb, ctx.deadline())) {
                return true;
            }
        } catch (IllegalArgumentException e) {
            // not parseable as equations: fall back to comparing the right sides
        }
        String sa = AnswerNormalizer.stripShortLhs(String.join("=", a));
        String sb = AnswerNormalizer.stripShortLhs(String.join("=", b));
        return !sa.contains("=") && !sb.contains("=") && Structures.equal(sa, sb, ctx);
    }

    private static boolean decimalsEqual(BigDecimal a, BigDecimal b, Context ctx) {
        boolean approximate = Numbers.approximate(a, b);
        return Numbers.closeDecimals(a, b, approximate)
                || (ctx.predPercent() && Numbers.closeDecimals(a.movePointLeft(2), b, approximate))
                || (ctx.goldPercent() && Numbers.closeDecimals(a, b.movePointLeft(2), approximate));
    }

    private static boolean symbolicEqual(String a, String b, Context ctx) {
        Expr ea;
        Expr eb;
        try {
            ea = ExprParser.parse(a, ctx.deadline());
            eb = ExprParser.parse(b, ctx.deadline());
        } catch (IllegalArgumentException e) {
            return a.equalsIgnoreCase(b);
        }
        if (Symbolic.same(ea, eb, ctx.deadline())) {
            return true;
        }
        Expr hundred = new Expr.Num(Complex.real(100), false);
        return (ctx.predPercent() && Symbolic.same(new Expr.Op('/', ea, hundred), eb, ctx.deadline()))
                || (ctx.goldPercent() && Symbolic.same(ea, new Expr.Op('/', eb, hundred), ctx.deadline()));
    }

    private static String dropPlus(String s) {
        return s.startsWith("+") ? s.substring(1) : s;
    }
}
