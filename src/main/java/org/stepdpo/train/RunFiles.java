package org.stepdpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The files of a training run under its output directory:
 * <pre>
 *   OUT/model/                       the final model only: config.json, *.safetensors, tokenizer files
 *   OUT/trainer_state.json           written last: the final model is complete
 *   OUT/checkpoints/step-00000010/   every --save-steps: the model in float32, optimizer.safetensors and
 *                                    trainer_state.json (data position), the newest --save-total-limit kept
 *   OUT/reference/                   stored reference log-probs (unless --reference names another place)
 *   OUT/metrics.jsonl                one line per optimizer step
 *   OUT/train_config.json, train_summary.json, memory_plan.json, metrics.png, rejected/
 * </pre>
 * A checkpoint is complete once its {@code trainer_state.json} exists: it is written last, by rename.
 */
public final class RunFiles {
    public static final String STATE = "trainer_state.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    public static final String METRICS = "metrics.jsonl";
    public static final String CONFIG = "train_config.json";
    /** The final model's folder under the run's output. */
    public static final String MODEL = "model";
    /** The final LoRA adapter's folder (PEFT's format). */
    public static final String ADAPTER = "adapter";
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path out;

    public RunFiles(Path out) {
        this.out = out;
    }

    public Path out() {
        return out;
    }

    /** The final model (an HF directory holding the model only). */
    public Path model() {
        return out.resolve(MODEL);
    }

    /** The final LoRA adapter (PEFT's {@code adapter_config.json} and {@code adapter_model.safetensors}). */
    public Path adapter() {
        return out.resolve(ADAPTER);
    }

    /**
     * Where the folder {@code target} is written before {@link #publish}: {@code _NAME.partial} beside
     * it, emptied first (a failed attempt may have left one).
     */
    public static Path partial(Path target) {
        Path partial = target.resolveSibling("_" + target.getFileName() + ".partial");
        try {
            if (Files.exists(partial)) {
                deleteTree(partial);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + partial, e);
        }
        return partial;
    }

    /**
     * Moves the folder {@code partial}, written in full, to {@code target} in one rename, replacing
     * an earlier {@code target}: a reader sees the whole folder or none, never a part of it.
     */
    public static void publish(Path partial, Path target) {
        try {
            if (Files.exists(target)) {
                deleteTree(target);
            }
            Files.move(partial, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + partial + " to " + target, e);
        }
    }

    /**
     * Deletes the oldest complete checkpoints so that at most {@code keep} remain (0 keeps all);
     * incomplete ones older than the newest kept go too.
     */
    public void pruneCheckpoints(int keep) {
        if (keep <= 0 || !Files.isDirectory(checkpoints())) {
            return;
        }
        java.util.NavigableMap<Integer, Path> complete = new java.util.TreeMap<>(completeCheckpoints());
        complete.values().remove(out);
        if (complete.size() <= keep) {
            return;
        }
        int oldestKept = new ArrayList<>(complete.keySet()).get(complete.size() - keep);
        try (Stream<Path> dirs = Files.list(checkpoints())) {
            for (Path d : dirs.toList()) {
                java.util.regex.Matcher m = STEP_DIR.matcher(d.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) < oldestKept) {
                    deleteTree(d);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prune " + checkpoints(), e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path checkpoints() {
        return out.resolve("checkpoints");
    }

    /** The folder of the checkpoint after {@code step} optimizer steps. */
    public Path checkpoint(int step) {
        return checkpoints().resolve(String.format("step-%08d", step));
    }

    /** The complete checkpoint with the most steps (the finished run's output folder included), if any. */
    public Optional<Path> latestCheckpoint() {
        java.util.NavigableMap<Integer, Path> all = completeCheckpoints();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.lastEntry().getValue());
    }

    /** The complete checkpoint after {@code step} steps (the final model folder included), if any. */
    public Optional<Path> completeCheckpoint(int step) {
        return Optional.ofNullable(completeCheckpoints().get(step));
    }

    /** The complete checkpoints by step; a finished run's output folder stands for its last step. */
    private java.util.NavigableMap<Integer, Path> completeCheckpoints() {
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(checkpoints())) {
            try (Stream<Path> dirs = Files.list(checkpoints())) {
                dirs.filter(d -> STEP_DIR.matcher(d.getFileName().toString()).matches()).sorted().forEach(candidates::add);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + checkpoints(), e);
            }
        }
        candidates.add(out);
        java.util.NavigableMap<Integer, Path> byStep = new java.util.TreeMap<>();
        for (Path dir : candidates) {
            if (Files.isRegularFile(dir.resolve(STATE))) {
                byStep.put(readState(dir).get("step").asInt(), dir);
            }
        }
        return byStep;
    }

    /** Parses {@code trainer_state.json} of a checkpoint folder. */
    public static JsonNode readState(Path dir) {
        try {
            return JSON.readTree(dir.resolve(STATE).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir.resolve(STATE), e);
        }
    }

    /** Writes {@code trainer_state.json} into {@code dir} atomically (marking the checkpoint complete). */
    public static void writeState(Path dir, Map<String, Object> state) {
        writeJsonAtomically(dir.resolve(STATE), state);
    }

    /** Writes a pretty JSON file through a temporary file and a rename. */
    public static void writeJsonAtomically(Path file, Object value) {
        try {
            writeBytesAtomically(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Writes a file through a temporary file and a rename. */
    public static void writeBytesAtomically(Path file, byte[] content) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(tmp, content);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** Appends one JSON object as a line of {@code metrics.jsonl}. */
    public void appendMetrics(Map<String, Object> line) {
        try {
            Files.createDirectories(out);
            try (BufferedWriter w = Files.newBufferedWriter(out.resolve(METRICS), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                w.write(JSON.writeValueAsString(line));
                w.write('\n');
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + out.resolve(METRICS), e);
        }
    }

    /** Drops the metrics lines of steps after {@code step} (a resumed run writes them again). */
    public void truncateMetrics(int step) {
        Path file = out.resolve(METRICS);
        if (!Files.isRegularFile(file)) {
            return;
        }
        try {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank() && JSON.readTree(line).get("step").asInt() <= step) {
                    keep.add(line);
                }
            }
            Files.write(file, keep, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file, e);
        }
    }

    /** The metrics lines written so far, parsed. */
    public List<JsonNode> readMetrics() {
        Path file = out.resolve(METRICS);
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return lines;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    lines.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return lines;
    }
}
