package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** jobs/lm on the fixture models against their fp32 reference values, as a user runs it. */
class LmToolIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> out.add(a.asText()));
        return String.join(" ", out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tiny", "llama-tiny"})
    void scoreAndGreedyGenerateMatchTheReference(String name) throws Exception {
        Path dir = Launch.ROOT.resolve("src/test/resources/fixtures/models/" + name);
        JsonNode ref = JSON.readTree(dir.resolve("reference.json").toFile());
        for (JsonNode seq : ref.get("sequences")) {
            Launch.Result score = Launch.run(120, null, "jobs/lm", "score", "--model", dir.toString(),
                    "--ids", ids(seq.get("input_ids")));
            assertEquals(0, score.code(), score.both());
            JsonNode s = JSON.readTree(score.out());
            for (int i = 0; i < seq.get("token_logprobs").size(); i++) {
                assertEquals(seq.get("token_logprobs").get(i).asDouble(), s.get("token_logprobs").get(i).asDouble(),
                        1e-4, name + " token " + i);
            }
            assertEquals(seq.get("last_logsumexp").asDouble(), s.get("last_logsumexp").asDouble(), 1e-4);
            assertEquals(8, s.get("last_top").size());
            for (int i = 0; i < 8; i++) {
                assertEquals(seq.get("last_logits_top8_ids").get(i).asInt(), s.get("last_top").get(i).get(0).asInt());
                assertEquals(seq.get("last_logits_top8_values").get(i).asDouble(),
                        s.get("last_top").get(i).get(1).asDouble(), 1e-4);
            }

            Launch.Result gen = Launch.run(120, null, "jobs/lm", "generate", "--model", dir.toString(),
                    "--ids", ids(seq.get("input_ids")), "--max-new-tokens", "12", "--temperature", "0",
                    "--ignore-eos");
            assertEquals(0, gen.code(), gen.both());
            assertEquals(seq.get("greedy_12"), JSON.readTree(gen.out()).get("ids"), name);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pickle", "no-weights", "truncated", "shape"})
    void aBrokenModelDirectoryFailsWithOneLineNamingTheFileOrTensor(String kind, @TempDir Path dir) throws Exception {
        Path qwen = Launch.ROOT.resolve("src/test/resources/fixtures/models/qwen2-tiny");
        Files.copy(qwen.resolve("config.json"), dir.resolve("config.json"));
        String expected;
        switch (kind) {
            case "pickle" -> {
                Files.writeString(dir.resolve("pytorch_model.bin"), "not really a pickle");
                expected = dir.resolve("pytorch_model.bin") + " is a pickle-based checkpoint";
            }
            case "no-weights" -> expected = "no *.safetensors weights in " + dir;
            case "truncated" -> {
                byte[] bytes = Files.readAllBytes(qwen.resolve("model.safetensors"));
                Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length / 2));
                expected = dir.resolve("model.safetensors") + " is truncated";
            }
            default -> {
                Files.copy(qwen.resolve("model.safetensors"), dir.resolve("model.safetensors"));
                Files.writeString(dir.resolve("config.json"), Files.readString(dir.resolve("config.json"))
                        .replace("\"intermediate_size\": 64", "\"intermediate_size\": 96"));
                expected = "tensor model.layers.0.mlp.gate_proj.weight in " + dir.resolve("model.safetensors")
                        + " has shape [64, 32], expected [96, 32]";
            }
        }
        Launch.Result r = Launch.run(120, null, "jobs/lm", "score", "--model", dir.toString(), "--ids", "1 2");
        assertEquals(2, r.code(), r.both());
        List<String> lines = r.err().strip().lines().toList();
        assertEquals(1, lines.size(), r.both());
        assertTrue(lines.get(0).contains(expected), r.both());
    }

    @org.junit.jupiter.api.Test
    void aRandomModelWithARealTokenizerGeneratesAndAVocabularyTooSmallIsRefused(@TempDir Path tmp) throws Exception {
        String tokenizer = Launch.ROOT.resolve("src/test/resources/fixtures/tokenizers/qwen3").toString();
        Path model = tmp.resolve("random");
        Launch.Result made = Launch.run(120, null, "jobs/lm", "random", "--random",
                "hidden=32,layers=2,heads=4,kv_heads=2,vocab=151936", "--tokenizer", tokenizer, "--out", model.toString());
        assertEquals(0, made.code(), made.both());
        assertTrue(Files.isRegularFile(model.resolve("tokenizer.json")) && Files.isRegularFile(model.resolve("config.json")));
        Launch.Result gen = Launch.run(120, null, "jobs/lm", "generate", "--model", model.toString(), "--text",
                "What is 2+3?", "--prompt", "qwen2-boxed", "--max-new-tokens", "5", "--ignore-eos", "--temperature", "0.8",
                "--top-p", "0.9", "--seed", "3");
        assertEquals(0, gen.code(), gen.both());
        assertEquals(5, JSON.readTree(gen.out()).get("ids").size(), gen.out());

        Launch.Result small = Launch.run(120, null, "jobs/lm", "random", "--random",
                "hidden=32,layers=1,heads=4,kv_heads=2,vocab=1000", "--tokenizer", tokenizer, "--out",
                tmp.resolve("small").toString());
        assertEquals(2, small.code(), small.both());
        assertTrue(small.err().contains("has 151669 tokens but the spec's vocab is 1000"), small.both());
        assertTrue(Files.notExists(tmp.resolve("small")), "nothing written");
    }

    @org.junit.jupiter.api.Test
    void planPrintsPerWorkerBytesAndWhetherTheyFit() throws Exception {
        String qwen7b = "src/test/resources/fixtures/configs/qwen2-7b";
        Launch.Result full = Launch.run(120, null, "jobs/lm", "plan", "--model", qwen7b, "--workers", "8",
                "--device-memory", "80g");
        assertEquals(0, full.code(), full.both());
        var plan = JSON.readTree(full.out());
        assertEquals(7_615_616_512L, plan.get("parameters").asLong());
        assertEquals(false, plan.get("fits").asBoolean(), full.out());
        Launch.Result sharded = Launch.run(120, null, "jobs/lm", "plan", "--model", qwen7b, "--workers", "8",
                "--device-memory", "80g", "--dtype", "float16", "--shard-optimizer");
        assertEquals(0, sharded.code(), sharded.both());
        var fits = JSON.readTree(sharded.out());
        assertEquals(true, fits.get("fits").asBoolean(), sharded.out());
        assertEquals(fits.get("deepspeed_model_states_bytes").asLong(), fits.get("model_states_bytes").asLong());
        Launch.Result bad = Launch.run(120, null, "jobs/lm", "plan", "--model", qwen7b, "--lora-rank", "8",
                "--lora-targets", "qkv");
        assertEquals(2, bad.code(), bad.both());
        assertTrue(bad.err().contains("--lora-targets"), bad.both());
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-such-dir", "src/test/resources/fixtures/tokenizers/qwen3"})
    void aDirectoryThatIsNotAModelFailsWithOneLine(String dir) throws Exception {
        Launch.Result r = Launch.run(120, null, "jobs/lm", "score", "--model", dir, "--ids", "1 2");
        assertEquals(2, r.code(), r.both());
        assertTrue(r.err().contains("config.json not found"), r.both());
    }
}
