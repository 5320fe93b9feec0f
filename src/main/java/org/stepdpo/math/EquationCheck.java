package org.stepdpo.math;

import java.math.BigDecimal;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds written arithmetic that is false: an equation of literal numbers {@code a op b = c} with
 * one of {@code + - * / × ÷} (commas as thousands separators allowed), such as
 * {@code "51 + 198 = 259"}. Only a lone binary operation is judged: an equation whose left side
 * continues a longer expression ({@code 2 + 3 * 4 = 14}), or whose result is followed by more
 * arithmetic, is left alone, so the check never calls right arithmetic wrong. Exact decimal
 * arithmetic; a division is true when it is within 0.5% or rounds to the written digits.
 * Stateless and thread-safe.
 */
public final class EquationCheck {
    private static final String NUM = "(\\d{1,3}(?:,\\d{3})+|\\d+)(?:\\.(\\d+))?";
    private static final Pattern EQUATION = Pattern.compile(
            "(?<![\\d.,)*/+\\-×÷^]\\s{0,3})" + NUM + "\\s*([-+*/×÷])\\s*" + NUM + "\\s*=\\s*\\$?" + NUM + "(?![\\d]|\\s*[-+*/×÷^(])");

    private EquationCheck() {}

    /** The first false equation in {@code text}, as written, or null when every lone equation holds. */
    public static String firstFalse(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = EQUATION.matcher(text);
        while (m.find()) {
            BigDecimal a = number(m.group(1), m.group(2));
            BigDecimal b = number(m.group(4), m.group(5));
            BigDecimal c = number(m.group(6), m.group(7));
            if (!holds(a, m.group(3), b, c)) {
                return m.group().strip();
            }
        }
        return null;
    }

    private static BigDecimal number(String whole, String fraction) {
        return new BigDecimal(whole.replace(",", "") + (fraction == null ? "" : "." + fraction));
    }

    private static boolean holds(BigDecimal a, String op, BigDecimal b, BigDecimal c) {
        switch (op) {
            case "+":
                return a.add(b).compareTo(c) == 0;
            case "-":
                return a.subtract(b).compareTo(c) == 0;
            case "*":
            case "×":
                return a.multiply(b).compareTo(c) == 0;
            default:
                if (b.signum() == 0) {
                    return false;
                }
                BigDecimal exact = a.divide(b, 12, java.math.RoundingMode.HALF_EVEN);
                BigDecimal rounded = exact.setScale(Math.max(c.scale(), 0), java.math.RoundingMode.HALF_EVEN);
                boolean close = exact.subtract(c).abs().compareTo(c.abs().multiply(new BigDecimal("0.005"))) <= 0;
                return rounded.compareTo(c) == 0 || close;
        }
    }
}
