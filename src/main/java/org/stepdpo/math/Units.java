package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/** Removal of unit words and unit {@code \text{...}} groups trailing an answer. */
final class Units {

    /** Unit and counting words that may follow a number without changing its value. */
    static final Set<String> WORDS = Set.of(
            "unit", "units", "sq", "square", "squared", "cubic", "cu",
            "cm", "mm", "km", "m", "meter", "meters", "metre", "metres", "centimeter", "centimeters",
            "millimeter", "millimeters", "kilometer", "kilometers",
            "in", "inch", "inches", "ft", "foot", "feet", "yd", "yard", "yards", "mi", "mile", "miles",
            "mph", "kph", "kmh", "per", "hour", "hours", "hr", "hrs", "h", "minute", "minutes", "min",
            "mins", "second", "seconds", "sec", "secs", "s", "day", "days", "week", "weeks", "month",
            "months", "year", "years", "yr", "yrs",
            "g", "gram", "grams", "kg", "kilogram", "kilograms", "mg", "lb", "lbs", "pound", "pounds",
            "oz", "ounce", "ounces", "ton", "tons",
            "l", "liter", "liters", "litre", "litres", "ml", "gallon", "gallons", "gal", "quart",
            "quarts", "pint", "pints", "cup", "cups",
            "dollar", "dollars", "cent", "cents", "euro", "euros",
            "degree", "degrees", "deg", "radian", "radians", "rad", "percent", "percentage",
            "point", "points", "people", "students", "ways", "times");

    private static final Pattern WORD = Pattern.compile("[A-Za-z][A-Za-z.]*(\\^\\{?[23]\\}?)?");
    private static final Pattern PLAIN_NUMBER =
            Pattern.compile("-?(\\d[\\d,]*(\\.\\d*)?|\\.\\d+)|-?\\\\frac\\{\\d+\\}\\{\\d+\\}");
    private static final Pattern EXPONENT = Pattern.compile("^\\s*\\^\\s*(\\{\\s*[23]\\s*\\}|[23])");
    /** Words after a number that are part of the answer, not a unit ({@code 20 June}). */
    private static final Set<String> KEPT = Set.of("january", "february", "march", "april", "may",
            "june", "july", "august", "september", "october", "november", "december", "am", "pm");
    private static final int MAX_WORDS = 6;
    private static final String[] TEXT_COMMANDS = {"\\text", "\\mbox", "\\textnormal", "\\mathrm"};

    private Units() {
    }

    /**
     * Removes trailing {@code \text{ cm}}-like groups (with an optional {@code ^2}/{@code ^3})
     * when a value stays in front of them: any text after a value holding a digit, unit words
     * after any value.
     */
    static String stripTrailingText(String s) {
        String out = s.strip();
        for (int round = 0; round < 4; round++) {
            String next = stripOneTrailingText(out);
            if (next.equals(out)) {
                return out;
            }
            out = next;
        }
        return out;
    }

    private static String stripOneTrailingText(String s) {
        for (String cmd : TEXT_COMMANDS) {
            int at = s.lastIndexOf(cmd + "{");
            if (at < 0) {
                at = s.lastIndexOf(cmd + " {");
            }
            if (at < 0) {
                continue;
            }
            int open = s.indexOf('{', at);
            int close = Latex.matchBrace(s, open);
            if (close < 0) {
                continue;
            }
            String tail = s.substring(close + 1);
            var exp = EXPONENT.matcher(tail);
            if (exp.find()) {
                tail = tail.substring(exp.end());
            }
            if (!tail.replace(".", "").isBlank()) {
                continue;
            }
            String content = s.substring(open + 1, close).strip();
            String prefix = s.substring(0, at).strip();
            if (content.isEmpty() || prefix.isEmpty() || !Character.isLetter(content.charAt(0))) {
                continue;
            }
            boolean units = allUnits(words(content));
            boolean valueBefore = prefix.chars().anyMatch(Character::isDigit);
            if (units || (valueBefore && !cmd.equals("\\mathrm"))) {
                return prefix;
            }
        }
        return s;
    }

    /**
     * Removes plain unit words after a value ({@code 18 inches}, {@code 5 sq ft}), and any
     * words of two or more letters after a plain number ({@code 12 eggs}) except function names,
     * months and a.m./p.m.
     */
    static String stripTrailingWords(String s) {
        String lead = s.strip();
        List<String> trailing = new ArrayList<>();
        while (trailing.size() < MAX_WORDS) {
            int space = lead.lastIndexOf(' ');
            if (space < 0) {
                break;
            }
            String last = lead.substring(space + 1);
            if (!WORD.matcher(last).matches()) {
                break;
            }
            trailing.add(last);
            lead = lead.substring(0, space).strip();
        }
        if (trailing.isEmpty() || lead.isEmpty() || lead.chars().noneMatch(Character::isDigit)) {
            return s;
        }
        char end = lead.charAt(lead.length() - 1);
        if (!Character.isLetterOrDigit(end) && ")}]".indexOf(end) < 0) {
            return s;
        }
        boolean plain = PLAIN_NUMBER.matcher(lead).matches();
        List<String> words = new ArrayList<>();
        for (String w : trailing) {
            words.add(bare(w));
        }
        boolean units = allUnits(words);
        boolean shortUnit = words.stream().anyMatch(w -> w.length() == 1);
        boolean longWords = words.stream().allMatch(w -> w.length() >= 2
                && !ExprScanner.PLAIN_WORDS.contains(w) && !KEPT.contains(w));
        if ((units && (plain || !shortUnit)) || (plain && longWords)) {
            return lead;
        }
        return s;
    }

    private static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String w : text.strip().split("\\s+")) {
            out.add(bare(w));
        }
        return out;
    }

    private static String bare(String word) {
        String w = word.replaceAll("\\^\\{?[23]\\}?$", "").replace(".", "");
        return w.toLowerCase(Locale.ROOT);
    }

    private static boolean allUnits(List<String> words) {
        return !words.isEmpty() && words.stream().allMatch(WORDS::contains);
    }
}
