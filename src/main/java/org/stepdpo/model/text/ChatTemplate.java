package org.stepdpo.model.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.Serializable;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.CompositeELResolver;

/**
 * A model's own Jinja chat template ({@code chat_template} of {@code tokenizer_config.json}),
 * rendered with jinjava configured to behave like the Jinja2 environment of HF transformers'
 * {@code apply_chat_template}: {@code trim_blocks} and {@code lstrip_blocks} on, a single trailing
 * newline of the template dropped, {@code raise_exception(msg)} failing the render, {@code tojson}
 * as {@code json.dumps(ensure_ascii=False)}, {@code is iterable} true for strings, and {@code messages}, {@code add_generation_prompt} plus
 * the given variables (typically {@code bos_token} / {@code eos_token}, see
 * {@link HfTokenizer#templateVariables()}) in scope.
 *
 * <p>Python features that jinjava lacks are supplied as follows: string methods
 * ({@code .startswith}, {@code .split}, {@code .strip}, ...) by {@link PythonMethods}; extended
 * slices ({@code messages[::-1]}), keyword arguments holding expressions
 * ({@code namespace(n=messages|length - 1)}), the precedence of {@code not}
 * ({@code not x is defined}) and comment whitespace control by rewriting the template text before
 * parsing ({@link TemplateRewriter}); {@code {{-}} trimming, dict-key evaluation and Python-style
 * list printing by jinjava's legacy overrides. {@code namespace}, {@code loop.*}, {@code |length},
 * {@code is defined}, {@code in} and Python string escapes are jinjava's own. Not supported:
 * {@code strftime_now}, the {@code {% generation %}} tag, and Python's printing of booleans and
 * None ({@code {{ true }}} prints {@code true}, {@code {{ none }}} nothing).
 *
 * @param source    the template text as written in the tokenizer config
 * @param variables extra variables in scope for every render (null values are dropped)
 */
public record ChatTemplate(String source, Map<String, Object> variables) implements Serializable {
    /** The longest a render may take; a template that loops longer fails. */
    public static final long TIME_LIMIT_MILLIS = 5_000;
    /** The longest rendered text (and the longest string or list a template may build). */
    public static final int MAX_OUTPUT_CHARS = 8 << 20;
    /** The most elements of a list or map a template may build. */
    public static final int MAX_COLLECTION_SIZE = 100_000;

    public ChatTemplate {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("chat template is empty: expected the chat_template "
                    + "string of the model's tokenizer_config.json");
        }
        Map<String, Object> copy = new LinkedHashMap<>();
        if (variables != null) {
            variables.forEach((k, v) -> {
                if (v != null) {
                    copy.put(k, v);
                }
            });
        }
        variables = Collections.unmodifiableMap(copy);
    }

    /** A template with no extra variables. */
    public static ChatTemplate of(String source) {
        return new ChatTemplate(source, Map.of());
    }

    /** One user message followed by the generation prompt ({@code add_generation_prompt=true}). */
    public String renderUser(String content) {
        return render(List.of(Map.of("role", "user", "content", content)), true, Map.of());
    }

    /**
     * Renders a conversation.
     *
     * @param messages            maps with at least {@code role} and {@code content}
     * @param addGenerationPrompt whether to open the assistant turn at the end
     * @param extraVariables      more variables for this render (override {@link #variables()}); may be null
     * @throws IllegalArgumentException when the template fails or calls {@code raise_exception}
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt,
            Map<String, ?> extraVariables) {
        Map<String, Object> scope = new HashMap<>(variables);
        if (extraVariables != null) {
            extraVariables.forEach((k, v) -> {
                if (v != null) {
                    scope.put(k, v);
                }
            });
        }
        scope.put("messages", messages);
        scope.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        TemplateSandbox.start(TIME_LIMIT_MILLIS);
        try {
            result = Environment.JINJAVA.renderForResult(TemplateRewriter.rewrite(source), scope);
        } catch (StackOverflowError e) {
            throw new IllegalArgumentException("chat template failed: it nests too deeply", e);
        } finally {
            TemplateSandbox.end();
        }
        for (TemplateError error : result.getErrors()) {
            for (Throwable t = error.getException(); t != null; t = t.getCause()) {
                if (t instanceof TemplateSandbox.LimitExceeded) {
                    throw new IllegalArgumentException("chat template failed: " + t.getMessage());
                }
            }
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new IllegalArgumentException("chat template failed: " + describe(error));
            }
        }
        return result.getOutput();
    }

    private static String describe(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof RaisedException) {
                return "raise_exception: " + t.getMessage();
            }
        }
        return error.getMessage() + (error.getLineno() > 0 ? " (line " + error.getLineno() + ")" : "");
    }

    /** Jinja2's {@code is iterable}: strings count (jinjava's test says no), as do lists and dicts. */
    static final class IterableTest implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }

    /** What {@code raise_exception(msg)} throws inside a render. */
    static final class RaisedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        RaisedException(String message) {
            super(message);
        }
    }

    /**
     * The jinjava engine shared by all renders (jinjava creates a fresh interpreter per render),
     * with its output, strings, lists, maps and nesting bounded and the {@link TemplateSandbox}.
     */
    static final class Environment {
        static final Jinjava JINJAVA = create();

        private Environment() {}

        private static Jinjava create() {
            CompositeELResolver resolver = new CompositeELResolver();
            resolver.add(new PythonMethods());
            resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
            JinjavaConfig config = JinjavaConfig.newBuilder()
                    .withTrimBlocks(true)
                    .withLstripBlocks(true)
                    .withElResolver(resolver)
                    .withMaxOutputSize(MAX_OUTPUT_CHARS)
                    .withMaxStringLength(MAX_OUTPUT_CHARS)
                    .withMaxListSize(MAX_COLLECTION_SIZE)
                    .withMaxMapSize(MAX_COLLECTION_SIZE)
                    .withMaxRenderDepth(10)
                    .withMaxMacroRecursionDepth(64)
                    .withNodePreProcessor((node, interpreter) -> TemplateSandbox.checkDeadline())
                    // the messages are data: text such as "{{ x }}" or "{% ... %}" in a problem or a
                    // solution is printed as it is, never interpreted (jinjava would otherwise render it)
                    .withNestedInterpretationEnabled(false)
                    .withLegacyOverrides(LegacyOverrides.newBuilder()
                            .withUseTrimmingForNotesAndExpressions(true)
                            .withParseWhitespaceControlStrictly(true)
                            .withUseNaturalOperatorPrecedence(true)
                            .withEvaluateMapKeys(true)
                            .withIterateOverMapKeys(true)
                            .withUsePyishObjectMapper(true)
                            .withKeepNullableLoopValues(true)
                            .withHandleBackslashInQuotesOnly(true)
                            .build())
                    .build();
            Jinjava jinjava = new Jinjava(config);
            jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception",
                    Environment.class, "raiseException", Object.class));
            jinjava.getGlobalContext().registerFilter(new PythonJson());
            jinjava.getGlobalContext().registerExpTest(new IterableTest());
            TemplateSandbox.install(jinjava);
            return jinjava;
        }

        /** {@code raise_exception(message)}: aborts the render with the template's message. */
        public static Object raiseException(Object message) {
            throw new RaisedException(String.valueOf(message));
        }
    }
}
