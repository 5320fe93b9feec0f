package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Inequalities in one variable written as intervals: {@code -2\le x<7} is {@code [-2,7)},
 * {@code x>3} is {@code (3,\infty)}, {@code 5\ge x} is {@code (-\infty,5]}.
 */
final class Intervals {

    private static final Pattern OPERATOR = Pattern.compile("\\\\leq|\\\\le|\\\\geq|\\\\ge|\\\\lt|\\\\gt|<=|>=|<|>");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z]|\\\\[A-Za-z]+|[A-Za-z]\\([A-Za-z]\\)");
    private static final Pattern NEGATED = Pattern.compile("-(?:[A-Za-z]|\\\\[A-Za-z]+)");

    private Intervals() {
    }

    /** The interval that a normalized inequality describes, or null when it is not one. */
    static String fromInequality(String s) {
        List<String> parts = new ArrayList<>();
        List<String> ops = new ArrayList<>();
        Matcher m = OPERATOR.matcher(s);
        int start = 0;
        while (m.find()) {
            parts.add(s.substring(start, m.start()));
            ops.add(m.group());
            start = m.end();
        }
        parts.add(s.substring(start));
        if (ops.isEmpty() || ops.size() > 2 || parts.stream().anyMatch(String::isEmpty)) {
            return null;
        }
        if (ops.size() == 2) {
            boolean up = less(ops.get(0)) && less(ops.get(1));
            boolean down = !less(ops.get(0)) && !less(ops.get(1));
            if (!VARIABLE.matcher(parts.get(1)).matches() || !(up || down)) {
                return null;
            }
            int lo = up ? 0 : 2;
            String loOp = ops.get(up ? 0 : 1);
            String hiOp = ops.get(up ? 1 : 0);
            return (strict(loOp) ? "(" : "[") + parts.get(lo) + "," + parts.get(2 - lo)
                    + (strict(hiOp) ? ")" : "]");
        }
        boolean varLeft = VARIABLE.matcher(parts.get(0)).matches();
        boolean varRight = VARIABLE.matcher(parts.get(1)).matches();
        boolean negated = false;
        if (!varLeft && !varRight) { // -x>-1 is x<1
            varLeft = NEGATED.matcher(parts.get(0)).matches();
            varRight = NEGATED.matcher(parts.get(1)).matches();
            negated = true;
        }
        if (varLeft == varRight) {
            return null;
        }
        String bound = varLeft ? parts.get(1) : parts.get(0);
        if (negated) {
            bound = "-(" + bound + ")";
        }
        boolean above = (less(ops.get(0)) != varLeft) != negated;
        String op = ops.get(0);
        return above ? (strict(op) ? "(" : "[") + bound + ",\\infty)"
                : "(-\\infty," + bound + (strict(op) ? ")" : "]");
    }

    private static boolean less(String op) {
        return op.startsWith("<") || op.startsWith("\\l");
    }

    private static boolean strict(String op) {
        return op.equals("<") || op.equals(">") || op.equals("\\lt") || op.equals("\\gt");
    }
}
