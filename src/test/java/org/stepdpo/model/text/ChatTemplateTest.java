package org.stepdpo.model.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Chat templates rendered as HF's Jinja2 environment renders them. Expected strings are literal;
 * each was checked against Jinja2 3.1 with trim_blocks, lstrip_blocks and HF's tojson.
 */
class ChatTemplateTest {

    private static ChatTemplate qwen;

    @BeforeAll
    static void loadQwenTemplate() throws Exception {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream(
                "/fixtures/tokenizers/qwen3/tokenizer_config.json")) {
            qwen = ChatTemplate.of(new ObjectMapper().readTree(in).get("chat_template").asText());
        }
    }

    private static Map<String, Object> msg(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    private static String render(String template, Map<String, ?> vars) {
        return ChatTemplate.of(template).render(List.of(msg("user", "q")), false, vars);
    }

    @Test
    void qwenOneUserMessageWithGenerationPrompt() {
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n", qwen.renderUser("Q"));
        assertEquals("<|im_start|>user\nWhat is $\\frac{1}{2}$?\nLine 2<|im_end|>\n<|im_start|>assistant\n",
                PromptTemplates.chat(qwen.source(), "What is $\\frac{1}{2}$?\nLine 2", Map.of("eos_token", "<|im_end|>")));
    }

    @Test
    void templateSyntaxInsideAMessageIsPrintedNotInterpreted() {
        // a MATH solution (ProcessBench math) and text that would be template code if it were interpreted
        for (String content : List.of("$\\frac{{\\text{last term} - \\text{first term}}}{2}$",
                "{{ raise_exception('x') }} {% for i in range(9) %}i{% endfor %} {# note #}")) {
            assertEquals("<|im_start|>user\n" + content + "<|im_end|>\n<|im_start|>assistant\n", qwen.renderUser(content));
        }
    }

    @Test
    void qwenSystemTurnsThinkingAndNoGenerationPrompt() {
        assertEquals("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n",
                qwen.render(List.of(msg("system", "S"), msg("user", "Q")), true, null));
        assertEquals("<|im_start|>user\nQ<|im_end|>\n", qwen.render(List.of(msg("user", "Q")), false, null));
        assertEquals("<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                qwen.render(List.of(msg("user", "Q")), true, Map.of("enable_thinking", false)));
        List<Map<String, Object>> turns = List.of(msg("user", "Q1"), msg("assistant", "<think>\nr1\n</think>\n\nA1"),
                msg("user", "Q2"), msg("assistant", "<think>\nreason\n</think>\n\nA2"));
        assertEquals("<|im_start|>user\nQ1<|im_end|>\n<|im_start|>assistant\nA1<|im_end|>\n<|im_start|>user\nQ2"
                + "<|im_end|>\n<|im_start|>assistant\n<think>\nreason\n</think>\n\nA2<|im_end|>\n",
                qwen.render(turns, false, null));
    }

    @Test
    void qwenToolsUseNamespaceReversedMessagesAndTojson() {
        Map<String, Object> call = msg("assistant", "");
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("x", 1);
        args.put("y", "é\"q");
        args.put("z", java.util.Arrays.asList(1.5, true, null));
        call.put("tool_calls", List.of(Map.of("type", "function", "function", Map.of("name", "f", "arguments", args))));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "f");
        function.put("description", "d");
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        String out = qwen.render(List.of(msg("user", "Q1"), call, msg("tool", "42"), msg("tool", "43"),
                msg("assistant", "done")), true, Map.of("tools", List.of(tool)));
        assertEquals("<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist with the user "
                + "query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>\n"
                + "{\"type\": \"function\", \"function\": {\"name\": \"f\", \"description\": \"d\"}}\n</tools>\n\n"
                + "For each function call, return a json object with function name and arguments within "
                + "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
                + "<args-json-object>}\n</tool_call><|im_end|>\n<|im_start|>user\nQ1<|im_end|>\n<|im_start|>"
                + "assistant\n<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": 1, \"y\": \"é\\\"q\", \"z\": "
                + "[1.5, true, null]}}\n</tool_call><|im_end|>\n<|im_start|>user\n<tool_response>\n42\n"
                + "</tool_response>\n<tool_response>\n43\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
                + "<think>\n\n</think>\n\ndone<|im_end|>\n<|im_start|>assistant\n", out);
    }

    @Test
    void qwen2StyleTemplateReproducesTheSeedPrompt() {
        String qwen2 = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                + "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
                + "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
                + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        String boxed = "\nPlease reason step by step, and put your final answer within \\boxed{}.";
        assertEquals(PromptTemplates.generation("qwen2-boxed", "What is $\\frac{1}{2}$?", null),
                PromptTemplates.chat(qwen2, "What is $\\frac{1}{2}$?" + boxed, Map.of()));
    }

    @Test
    void notHasJinjaPrecedence() {
        String deepseek = "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}"
                + "{% endif %}{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}"
                + "{{ 'User: ' + message['content'] + '\\n\\n' }}{% endif %}{% endfor %}"
                + "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";
        assertEquals("<s>User: Q\n\nAssistant:", PromptTemplates.chat(deepseek, "Q", Map.of("bos_token", "<s>")));
        assertEquals("true|false|true", render("{{ 'x' in ['x'] and not 'y' in ['x'] }}|{{ not messages[0]['role'] "
                + "is defined }}|{{ not x is defined }}", null));
    }

    @Test
    void llamaAndMistralStyleTemplates() {
        String llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
                + "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + "
                + "'<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
                + "{{ content }}{% endfor %}{% if add_generation_prompt %}"
                + "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nQ<|eot_id|><|start_header_id|>"
                + "assistant<|end_header_id|>\n\n",
                new ChatTemplate(llama3, Map.of("bos_token", "<|begin_of_text|>")).renderUser("  Q  "));
        String mistral = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != "
                + "(loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate') }}{% endif %}"
                + "{{ '[INST] ' + message['content'] + ' [/INST]' }}{% endfor %}";
        ChatTemplate m = new ChatTemplate(mistral, Map.of("bos_token", "<s>"));
        assertEquals("<s>[INST] Q [/INST]", m.renderUser("Q"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> m.render(List.of(msg("system", "S"), msg("user", "Q")), true, null));
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void pythonStringMethods() {
        assertEquals("a/b//c/|a/b|a b/c|a/b  c ||", render("{{ 'a,b,,c,'.split(',')|join('/') }}|{{ '  a  b '.split()"
                + "|join('/') }}|{{ 'a b c'.rsplit(' ', 1)|join('/') }}|{{ '  a b  c '.split(none, 1)|join('/') }}|"
                + "{{ 'x</t>'.split('</t>')[-1] }}|", null));
        assertEquals("ab|ab|abx|xxab|", render("{{ '\\n\\nab\\n'.strip('\\n') }}|{{ '  ab  '.strip() }}|"
                + "{{ 'xxabx'.lstrip('x') }}|{{ 'xxabx'.rstrip('x') }}|", null));
        assertEquals("HELLO WORLDhiHello WorldHelloa, b22bba", render("{{ 'Hello World'.upper() }}{{ 'Hi'.lower() }}"
                + "{{ 'hello world'.title() }}{{ 'hELLO'.capitalize() }}{{ ', '.join(['a','b']) }}"
                + "{{ 'abab'.count('ab') }}{{ 'abc'.find('c') }}{{ 'aaa'.replace('a','b',2) }}", null));
        assertEquals("TrueFalse", render("{% if 'abc'.startswith(('x', 'a')) %}True{% endif %}"
                + "{% if not 'abc'.endswith('b') %}False{% endif %}", null));
        assertEquals("str list map", render("{% if 'abc' is iterable %}str{% endif %}{% if 1 is iterable %}int{% endif %}"
                + "{% if [1] is iterable %} list{% endif %}{% if {'a': 1} is iterable %} map{% endif %}", null));
    }

    @Test
    void extendedSlicesKeywordExpressionsAndTojson() {
        assertEquals("4321|ace|bd|eca|[::-1]", render("{% for x in [1,2,3,4][::-1] %}{{x}}{% endfor %}|"
                + "{{ 'abcdef'[::2] }}|{{ 'abcdef'[1:5:2] }}|{{ 'abcdef'[-2::-2] }}|{{ '[::-1]' }}", null));
        assertEquals("0bYy", render("{% set ns = namespace(found=false, n=messages|length - 1, "
                + "s='a,b'.split(',')[-1]) %}{{ ns.n }}{{ ns.s }}{% if ns.n != 1 and ns.n >= 0 %}Y{% endif %}"
                + "{{ 'x'|replace('x', 'y') }}", null));
        assertEquals("1213", render("{% macro f(a, b=2) %}{{ a }}{{ b }}{% endmacro %}{{ f(1) }}{{ f(1, b=3) }}", null));
        assertEquals("{\"a\": 1, \"b\": [1.5, \"x\", true, null], \"c\": {}}|[]|{\n  \"k\": \"v\"\n}",
                render("{{ {'a': 1, 'b': [1.5, 'x', true, none], 'c': {} } | tojson }}|{{ [] | tojson }}|"
                        + "{{ {'k': 'v'} | tojson(indent=2) }}", null));
    }

    @Test
    void whitespaceControlCommentsAndTrailingNewline() {
        assertEquals("  x\n    1\n    2\nend\n", render("{% if true %}\n  x\n{% endif %}\n  {% for i in [1,2] %}\n"
                + "    {{ i }}\n  {% endfor %}\nend\n\n", null));
        assertEquals("a\n  b  c d\n e", render("a\n  {# c #}\n  b\n{#- x #}  c {# y -#}\n\n d\n{# z #} e", null));
        assertEquals("abd e", render("{{- 'a' -}}\n  b  {#- c -#}  d {{ 'e' }}\n", null));
        assertEquals("<s>user:q</s>\n", render("{{ bos_token }}{% for m in messages %}{{ m['role'] }}:"
                + "{{ m['content'] }}{{ eos_token }}\n{% endfor %}\n", Map.of("bos_token", "<s>", "eos_token", "</s>")));
    }

    @Test
    void brokenTemplatesFailWithTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> render("{{ raise_exception('no ' + 'way') }}", null));
        assertEquals("chat template failed: raise_exception: no way", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> render("{{ messages[ }}", null));
        assertThrows(IllegalArgumentException.class, () -> ChatTemplate.of("  "));
    }

    @Test
    void rewriterLeavesStringsAlone() {
        assertEquals("{{ x.py_slice__(none, none, -1) }}{{ '[::-1] not a is b' }}",
                TemplateRewriter.rewrite("{{ x[::-1] }}{{ '[::-1] not a is b' }}\n"));
        assertEquals("{% if not (a is defined) and b %}", TemplateRewriter.rewrite("{% if not a is defined and b %}"));
        assertEquals("{%- if a is not none and b not in c -%}",
                TemplateRewriter.rewrite("{%- if a is not none and b not in c -%}"));
        assertEquals("{{ f(a=(1), b=(x|length - 1), c=('s,=')) }}",
                TemplateRewriter.rewrite("{{ f(a=1, b=x|length - 1, c='s,=') }}"));
    }
}
