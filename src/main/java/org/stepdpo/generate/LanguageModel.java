package org.stepdpo.generate;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.HfConfig;
import org.stepdpo.model.LoraAdapters;
import org.stepdpo.model.text.ChatTemplate;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.model.text.PromptTemplates;
import org.stepdpo.spark.ExecutorModel;
import org.stepdpo.spark.LocalPaths;

/**
 * A model directory loaded on an executor: the decoder and its tokenizer, shared by every task on
 * that executor (see {@link org.stepdpo.spark.ExecutorModels}).
 */
public record LanguageModel(DecoderLM decoder, HfTokenizer tokenizer) implements AutoCloseable {

    /** Renders the generation prompt {@code name} for {@code instruction} (and an optional step prefix). */
    public String prompt(String name, String instruction, String prefix) {
        String template = tokenizer.chatTemplate();
        ChatTemplate chat = template == null ? null : new ChatTemplate(template, tokenizer.templateVariables());
        return PromptTemplates.generation(name, instruction, prefix, chat);
    }

    @Override
    public void close() {
        try (tokenizer) {
            decoder.close();
        }
    }

    /**
     * What an executor needs to load the model: the directory (a path every executor can read), the
     * dtype ({@code auto}: FP16 on a GPU, FP32 on the CPU) and an optional PEFT LoRA adapter folder
     * applied to it ({@link LoraAdapters}). Serializable; holds no model.
     */
    public record Spec(String dir, String dtype, String adapter) implements ExecutorModel<LanguageModel> {
        /** A model without adapter. */
        public Spec(String dir, String dtype) {
            this(dir, dtype, null);
        }

        public Spec {
            dir = LocalPaths.absolute(dir); // resolved where the job starts, the same on every executor
            adapter = adapter == null ? null : LocalPaths.absolute(adapter);
            if (!dtype.equals("auto") && !dtype.equals("float32") && !dtype.equals("float16")) {
                throw new IllegalArgumentException("--dtype must be auto, float32 or float16, got '" + dtype + "'");
            }
        }

        /**
         * Checks on the driver, before any task starts, that the directory holds a usable model and
         * tokenizer (and a chat template when {@code prompt} is {@code chat}).
         */
        public void check(String prompt) {
            check(prompt, "--model");
        }

        /** As {@link #check(String)}, naming {@code flag} as the one that gave the directory. */
        public void check(String prompt, String flag) {
            Path path = path();
            try {
                HfConfig.load(path);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
            }
            if (!Files.isRegularFile(path.resolve("tokenizer.json"))) {
                throw new IllegalArgumentException(flag + ": tokenizer.json not found in " + path
                        + ": generation needs the model's tokenizer files");
            }
            if (adapter != null) {
                try {
                    LoraAdapters.readConfig(LocalPaths.of(adapter));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--adapter: " + e.getMessage(), e);
                }
            }
            if (prompt.equals("chat")) {
                try (HfTokenizer tokenizer = HfTokenizer.load(path)) {
                    if (tokenizer.chatTemplate() == null) {
                        throw new IllegalArgumentException("--prompt chat: " + path
                                + " has no chat_template in tokenizer_config.json; choose a named template");
                    }
                }
            }
        }

        /** The directory as a local path ({@code file:} URIs accepted). */
        public Path path() {
            return LocalPaths.of(dir);
        }

        @Override
        public String cacheKey() {
            return dir + "|" + dtype + (adapter == null ? "" : "|adapter=" + adapter);
        }

        @Override
        public LanguageModel load(Device device) {
            DataType type = switch (dtype) {
                case "float16" -> DataType.FLOAT16;
                case "float32" -> DataType.FLOAT32;
                default -> device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
            };
            Path path = path();
            HfTokenizer tokenizer = HfTokenizer.load(path);
            DecoderLM decoder = null;
            try {
                decoder = DecoderLM.load(path, device, type);
                if (adapter != null) {
                    // the adapter's arrays belong to the decoder's manager and go with it
                    decoder.attach(LoraAdapters.load(decoder, LocalPaths.of(adapter)));
                }
                return new LanguageModel(decoder, tokenizer);
            } catch (RuntimeException e) {
                if (decoder != null) {
                    decoder.close();
                }
                tokenizer.close();
                throw e;
            }
        }
    }
}
