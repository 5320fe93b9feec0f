package org.stepdpo.model.text;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Iterator;
import java.util.Map;

/**
 * The {@code tojson} filter as HF transformers defines it for chat templates:
 * {@code json.dumps(x, ensure_ascii=False, indent=indent)}. Keys keep their insertion order;
 * separators are {@code ", "} and {@code ": "} (or {@code ","} and newlines when indent is given),
 * non-ASCII characters are written as they are. jinjava's own {@code tojson} writes compact JSON,
 * which would change the bytes of rendered tool descriptions.
 */
final class PythonJson implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return dumps(var, args.length > 0 && args[0] != null ? Integer.parseInt(args[0]) : -1);
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : args.length > 0 ? args[0] : null;
        return dumps(var, indent == null ? -1 : ((Number) indent).intValue());
    }

    /** Python's {@code json.dumps(value, ensure_ascii=False, indent=indent)}; indent &lt; 0 means none. */
    static String dumps(Object value, int indent) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, indent, 0);
        return sb.toString();
    }

    private static void write(StringBuilder sb, Object v, int indent, int depth) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long
                || v instanceof Short || v instanceof Byte || v instanceof java.math.BigInteger) {
            sb.append(v);
        } else if (v instanceof Number n) {
            sb.append(pythonFloat(n.doubleValue()));
        } else if (v instanceof Map<?, ?> m) {
            writeContainer(sb, '{', '}', m.entrySet().iterator(), indent, depth, (e, d) -> {
                Map.Entry<?, ?> entry = (Map.Entry<?, ?>) e;
                string(sb, String.valueOf(entry.getKey()));
                sb.append(": ");
                write(sb, entry.getValue(), indent, d);
            });
        } else if (v instanceof Iterable<?> it) {
            writeContainer(sb, '[', ']', it.iterator(), indent, depth, (e, d) -> write(sb, e, indent, d));
        } else if (v instanceof Object[] arr) {
            writeContainer(sb, '[', ']', java.util.Arrays.asList(arr).iterator(), indent, depth,
                    (e, d) -> write(sb, e, indent, d));
        } else {
            string(sb, String.valueOf(v));
        }
    }

    private interface ItemWriter {
        void write(Object item, int depth);
    }

    private static void writeContainer(StringBuilder sb, char open, char close, Iterator<?> items, int indent,
            int depth, ItemWriter writer) {
        sb.append(open);
        if (!items.hasNext()) {
            sb.append(close);
            return;
        }
        boolean first = true;
        while (items.hasNext()) {
            if (!first) {
                sb.append(indent >= 0 ? "," : ", ");
            }
            if (indent >= 0) {
                sb.append('\n').append(" ".repeat(indent * (depth + 1)));
            }
            writer.write(items.next(), depth + 1);
            first = false;
        }
        if (indent >= 0) {
            sb.append('\n').append(" ".repeat(indent * depth));
        }
        sb.append(close);
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** Python's float repr for the common cases: {@code 1.0}, {@code 0.5}, {@code 1e+20}, {@code NaN}. */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        java.math.BigDecimal bd = new java.math.BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = bd.precision() - bd.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = bd.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(exponent));
        }
        String plain = bd.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
