package org.stepdpo.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reference log-probs kept on disk and reused: {@code DIR/logps.jsonl} holds one line per pair
 * ({@code key}: the fingerprint of the pair's token ids, {@code chosen}, {@code rejected}), and
 * {@code DIR/meta.json} the fingerprint of the model that computed them (and its dtype, when not float32). A run scores only the pairs
 * missing from the store (all of them when the model differs), in a partitioned pass
 * ({@link ReferenceScorer}), and writes the store back.
 */
public final class ReferenceStore {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceStore.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ROWS = "logps.jsonl";
    static final String META = "meta.json";

    /** What the pass did: pairs found in the store and pairs scored now. */
    public record Outcome(Map<String, double[]> logps, int reused, int scored, double seconds) {}

    private ReferenceStore() {}

    /**
     * The reference log-probs of every request, from the store at {@code dir} where it has them for
     * this model, scored with {@code model} otherwise.
     */
    public static Outcome ensure(JavaSparkContext jsc, Path dir, ReferenceModel model, int batchSize,
            List<ReferenceScorer.Request> requests) {
        long t0 = System.nanoTime();
        // log-probs of float16 weights differ from float32 ones: a store holds one dtype's
        String fingerprint = fingerprint(model.path())
                + (model.dtype() == MemoryPlan.DType.FLOAT32 ? "" : "|" + model.dtype().label());
        Map<String, double[]> known = load(dir, fingerprint);
        List<ReferenceScorer.Request> missing = new ArrayList<>();
        Map<String, double[]> out = new LinkedHashMap<>();
        for (ReferenceScorer.Request r : requests) {
            double[] v = known.get(r.key());
            if (v != null) {
                out.put(r.key(), v);
            } else {
                missing.add(r);
            }
        }
        int reused = out.size();
        if (!missing.isEmpty()) {
            int partitions = Math.max(1, Math.min(missing.size(), jsc.defaultParallelism()));
            LOG.info("Reference pass: scoring {} pairs in {} partitions ({} reused from {})", missing.size(),
                    partitions, reused, dir);
            for (ReferenceScorer.Scored s : jsc.parallelize(missing, partitions)
                    .mapPartitions(new ReferenceScorer(model, batchSize)).collect()) {
                out.put(s.key(), new double[] {s.refChosen(), s.refRejected()});
            }
            known.putAll(out);
            save(dir, fingerprint, known);
        }
        return new Outcome(out, reused, missing.size(), (System.nanoTime() - t0) / 1e9);
    }

    private static Map<String, double[]> load(Path dir, String fingerprint) {
        Map<String, double[]> known = new LinkedHashMap<>();
        if (!Files.isRegularFile(dir.resolve(META)) || !Files.isRegularFile(dir.resolve(ROWS))) {
            return known;
        }
        try {
            JsonNode meta = JSON.readTree(dir.resolve(META).toFile());
            if (!fingerprint.equals(meta.path("model_fingerprint").asText())) {
                LOG.info("Reference store {} was computed with another model: scoring again", dir);
                return known;
            }
            try (Stream<String> lines = Files.lines(dir.resolve(ROWS), StandardCharsets.UTF_8)) {
                for (String line : (Iterable<String>) lines::iterator) {
                    if (!line.isBlank()) {
                        JsonNode row = JSON.readTree(line);
                        known.put(row.get("key").asText(),
                                new double[] {row.get("chosen").asDouble(), row.get("rejected").asDouble()});
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the reference store " + dir
                    + ": delete it or point --reference elsewhere", e);
        }
        return known;
    }

    private static void save(Path dir, String fingerprint, Map<String, double[]> logps) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve(ROWS + ".tmp");
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                for (Map.Entry<String, double[]> e : logps.entrySet()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("key", e.getKey());
                    row.put("chosen", e.getValue()[0]);
                    row.put("rejected", e.getValue()[1]);
                    w.write(JSON.writeValueAsString(row));
                    w.write('\n');
                }
            }
            Files.move(tmp, dir.resolve(ROWS), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            RunFiles.writeJsonAtomically(dir.resolve(META), Map.of("model_fingerprint", fingerprint,
                    "pairs", logps.size()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reference store " + dir, e);
        }
    }

    /**
     * A fingerprint of a model directory's weights: SHA-256 over {@code config.json} and every
     * safetensors file's name and bytes (a 7B model in BF16 takes some seconds, small beside the
     * reference pass it saves).
     */
    static String fingerprint(Path modelDir) {
        try (Stream<Path> files = Files.list(modelDir)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(Files.readAllBytes(modelDir.resolve("config.json")));
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList()) {
                sha.update(f.getFileName().toString().getBytes(StandardCharsets.UTF_8));
                byte[] buffer = new byte[1 << 20];
                try (InputStream in = Files.newInputStream(f)) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                }
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model directory " + modelDir, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
