package org.stepdpo.model.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The bounds of a chat-template render. Templates come with model directories written by others,
 * so a render reads no file ({@code include}, {@code import} and {@code from} find nothing; jinjava
 * itself reaches no Java method such as {@code getClass}), and its time and the size of what it
 * builds are bounded. The deadline is checked before every node is rendered, every loop starts and
 * every filter runs, so a render stops within a few thousand empty loop iterations of it. A filter
 * whose input and arguments could make a result longer than {@link ChatTemplate#MAX_OUTPUT_CHARS}
 * ({@code center(10**9)}, a replace that multiplies a long string, a join over many copies of a
 * long string) is refused before it allocates anything.
 */
final class TemplateSandbox {
    /** The current render's deadline ({@link System#nanoTime()}), per rendering thread. */
    private static final ThreadLocal<Long> DEADLINE = new ThreadLocal<>();

    private TemplateSandbox() {}

    /** What the checks throw inside a render. */
    static final class LimitExceeded extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LimitExceeded(String message) {
            super(message);
        }
    }

    /** Adds the bounds to an engine: no file loading, timed loops, bounded filters. */
    static void install(Jinjava jinjava) {
        Context global = jinjava.getGlobalContext();
        global.registerTag(new TimedForTag());
        for (Filter f : new ArrayList<>(global.getAllFilters())) {
            global.registerFilter(new BoundedFilter(f));
        }
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new ResourceNotFoundException("a chat template may not read other files (" + name + ")");
        });
    }

    /** Starts a render on this thread with {@code millis} to run. */
    static void start(long millis) {
        DEADLINE.set(System.nanoTime() + millis * 1_000_000L);
    }

    static void end() {
        DEADLINE.remove();
    }

    static void checkDeadline() {
        Long deadline = DEADLINE.get();
        if (deadline != null && System.nanoTime() - deadline > 0) {
            throw new LimitExceeded("rendering ran past its time limit of " + ChatTemplate.TIME_LIMIT_MILLIS + " ms");
        }
    }

    /** jinjava's {@code for}, checking the deadline each time a loop starts. */
    static final class TimedForTag extends ForTag {
        private static final long serialVersionUID = 1L;

        @Override
        public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
            checkDeadline();
            return super.interpretUnchecked(tagNode, interpreter);
        }
    }

    /** A filter that checks the deadline and refuses to build results over the size limit. */
    static final class BoundedFilter implements Filter {
        private static final long serialVersionUID = 1L;
        private final Filter filter;

        BoundedFilter(Filter filter) {
            this.filter = filter;
        }

        @Override
        public String getName() {
            return filter.getName();
        }

        @Override
        public boolean preserveSafeString() {
            return filter.preserveSafeString();
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            check(var, args, Map.of());
            return filter.filter(var, interpreter, args);
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            check(var, args, kwargs);
            return filter.filter(var, interpreter, args, kwargs);
        }

        @Override
        public Object filter(SafeString var, JinjavaInterpreter interpreter, String... args) {
            check(var, args, Map.of());
            return filter.filter(var, interpreter, args);
        }

        /**
         * Refuses a call whose result could exceed the limit: the input's characters times one
         * plus the string arguments' characters (a replace or a join can repeat them that often),
         * plus any numeric argument (a width or a count).
         */
        private void check(Object var, Object[] args, Map<String, Object> kwargs) {
            checkDeadline();
            double textArgs = 0;
            double numbers = 0;
            List<Object> all = new ArrayList<>(kwargs.values());
            if (args != null) {
                Collections.addAll(all, args);
            }
            for (Object a : all) {
                if (a instanceof Number n) {
                    numbers += Math.abs(n.doubleValue());
                } else if (a instanceof CharSequence s) {
                    textArgs += s.length();
                    numbers += parsedNumber(s);
                }
            }
            double bound = size(var, 2) * (1 + textArgs) + numbers;
            if (bound > ChatTemplate.MAX_OUTPUT_CHARS) {
                throw new LimitExceeded("filter " + getName() + " could build " + (long) Math.min(bound, Long.MAX_VALUE)
                        + " characters, over the limit of " + ChatTemplate.MAX_OUTPUT_CHARS);
            }
        }

        /** A string argument that reads as a number counts as one (jinjava passes some numbers as text). */
        private static double parsedNumber(CharSequence s) {
            if (s.length() == 0 || s.length() > 24) {
                return 0;
            }
            try {
                return Math.abs(Double.parseDouble(s.toString()));
            } catch (NumberFormatException e) {
                return 0;
            }
        }

        /** Characters a value prints as, counting strings in collections down to {@code depth} levels. */
        private static double size(Object v, int depth) {
            if (v instanceof CharSequence s) {
                return s.length();
            }
            if (v instanceof SafeString s) {
                return s.toString().length();
            }
            if (depth > 0 && v instanceof Collection<?> c) {
                double sum = c.size();
                for (Object e : c) {
                    sum += size(e, depth - 1);
                }
                return sum;
            }
            if (depth > 0 && v instanceof Map<?, ?> m) {
                double sum = m.size();
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sum += size(e.getKey(), depth - 1) + size(e.getValue(), depth - 1);
                }
                return sum;
            }
            return v instanceof Collection<?> c ? c.size() : v instanceof Map<?, ?> m ? m.size() : 1;
        }
    }
}
