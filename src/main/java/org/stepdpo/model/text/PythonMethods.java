package org.stepdpo.model.text;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods for jinjava, so that HF chat templates written for Jinja2 can call
 * {@code message.content.startswith('x')} and friends on plain Java strings. Placed first in the
 * resolver chain, it answers only the method names below (on a {@link String}, or {@link #SLICE}
 * on a string or list) and leaves everything else to jinjava's own resolvers.
 *
 * <p>Methods, with Python's semantics: {@code startswith}, {@code endswith} (a string or a list of
 * candidates), {@code strip}, {@code lstrip}, {@code rstrip} (whitespace or the given characters),
 * {@code split}, {@code rsplit} (whitespace runs or a literal separator, optional maxsplit),
 * {@code upper}, {@code lower}, {@code capitalize}, {@code title}, {@code replace} (optional count),
 * {@code join}, {@code find}, {@code count}. Java's own {@code split} would take a regular expression
 * and drop trailing empty strings, which is why it is overridden.
 */
final class PythonMethods extends ELResolver {

    /** Method that {@link ChatTemplate} rewrites Python's extended slice {@code x[a:b:c]} into. */
    static final String SLICE = "py_slice__";

    private static final Set<String> STRING_METHODS = Set.of("startswith", "endswith", "strip", "lstrip",
            "rstrip", "split", "rsplit", "upper", "lower", "capitalize", "title", "replace", "join", "find",
            "count", SLICE);

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(method instanceof String name)) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        if (base instanceof String s && STRING_METHODS.contains(name)) {
            context.setPropertyResolved(true);
            return stringMethod(s, name, args);
        }
        if (base instanceof List<?> list && name.equals(SLICE)) {
            context.setPropertyResolved(true);
            List<Object> out = new ArrayList<>();
            for (int i : sliceIndices(list.size(), args)) {
                out.add(list.get(i));
            }
            return out;
        }
        return null;
    }

    private static Object stringMethod(String s, String name, Object[] a) {
        switch (name) {
            case "startswith":
                return anyMatch(a[0], p -> s.startsWith(p));
            case "endswith":
                return anyMatch(a[0], p -> s.endsWith(p));
            case "strip":
                return rstrip(lstrip(s, arg(a, 0)), arg(a, 0));
            case "lstrip":
                return lstrip(s, arg(a, 0));
            case "rstrip":
                return rstrip(s, arg(a, 0));
            case "split":
                return split(s, arg(a, 0), a.length > 1 ? ((Number) a[1]).intValue() : -1, false);
            case "rsplit":
                return split(s, arg(a, 0), a.length > 1 ? ((Number) a[1]).intValue() : -1, true);
            case "upper":
                return s.toUpperCase(java.util.Locale.ROOT);
            case "lower":
                return s.toLowerCase(java.util.Locale.ROOT);
            case "capitalize":
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                        + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "title":
                return title(s);
            case "replace":
                return replace(s, String.valueOf(a[0]), String.valueOf(a[1]),
                        a.length > 2 ? ((Number) a[2]).intValue() : -1);
            case "join":
                return join(s, a[0]);
            case "find":
                return s.indexOf(String.valueOf(a[0]));
            case "count":
                return count(s, String.valueOf(a[0]));
            case SLICE: {
                StringBuilder sb = new StringBuilder();
                for (int i : sliceIndices(s.length(), a)) {
                    sb.append(s.charAt(i));
                }
                return sb.toString();
            }
            default:
                throw new IllegalStateException("unhandled method " + name);
        }
    }

    private static String arg(Object[] a, int i) {
        return a.length > i && a[i] != null ? String.valueOf(a[i]) : null;
    }

    private static boolean anyMatch(Object candidates, java.util.function.Predicate<String> test) {
        if (candidates instanceof Collection<?> c) {
            return c.stream().anyMatch(x -> test.test(String.valueOf(x)));
        }
        return test.test(String.valueOf(candidates));
    }

    private static boolean strippable(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && strippable(s.charAt(i), chars)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int j = s.length();
        while (j > 0 && strippable(s.charAt(j - 1), chars)) {
            j--;
        }
        return s.substring(0, j);
    }

    /** Python's {@code str.split} / {@code str.rsplit}: {@code sep == null} splits on whitespace runs. */
    static List<String> split(String s, String sep, int maxSplit, boolean fromRight) {
        if (sep != null && sep.isEmpty()) {
            throw new IllegalArgumentException("split: empty separator");
        }
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            String rest = fromRight ? rstrip(s, null) : lstrip(s, null);
            while (!rest.isEmpty()) {
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rest);
                    break;
                }
                if (fromRight) {
                    int j = rest.length();
                    while (j > 0 && !strippable(rest.charAt(j - 1), null)) {
                        j--;
                    }
                    parts.add(rest.substring(j));
                    rest = rstrip(rest.substring(0, j), null);
                } else {
                    int i = 0;
                    while (i < rest.length() && !strippable(rest.charAt(i), null)) {
                        i++;
                    }
                    parts.add(rest.substring(0, i));
                    rest = lstrip(rest.substring(i), null);
                }
            }
        } else {
            String rest = s;
            while (maxSplit < 0 || parts.size() < maxSplit) {
                int at = fromRight ? rest.lastIndexOf(sep) : rest.indexOf(sep);
                if (at < 0) {
                    break;
                }
                parts.add(fromRight ? rest.substring(at + sep.length()) : rest.substring(0, at));
                rest = fromRight ? rest.substring(0, at) : rest.substring(at + sep.length());
            }
            parts.add(rest);
        }
        if (fromRight) {
            java.util.Collections.reverse(parts);
        }
        return parts;
    }

    private static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (char c : s.toCharArray()) {
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    private static String replace(String s, String old, String rep, int count) {
        if (count < 0) {
            return s.replace(old, rep);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int n = 0; n < count; n++) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(rep);
            from = at + old.length();
            if (old.isEmpty()) {
                if (from >= s.length()) {
                    break;
                }
                sb.append(s.charAt(from++));
            }
        }
        return sb.append(s.substring(Math.min(from, s.length()))).toString();
    }

    private static String join(String sep, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) {
            it.forEach(x -> parts.add(String.valueOf(x)));
        } else {
            String str = String.valueOf(items);
            str.chars().forEach(c -> parts.add(String.valueOf((char) c)));
        }
        return String.join(sep, parts);
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    /** The indices Python's {@code seq[start:stop:step]} visits, for a sequence of length {@code n}. */
    static int[] sliceIndices(int n, Object[] a) {
        Integer start = index(a, 0);
        Integer stop = index(a, 1);
        int step = a.length > 2 && a[2] != null ? ((Number) a[2]).intValue() : 1;
        if (step == 0) {
            throw new IllegalArgumentException("slice step cannot be zero");
        }
        int lo = step > 0 ? 0 : -1;
        int hi = step > 0 ? n : n - 1;
        int from = start == null ? (step > 0 ? lo : hi) : clamp(start < 0 ? start + n : start, lo, hi);
        int to = stop == null ? (step > 0 ? hi : lo) : clamp(stop < 0 ? stop + n : stop, lo, hi);
        List<Integer> out = new ArrayList<>();
        for (int i = from; step > 0 ? i < to : i > to; i += step) {
            out.add(i);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static Integer index(Object[] a, int i) {
        return a.length > i && a[i] != null ? ((Number) a[i]).intValue() : null;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    // Property access is left to jinjava's resolvers.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // Not handled here.
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
