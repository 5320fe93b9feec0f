package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.stepdpo.model.io.DType;
import org.stepdpo.model.io.SafetensorsWriter;

/**
 * Saves a decoder as an HF model directory: safetensors weights (sharded above
 * {@link #MAX_SHARD_BYTES}), {@code config.json} with the stored dtype, and the tokenizer and
 * generation files of the directory it came from.
 */
public final class ModelWriter {
    /** Shard size limit, as HF's default {@code max_shard_size="5GB"}. */
    public static final long MAX_SHARD_BYTES = 5_000_000_000L;

    /** Files copied from the source directory when present. */
    static final List<String> COMPANION_FILES = List.of("tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "generation_config.json", "vocab.json", "merges.txt", "tokenizer.model",
            "added_tokens.json", "chat_template.jinja");

    private ModelWriter() {}

    /**
     * Writes {@code model} into {@code out}.
     *
     * @param source  the directory the model was loaded from (its config and tokenizer files are kept)
     * @param storeAs F32, BF16 or F16
     */
    public static void save(DecoderLM model, Path source, Path out, DType storeAs) {
        if (storeAs != DType.F32 && storeAs != DType.BF16 && storeAs != DType.F16) {
            throw new IllegalArgumentException("weights can be stored as F32, BF16 or F16, not " + storeAs);
        }
        // FP32 copies of non-FP32 parameters live in this sub-manager until the files are written:
        // the buffers handed to the writer may point into their native memory.
        try (NDManager scratch = model.manager().newSubManager()) {
            Files.createDirectories(out);
            List<SafetensorsWriter.Tensor> tensors = new ArrayList<>();
            for (Map.Entry<String, NDArray> e : model.weights().byName().entrySet()) {
                NDArray a = e.getValue();
                NDArray f32 = a;
                if (a.getDataType() != DataType.FLOAT32) {
                    f32 = a.toType(DataType.FLOAT32, false);
                    f32.attach(scratch);
                }
                tensors.add(SafetensorsWriter.f32(e.getKey(), a.getShape().getShape(),
                        f32.toByteBuffer().order(ByteOrder.nativeOrder()).asFloatBuffer(), storeAs));
            }
            SafetensorsWriter.writeModel(out, tensors, Map.of("format", "pt"), MAX_SHARD_BYTES);
            writeConfig(source.resolve("config.json"), out.resolve("config.json"), storeAs);
            for (String name : COMPANION_FILES) {
                Path file = source.resolve(name);
                if (Files.isRegularFile(file) && !file.equals(out.resolve(name))) {
                    Files.copy(file, out.resolve(name), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the model to " + out, e);
        }
    }

    private static void writeConfig(Path from, Path to, DType storeAs) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode config = (ObjectNode) json.readTree(from.toFile());
        config.put("torch_dtype", switch (storeAs) {
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> "float32";
        });
        json.writeValue(to.toFile(), config);
    }
}
