package org.stepdpo.synthetic;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The exact step verifier of the synthetic task: given a problem, its gold solution and a
 * candidate solution, it finds the first wrong step, or none.
 *
 * <p>A candidate is read as lines: an optional preamble without calculations, then
 * {@code Step 1: …}, {@code Step 2: …}, then a final-answer line ({@code The answer is \boxed{N}.}).
 * Steps are positions 1..n and the final-answer line is position n+1. Step k is correct when all of:
 * <ol>
 *   <li>it is labelled {@code Step k:} and holds exactly one calculation {@code a op b = c} with
 *       whole numbers and one of {@code + - * /} ({@link Kind#UNPARSEABLE} otherwise);</li>
 *   <li>{@code a op b} really is {@code c} ({@link Kind#ARITHMETIC});</li>
 *   <li>{@code a} and {@code b} are each a number written in the problem (100 too when the problem
 *       has a percentage) or the result of an earlier step ({@link Kind#UNKNOWN_OPERAND});</li>
 *   <li>the calculation is one of the gold solution's not done yet: same operation on the same
 *       numbers, either order for {@code +} and {@code *}, in any order of steps that keeps each
 *       step after the ones it uses ({@link Kind#NOT_NEEDED}).</li>
 * </ol>
 * The final-answer line is correct when it states the gold answer, a step computed it, and every
 * gold step was done ({@link Kind#FINAL_ANSWER}: missing, not following from the steps, or
 * stopping before the answer, even where an earlier value happens to equal it). Every gold step has a definite value, so these rules decide every candidate: a
 * solution is correct exactly when the verifier finds no wrong step. Another valid decomposition
 * of the same problem (such as {@code a*b + a*c} for {@code a*(b+c)}) counts as not needed: the
 * task's solutions are written in one canonical decomposition, and models trained on it use it.
 */
public final class StepVerifier {
    /** Why a step is wrong. */
    public enum Kind { UNPARSEABLE, ARITHMETIC, UNKNOWN_OPERAND, NOT_NEEDED, FINAL_ANSWER }

    /**
     * The verdict: the first wrong position (1-based; n+1 is the final-answer line) or 0 when the
     * candidate is correct, why, and how many steps the candidate has.
     */
    public record Verdict(int firstWrong, Kind kind, String reason, int steps) {
        public boolean correct() {
            return firstWrong == 0;
        }

        static Verdict wrong(int position, Kind kind, String reason, int steps) {
            return new Verdict(position, kind, reason, steps);
        }
    }

    /** One calculation {@code a op b = c}, as written (not necessarily true). */
    public record Calc(Op op, long a, long b, long c) {}

    private static final Pattern STEP = Pattern.compile("^Step (\\d+):(.*)$");
    private static final Pattern CALC = Pattern.compile(
            "(\\d[\\d,]*)\\s*([-+*/×÷])\\s*(\\d[\\d,]*)\\s*=\\s*(\\d[\\d,]*)");
    private static final Pattern NUMBER = Pattern.compile("\\d+");
    private static final Pattern BOXED = Pattern.compile("\\\\boxed\\{\\s*([^{}]*?)\\s*}");
    private static final Pattern ANSWER_IS = Pattern.compile("answer is\\s*\\$?\\s*(\\d[\\d,]*)");

    private StepVerifier() {}

    /** Verifies a candidate against the problem's gold solution text (as in the rows' {@code output}). */
    public static Verdict verify(String problem, String goldSolution, String candidate) {
        return verify(problem, goldCalcs(goldSolution), candidate);
    }

    /** Verifies a candidate against a generated problem. */
    public static Verdict verify(SyntheticProblem problem, String candidate) {
        List<Calc> gold = new ArrayList<>();
        for (SolutionStep s : problem.steps()) {
            gold.add(new Calc(s.op(), s.left(), s.right(), s.result()));
        }
        return verify(problem.text(), gold, candidate);
    }

    /** Verifies a candidate against the gold calculations, in their order. */
    public static Verdict verify(String problem, List<Calc> gold, String candidate) {
        if (gold.isEmpty()) {
            throw new IllegalArgumentException("the gold solution has no steps");
        }
        long goldAnswer = gold.get(gold.size() - 1).c();
        Set<Long> known = problemNumbers(problem);
        Set<Long> computed = new HashSet<>();
        boolean[] used = new boolean[gold.size()];
        List<String> lines = lines(candidate);
        int k = 0;
        for (String line : lines) {
            Matcher step = STEP.matcher(line);
            if (!step.matches()) {
                return finalAnswer(line, goldAnswer, computed, done(used), gold.size(), k);
            }
            k++;
            if (!step.group(1).equals(Integer.toString(k))) {
                return Verdict.wrong(k, Kind.UNPARSEABLE, "labelled Step " + step.group(1) + " where Step " + k
                        + " was due", k);
            }
            Calc c = parseCalc(step.group(2));
            if (c == null) {
                return Verdict.wrong(k, Kind.UNPARSEABLE, "no single calculation 'a op b = c' in: " + line.strip(), k);
            }
            if (c.op().apply(c.a(), c.b()) != c.c()) {
                return Verdict.wrong(k, Kind.ARITHMETIC, c.a() + " " + c.op().symbol + " " + c.b() + " is not "
                        + c.c(), k);
            }
            for (long operand : new long[] {c.a(), c.b()}) {
                if (!known.contains(operand) && !computed.contains(operand)) {
                    return Verdict.wrong(k, Kind.UNKNOWN_OPERAND, operand + " is neither in the problem nor the "
                            + "result of an earlier step", k);
                }
            }
            int g = match(gold, used, c);
            if (g < 0) {
                return Verdict.wrong(k, Kind.NOT_NEEDED, c.a() + " " + c.op().symbol + " " + c.b()
                        + " is not a calculation the problem needs (or repeats one)", k);
            }
            used[g] = true;
            computed.add(c.c());
        }
        return Verdict.wrong(k + 1, Kind.FINAL_ANSWER, "no final answer", k);
    }

    /** The gold calculations of a well-formed solution. */
    public static List<Calc> goldCalcs(String solution) {
        List<Calc> out = new ArrayList<>();
        for (String line : lines(solution)) {
            Matcher step = STEP.matcher(line);
            if (step.matches()) {
                Calc c = parseCalc(step.group(2));
                if (c == null || c.op().apply(c.a(), c.b()) != c.c()) {
                    throw new IllegalArgumentException("gold solution step is not a true calculation: " + line);
                }
                out.add(c);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("gold solution has no 'Step k:' lines: " + solution);
        }
        return out;
    }

    /** The numbers a problem states (every run of digits), and 100 when it has a percentage. */
    static Set<Long> problemNumbers(String problem) {
        Set<Long> out = new HashSet<>();
        Matcher m = NUMBER.matcher(problem);
        while (m.find()) {
            if (m.group().length() <= 18) {
                out.add(Long.parseLong(m.group()));
            }
        }
        if (problem.contains("%")) {
            out.add(100L);
        }
        return out;
    }

    /** Lines without the preamble (the lines before the first step that hold no calculation) and blanks. */
    private static List<String> lines(String text) {
        List<String> out = new ArrayList<>();
        boolean started = false;
        for (String raw : text.replace("\r\n", "\n").split("\n")) {
            String line = raw.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (!started && !STEP.matcher(line).matches() && !line.contains("=") && !line.contains("answer")
                    && !line.contains("\\boxed")) {
                continue;
            }
            started = true;
            out.add(line);
        }
        return out;
    }

    private static int done(boolean[] used) {
        int n = 0;
        for (boolean u : used) {
            n += u ? 1 : 0;
        }
        return n;
    }

    private static Verdict finalAnswer(String line, long goldAnswer, Set<Long> computed, int done, int needed,
            int steps) {
        int position = steps + 1;
        Long stated = statedAnswer(line);
        if (stated == null) {
            return Verdict.wrong(position, Kind.FINAL_ANSWER, "no final answer where Step " + position
                    + " or 'The answer is' was due: " + line, steps);
        }
        if (!computed.contains(stated)) {
            return Verdict.wrong(position, Kind.FINAL_ANSWER, "the final answer " + stated
                    + " does not follow from the steps", steps);
        }
        if (stated != goldAnswer || done < needed) {
            return Verdict.wrong(position, Kind.FINAL_ANSWER, "the final answer " + stated + " comes after "
                    + done + " of the " + needed + " steps the problem needs", steps);
        }
        return new Verdict(0, null, "correct", steps);
    }

    private static Long statedAnswer(String line) {
        Matcher m = BOXED.matcher(line);
        String s = m.find() ? m.group(1) : null;
        if (s == null) {
            Matcher a = ANSWER_IS.matcher(line);
            s = a.find() ? a.group(1) : null;
        }
        if (s == null) {
            return null;
        }
        s = s.replace(",", "");
        return s.matches("\\d{1,18}") ? Long.parseLong(s) : null;
    }

    private static Calc parseCalc(String text) {
        Matcher m = CALC.matcher(text);
        if (!m.find()) {
            return null;
        }
        Calc c = new Calc(Op.of(normalize(m.group(2))), number(m.group(1)), number(m.group(3)), number(m.group(4)));
        String before = text.substring(0, m.start());
        String after = text.substring(m.end());
        if (m.find() || before.contains("=") || after.contains("=") || c.a() < 0 || c.b() < 0 || c.c() < 0
                || before.matches("(?s).*([-+*/×÷(]\\s*|\\d\\.)$") || after.matches("(?s)^(\\s*[-+*/×÷)]|\\.\\d).*")) {
            return null; // a second calculation, or a longer expression around this one
        }
        return c;
    }

    private static String normalize(String op) {
        return op.equals("×") ? "*" : op.equals("÷") ? "/" : op;
    }

    private static long number(String digits) {
        String s = digits.replace(",", "");
        return s.length() > 18 ? -1 : Long.parseLong(s);
    }

    private static int match(List<Calc> gold, boolean[] used, Calc c) {
        for (int i = 0; i < gold.size(); i++) {
            Calc g = gold.get(i);
            if (!used[i] && g.op() == c.op() && ((g.a() == c.a() && g.b() == c.b())
                    || (c.op().commutative() && g.a() == c.b() && g.b() == c.a()))) {
                return i;
            }
        }
        return -1;
    }
}
