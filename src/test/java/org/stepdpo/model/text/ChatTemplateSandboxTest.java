package org.stepdpo.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Chat templates come with model directories that strangers wrote: a render reads no file, calls no
 * Java method, and stops at its time and size limits with a message instead of running on or
 * filling the heap.
 */
class ChatTemplateSandboxTest {

    private static String render(String template) {
        return ChatTemplate.of(template).render(List.of(Map.of("role", "user", "content", "q")), false, Map.of());
    }

    /** Renders a template that must fail; returns the message, checking it came within {@code millis}. */
    private static String refused(String template, long millis) {
        long start = System.nanoTime();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> render(template), template);
        long took = (System.nanoTime() - start) / 1_000_000;
        assertTrue(took < millis, "took " + took + " ms: " + template);
        assertTrue(e.getMessage().startsWith("chat template failed: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void includeImportAndFromReadNoFileNorClasspathResource() {
        for (String t : List.of("{% include '/etc/passwd' %}", "{% include 'META-INF/MANIFEST.MF' %}",
                "{% import '/etc/hosts' as h %}", "{% from '../tokenizer.json' import x %}",
                "{% include 'file:///etc/passwd' %}", "{% include 'http://127.0.0.1:9/x' %}")) {
            String message = refused(t, 2_000);
            assertTrue(message.contains("may not read other files"), message);
        }
    }

    @Test
    void noJavaMethodIsReachable() {
        for (String t : List.of("{{ ''.getClass() }}", "{{ messages.getClass().forName('java.lang.Runtime') }}",
                "{{ messages[0].getClass().getClassLoader() }}", "{{ add_generation_prompt.getClass() }}")) {
            String message = refused(t, 2_000);
            assertTrue(message.contains("Cannot find method 'getClass'"), message);
        }
    }

    @Test
    void outputStringsAndCollectionsAreBounded() {
        // 1000 x 1000 x 10 characters printed: over the 8 MiB output limit
        assertTrue(refused("{% for i in range(1000) %}{% for j in range(1000) %}{{ 'xxxxxxxxxx' }}{% endfor %}"
                + "{% endfor %}", 10_000).contains("over limit of " + ChatTemplate.MAX_OUTPUT_CHARS));
        // doubling a string or a list until it is too big
        assertTrue(refused("{% set s = 'ab' %}{% for i in range(40) %}{% set s = s ~ s %}{% endfor %}{{ s|length }}",
                5_000).contains("over limit of"));
        assertTrue(refused("{% set x = [1] %}{% for i in range(40) %}{% set x = x + x %}{% endfor %}{{ x|length }}",
                5_000).contains("CollectionTooBigException"));
    }

    @Test
    void filtersThatWouldBuildHugeStringsAreRefusedBeforeTheyRun() {
        assertTrue(refused("{{ 'x'|center(100000000) }}", 2_000).contains("filter center could build 100000001 characters"));
        String a40 = "a".repeat(40);
        assertTrue(refused("{{ 'ab'" + ("|replace('a', '" + a40 + "')").repeat(5) + " }}", 2_000)
                .contains("filter replace could build"));
        // 5,000 references to one 1 MiB string, joined or serialized
        String copies = "{% set ns = namespace(s='abcdefgh') %}{% for i in range(17) %}{% set ns.s = ns.s ~ ns.s %}"
                + "{% endfor %}{% set l = namespace(x=[]) %}{% for i in range(5000) %}{% set _ = l.x.append(ns.s) %}"
                + "{% endfor %}";
        assertTrue(refused(copies + "{{ l.x|join(',')|length }}", 5_000).contains("filter join could build"));
        assertTrue(refused(copies + "{{ l.x|tojson|length }}", 5_000).contains("filter tojson could build"));
        // ordinary filter chains are untouched
        assertEquals("[\"q\"]QQa-b",
                render("{{ [messages[0].content]|tojson }}{{ messages[0].content|replace('q', 'qq')|upper|trim }}"
                        + "{{ 'a,b'.split(',')|join('-') }}"));
    }

    @Test
    void nestedLoopsStopAtTheTimeLimit() {
        // 10^12 empty iterations: the deadline is checked as each inner loop starts
        String message = refused("{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}"
                + "{% for l in range(1000) %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
                ChatTemplate.TIME_LIMIT_MILLIS + 3_000);
        assertEquals("chat template failed: rendering ran past its time limit of " + ChatTemplate.TIME_LIMIT_MILLIS
                + " ms", message);
        // the next render on this thread has its own time
        assertEquals("q", render("{{ messages[0].content }}"));
    }

    @Test
    void selfRecursiveMacrosStop() {
        long start = System.nanoTime();
        String out;
        try {
            out = render("{% macro f(n) %}{{ f(n + 1) }}x{% endmacro %}{{ f(0) }}");
        } catch (IllegalArgumentException e) {
            out = e.getMessage();
        }
        assertTrue((System.nanoTime() - start) / 1_000_000 < 2_000);
        assertTrue(out.length() < 1_000, out);
    }
}
