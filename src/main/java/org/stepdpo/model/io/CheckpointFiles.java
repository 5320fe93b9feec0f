package org.stepdpo.model.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Which files hold a model directory's weights, chosen as HF transformers does: {@code model.safetensors};
 * else {@code model.safetensors.index.json} and the shards its {@code weight_map} names; else the only
 * {@code *.safetensors} file. Pickle-based checkpoints are refused, never read.
 *
 * @param location  the directory (or single file) that was asked for
 * @param files     the safetensors files, sorted
 * @param index     the index file, or null
 * @param weightMap tensor name to shard file from the index (empty without one)
 */
record CheckpointFiles(Path location, List<Path> files, Path index, Map<String, Path> weightMap) {

    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    private static final List<String> PICKLE_SUFFIXES = List.of(".bin", ".pt", ".pth", ".ckpt", ".pkl");

    /** The weight files of {@code location}: a model directory or one {@code .safetensors} file. */
    static CheckpointFiles resolve(Path asked) {
        Path location = asked.toAbsolutePath().normalize();
        if (Files.isRegularFile(location)) {
            if (location.getFileName().toString().endsWith(".safetensors")) {
                return new CheckpointFiles(location, List.of(location), null, Map.of());
            }
            throw new IllegalArgumentException(location + " is not a .safetensors file: expected a model directory"
                    + " or a .safetensors file" + (isPickle(location) ? ". " + pickleRefusal(location) : ""));
        }
        if (!Files.isDirectory(location)) {
            throw new IllegalArgumentException(location + " does not exist: expected an HF model directory");
        }
        Path single = location.resolve(SINGLE);
        if (Files.isRegularFile(single)) {
            return new CheckpointFiles(location, List.of(single), null, Map.of());
        }
        Path index = location.resolve(INDEX);
        if (Files.isRegularFile(index)) {
            return fromIndex(location, index);
        }
        List<Path> safetensors = list(location, ".safetensors");
        if (safetensors.size() == 1) {
            return new CheckpointFiles(location, safetensors, null, Map.of());
        }
        if (safetensors.size() > 1) {
            throw new IllegalArgumentException(location + " has " + safetensors.size() + " *.safetensors files but no "
                    + INDEX + ": expected " + SINGLE + " or an index naming the shards");
        }
        for (String preferred : List.of("pytorch_model.bin", "pytorch_model.bin.index.json")) {
            if (Files.exists(location.resolve(preferred))) {
                throw new IllegalArgumentException(pickleRefusal(location.resolve(preferred)));
            }
        }
        for (String suffix : PICKLE_SUFFIXES) {
            List<Path> pickles = list(location, suffix);
            if (!pickles.isEmpty()) {
                throw new IllegalArgumentException(pickleRefusal(pickles.get(0)));
            }
        }
        throw new IllegalArgumentException("no *.safetensors weights in " + location + ": expected " + SINGLE
                + " or " + INDEX + " with shards");
    }

    /** Checks that every tensor of the index is in the shard it names. */
    void checkWeightMap(Map<String, TensorInfo> tensors) {
        weightMap.forEach((name, shard) -> {
            TensorInfo t = tensors.get(name);
            if (t == null || !t.file().equals(shard)) {
                throw new IllegalArgumentException(index + " maps tensor " + name + " to " + shard
                        + (t == null ? ", which has no such tensor" : ", but it is in " + t.file()));
            }
        });
    }

    private static CheckpointFiles fromIndex(Path dir, Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(index.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(index + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new IllegalArgumentException(index + " has no weight_map: expected {\"metadata\": {...},"
                    + " \"weight_map\": {\"tensor name\": \"shard file\", ...}}");
        }
        Map<String, Path> weightMap = new LinkedHashMap<>();
        TreeSet<Path> shards = new TreeSet<>();
        map.fields().forEachRemaining(e -> {
            String shardName = e.getValue().asText();
            Path shard = dir.resolve(shardName).normalize();
            if (!e.getValue().isTextual() || !dir.equals(shard.getParent())) {
                throw new IllegalArgumentException(index + " maps tensor " + e.getKey() + " to " + e.getValue()
                        + ": expected the file name of a shard in " + dir);
            }
            if (!Files.isRegularFile(shard)) {
                throw new IllegalArgumentException(index + " names shard " + shardName + " (for tensor "
                        + e.getKey() + "), which is missing from " + dir);
            }
            weightMap.put(e.getKey(), shard);
            shards.add(shard);
        });
        return new CheckpointFiles(dir, List.copyOf(shards), index, weightMap);
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static boolean isPickle(Path file) {
        String name = file.getFileName().toString();
        return PICKLE_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    private static String pickleRefusal(Path file) {
        return file + " is a pickle-based checkpoint: loading it can run arbitrary code, so only safetensors are"
                + " read; convert it with safetensors' convert script / save_pretrained(safe_serialization=True)";
    }
}
