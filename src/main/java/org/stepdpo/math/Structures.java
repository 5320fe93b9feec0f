package org.stepdpo.math;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compound answers: tuples and intervals (ordered, same brackets), sets and bare comma lists
 * (unordered), unions of intervals (unordered), matrices (cell by cell), and {@code a \pm b}
 * (the list {@code a+b, a-b}); an inequality in one variable is its interval. Leaves are
 * compared by {@link Equivalence#scalarEqual}.
 */
final class Structures {

    private static final Pattern MATRIX = Pattern.compile(
            "\\\\begin\\{([pbvBV]?matrix|array)\\}(?:\\{[^}]*\\})?(.*)\\\\end\\{\\1\\}", Pattern.DOTALL);
    /** A plain {@code matrix} environment inside brackets, as written with {@code \left( ... \right)}. */
    private static final Pattern BRACKETED_MATRIX = Pattern.compile(
            "[(\\[]\\s*(\\\\begin\\{(matrix|array)\\}.*\\\\end\\{\\2\\})\\s*[)\\]]", Pattern.DOTALL);

    /** A parsed answer. */
    sealed interface Node {
    }

    /** A single value. */
    record Scalar(String text) implements Node {
    }

    /** An ordered tuple, point or interval, with its opening and closing bracket. */
    record Tuple(char open, char close, List<Node> items) implements Node {
    }

    /** A set ({@code \{1,2\}}) or a bare comma list: order does not matter. */
    record Collection(List<Node> items) implements Node {
    }

    /** A union of intervals or sets. */
    record Union(List<Node> parts) implements Node {
    }

    /** A matrix or vector, row by row. */
    record Matrix(List<List<Node>> rows) implements Node {
    }

    private Structures() {
    }

    /** Whether two normalized answers are equal as structures. */
    static boolean equal(String pred, String gold, Equivalence.Context ctx) {
        return same(parse(pred), parse(gold), ctx);
    }

    /** The elements of a bare comma list, or the answer itself when it is not one. */
    static List<String> listItems(String normalized) {
        List<String> parts = Latex.splitTopLevel(normalized, ",");
        if (parts.size() < 2 || Latex.enclosed(normalized) || isSet(normalized)) {
            return List.of(normalized);
        }
        return parts;
    }

    /** The inside of a set {@code \{...\}} or of a TeX group {@code {...}} around a whole answer. */
    static String unwrapSet(String s) {
        if (isSet(s)) {
            return s.substring(2, s.length() - 2);
        }
        return s.startsWith("{") && Latex.matchBrace(s, 0) == s.length() - 1 ? s.substring(1, s.length() - 1) : s;
    }

    static Node parse(String s) {
        String interval = Intervals.fromInequality(s);
        if (interval != null) {
            return parse(interval);
        }
        Matcher bracketed = BRACKETED_MATRIX.matcher(s);
        if (bracketed.matches()) {
            s = bracketed.group(1);
        }
        Matcher m = MATRIX.matcher(s);
        if (m.matches()) {
            List<List<Node>> rows = new ArrayList<>();
            for (String row : Latex.splitTopLevel(m.group(2), "\\\\")) {
                if (!row.isBlank()) {
                    rows.add(Latex.splitTopLevel(row, "&").stream().map(Structures::parse).toList());
                }
            }
            return new Matrix(rows);
        }
        List<String> union = Latex.splitTopLevel(s, "\\cup");
        if (union.size() > 1) {
            return new Union(union.stream().map(Structures::parse).toList());
        }
        if (isSet(s)) {
            return new Collection(items(s.substring(2, s.length() - 2)));
        }
        if (Latex.enclosed(s) && "([".indexOf(s.charAt(0)) >= 0) {
            String inner = s.substring(1, s.length() - 1);
            List<Node> items = items(inner);
            if (items.size() == 1 && Latex.splitTopLevel(inner, ";").size() > 1) { // (0;-2;6)
                items = Latex.splitTopLevel(inner, ";").stream().map(Structures::parse).toList();
            }
            if (items.size() > 1) {
                return new Tuple(s.charAt(0), s.charAt(s.length() - 1), items);
            }
        }
        if (Latex.splitTopLevel(s, ",").size() > 1) {
            return new Collection(items(s));
        }
        List<String> semicolons = Latex.splitTopLevel(s, ";");
        if (semicolons.size() > 1 && semicolons.stream().noneMatch(String::isEmpty)) {
            return new Collection(semicolons.stream().map(Structures::parse).toList());
        }
        if (s.startsWith("{") && Latex.matchBrace(s, 0) == s.length() - 1) { // a TeX group around a list
            return parse(s.substring(1, s.length() - 1));
        }
        for (String sign : new String[] {"\\pm", "\\mp"}) {
            List<String> pm = Latex.splitTopLevel(s, sign);
            if (pm.size() == 2 && !pm.get(1).isEmpty()) {
                String a = pm.get(0);
                String b = "(" + pm.get(1) + ")";
                return new Collection(List.of(new Scalar(a + "+" + b), new Scalar(a + "-" + b)));
            }
        }
        return new Scalar(s);
    }

    private static boolean isSet(String s) {
        return s.startsWith("\\{") && s.endsWith("\\}") && Latex.matchAnyBracket(s, 1) == s.length();
    }

    private static List<Node> items(String inner) {
        return Latex.splitTopLevel(inner, ",").stream().map(Structures::parse).toList();
    }

    static boolean same(Node a, Node b, Equivalence.Context ctx) {
        ctx.deadline().check();
        if (a instanceof Scalar x && b instanceof Scalar y) {
            return Equivalence.scalarEqual(x.text(), y.text(), ctx);
        }
        if (a instanceof Tuple x && b instanceof Tuple y) {
            return x.open() == y.open() && x.close() == y.close() && inOrder(x.items(), y.items(), ctx);
        }
        if (a instanceof Collection x && b instanceof Collection y) {
            return sameElements(x.items(), y.items(), ctx);
        }
        if (a instanceof Union x && b instanceof Union y) {
            return anyOrder(x.parts(), y.parts(), ctx);
        }
        if (a instanceof Matrix x && b instanceof Matrix y) {
            if (x.rows().size() != y.rows().size()) {
                return false;
            }
            for (int r = 0; r < x.rows().size(); r++) {
                if (!inOrder(x.rows().get(r), y.rows().get(r), ctx)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Matrix x && b instanceof Tuple y) {
            return vectorMatches(x, y, ctx);
        }
        return a instanceof Tuple x && b instanceof Matrix y && vectorMatches(y, x, ctx);
    }

    /** A one-row or one-column matrix against a parenthesized tuple of its entries. */
    private static boolean vectorMatches(Matrix m, Tuple t, Equivalence.Context ctx) {
        if (t.open() != '(' || t.close() != ')') {
            return false;
        }
        List<Node> cells = new ArrayList<>();
        boolean column = m.rows().stream().allMatch(r -> r.size() == 1);
        if (!column && m.rows().size() != 1) {
            return false;
        }
        m.rows().forEach(cells::addAll);
        return inOrder(cells, t.items(), ctx);
    }

    private static boolean inOrder(List<Node> a, List<Node> b, Equivalence.Context ctx) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int k = 0; k < a.size(); k++) {
            if (!same(a.get(k), b.get(k), ctx)) {
                return false;
            }
        }
        return true;
    }

    /** As sets: every item of each equals some item of the other (a repeated value counts once). */
    private static boolean sameElements(List<Node> a, List<Node> b, Equivalence.Context ctx) {
        return a.stream().allMatch(x -> b.stream().anyMatch(y -> same(x, y, ctx)))
                && b.stream().allMatch(y -> a.stream().anyMatch(x -> same(x, y, ctx)));
    }

    /** A one-to-one matching of the items of {@code a} onto those of {@code b}. */
    private static boolean anyOrder(List<Node> a, List<Node> b, Equivalence.Context ctx) {
        if (a.size() != b.size()) {
            return false;
        }
        boolean[] used = new boolean[b.size()];
        for (Node x : a) {
            boolean found = false;
            for (int k = 0; k < b.size() && !found; k++) {
                if (!used[k] && same(x, b.get(k), ctx)) {
                    used[k] = true;
                    found = true;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }
}
