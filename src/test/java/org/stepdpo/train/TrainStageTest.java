package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.plot.PlotAssertions.assertPlot;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.io.DType;
import org.stepdpo.spark.ExchangeMode;
import org.stepdpo.spark.SharedSpark;

/**
 * TrainStepDpoJob's pipeline on the shared {@code local[2]} session with the Llama fixture and its
 * train-parity pairs: step-1 metrics against the fixture's expected values for several splits of the
 * same global batch, workers agreeing with one worker, every parameter moving, resume, bad rows.
 */
class TrainStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    static Path parity() {
        return Fixtures.model("llama-tiny").resolve("train-parity");
    }

    /** A Step-DPO run on the parity pairs: --prompt plain --beta 0.4, constant lr, no warm-up. */
    static TrainConfig config(Path out, List<String> data, int workers, int perDevice, int accum, int steps, double lr,
            int saveSteps, boolean resume, boolean overwrite) {
        return new TrainConfig(Fixtures.model("llama-tiny").toString(), data, out.toString(), TrainConfig.Task.STEP_DPO,
                "plain", 1024, 512, new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.4, 0),
                new TrainConfig.Optim(lr, LrSchedule.Kind.CONSTANT, 0.0, 0.0, 1.0), workers, perDevice, accum, 1, steps,
                saveSteps, 42, ExchangeMode.SOCKET, null, 8, DType.F32, 0, 0, 10, TrainConfig.Precision.FLOAT32, false, null,
                false, resume, overwrite);
    }

    static List<String> pairs() {
        return List.of(parity().resolve("pairs.jsonl").toString());
    }

    @Test
    void relativeModelOutputAndReferencePathsAreResolvedWhereTheJobStarts() {
        // executors run in folders of their own (a standalone Worker's work/app-*/N), so a relative path
        // that reaches them would name another place there
        Path here = Path.of("").toAbsolutePath();
        TrainConfig relative = config(Path.of("runs", "rel"), pairs(), 1, 1, 1, 1, 1e-3, 0, false, false).toBuilder()
                .model("data/models/arith-tiny").reference("runs/rel/../ref").build();
        assertEquals(here.resolve("data/models/arith-tiny").toString(), relative.model());
        assertEquals(here.resolve("runs/rel").toString(), relative.out());
        assertEquals(here.resolve("runs/ref").toString(), relative.reference());
        TrainConfig absolute = config(tmp.resolve("abs"), pairs(), 1, 1, 1, 1, 1e-3, 0, false, false);
        assertEquals(tmp.resolve("abs").toString(), absolute.out());
        assertEquals(Fixtures.model("llama-tiny").toString(), absolute.model());
        assertEquals("file:/tmp/x", absolute.toBuilder().out("file:/tmp/x").build().out());
    }

    @Test
    void stepOneMetricsMatchTheFixtureForAnySplitOfTheGlobalBatch() throws IOException {
        JsonNode expected = JSON.readTree(parity().resolve("expected-step1.json").toFile());
        int[][] splits = {{1, 4, 1}, {2, 2, 1}, {1, 2, 2}, {2, 1, 2}};
        for (int[] s : splits) {
            Path out = tmp.resolve("w" + s[0] + "b" + s[1] + "a" + s[2]);
            Map<String, Object> summary = TrainStage.run(SharedSpark.get(),
                    config(out, pairs(), s[0], s[1], s[2], 1, 1e-3, 0, false, false));
            assertEquals(4, summary.get("examples"));
            JsonNode step1 = new RunFiles(out).readMetrics().get(0);
            String split = "workers " + s[0] + ", per-device " + s[1] + ", accum " + s[2];
            assertEquals(1, step1.get("step").asInt());
            assertEquals(expected.get("loss").asDouble(), step1.get("loss").asDouble(), 1e-5, split);
            assertEquals(expected.get("logps_chosen").asDouble(), step1.get("logps_chosen").asDouble(), 1e-3, split);
            assertEquals(expected.get("logps_rejected").asDouble(), step1.get("logps_rejected").asDouble(), 1e-3, split);
            double norm = expected.get("grad_norm").asDouble();
            assertEquals(norm, step1.get("grad_norm").asDouble(), norm * 1e-3, split);
            assertEquals(0, step1.get("rewards_chosen").asDouble(), 1e-5, split);
            assertEquals(0, step1.get("rewards_rejected").asDouble(), 1e-5, split);
            assertEquals(1e-3, step1.get("lr").asDouble(), 1e-12, split);
            for (String key : List.of("rewards_accuracy", "rewards_margin", "tokens_per_s")) {
                assertTrue(step1.has(key), key);
            }
        }
    }

    @Test
    void twoWorkersEndWhereOneWorkerEnds() {
        // the same micro-batches of 1, accumulated in one worker or summed across two
        Map<String, float[]> before = Fixtures.weights(Fixtures.model("llama-tiny"));
        Path accumulated = tmp.resolve("accumulated");
        Path two = tmp.resolve("two");
        TrainStage.run(SharedSpark.get(), config(accumulated, pairs(), 1, 1, 2, 3, 1e-3, 0, false, false));
        TrainStage.run(SharedSpark.get(), config(two, pairs(), 2, 1, 1, 3, 1e-3, 0, false, false));
        Map<String, float[]> a = Fixtures.weights(accumulated.resolve(RunFiles.MODEL));
        Map<String, float[]> b = Fixtures.weights(two.resolve(RunFiles.MODEL));
        assertFalse(equal(a, before), "training changed the weights");
        // one worker runs on both cores of local[2], two on one each: MKL's sums differ by ~1e-6
        // relative, and Adam's step magnifies that where a gradient lies within its eps (1e-8) of 0;
        // so per tensor, within 1e-2 of how far training moved it (L2). A lost micro-batch flips the
        // sign of many elements' first update (lr * sign(g)) and moves the runs apart by far more.
        assertSameUpdate(before, a, b, 1e-2);
        // one micro-batch of 4 against two workers with 2 each: other batch shapes and thread
        // counts, so the same tolerance
        Path wide = tmp.resolve("wide");
        Path split = tmp.resolve("split");
        TrainStage.run(SharedSpark.get(), config(wide, pairs(), 1, 4, 1, 3, 1e-3, 0, false, false));
        TrainStage.run(SharedSpark.get(), config(split, pairs(), 2, 2, 1, 3, 1e-3, 0, false, false));
        assertSameUpdate(before, Fixtures.weights(wide.resolve(RunFiles.MODEL)), Fixtures.weights(split.resolve(RunFiles.MODEL)), 1e-2);
    }

    @Test
    void trainingMovesEveryParameterAndRaisesRewardAccuracy() throws IOException {
        Path out = tmp.resolve("moves");
        TrainStage.run(SharedSpark.get(), config(out, pairs(), 1, 4, 1, 6, 1e-3, 0, false, false));
        assertPlot(out.resolve("metrics.png"), 6); // loss, margin, accuracy, log-probs, lr, grad norm
        Map<String, float[]> before = Fixtures.weights(Fixtures.model("llama-tiny"));
        Map<String, float[]> after = Fixtures.weights(out.resolve(RunFiles.MODEL));
        for (String name : before.keySet()) {
            float[] x = before.get(name);
            float[] y = after.get(name);
            double moved = 0;
            for (int i = 0; i < x.length; i++) {
                moved = Math.max(moved, Math.abs(x[i] - y[i]));
            }
            assertTrue(moved > 1e-4, name + " moved by only " + moved);
        }
        List<JsonNode> metrics = new RunFiles(out).readMetrics();
        assertEquals(6, metrics.size());
        JsonNode first = metrics.get(0);
        JsonNode last = metrics.get(5);
        // at step 1 the policy is the reference: rewards are 0 up to rounding, so accuracy is noise
        assertEquals(0, first.get("rewards_margin").asDouble(), 1e-5);
        assertTrue(last.get("rewards_accuracy").asDouble() >= 0.75, "accuracy " + last);
        assertTrue(last.get("rewards_accuracy").asDouble() > first.get("rewards_accuracy").asDouble(), "accuracy rose");
        assertTrue(last.get("rewards_margin").asDouble() > 0, "margin " + last);
        assertTrue(last.get("loss").asDouble() < metrics.get(0).get("loss").asDouble(), "loss fell");
        JsonNode plan = new ObjectMapper().readTree(out.resolve(TrainStage.MEMORY_PLAN).toFile());
        long stored = Fixtures.weights(Fixtures.model("llama-tiny")).values().stream().mapToLong(a -> a.length).sum();
        assertEquals(stored, plan.get("parameters").asLong());
        assertEquals(16 * stored, plan.get("per_worker_bytes").get("weights").asLong()
                + plan.get("per_worker_bytes").get("gradients").asLong()
                + plan.get("per_worker_bytes").get("optimizer_state").asLong(), "one float32 worker: 16 bytes a parameter");
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne() throws IOException {
        Path straight = tmp.resolve("straight");
        TrainStage.run(SharedSpark.get(), config(straight, pairs(), 1, 2, 1, 4, 1e-3, 2, false, false));
        Path crashed = tmp.resolve("crashed");
        TrainStage.run(SharedSpark.get(), config(crashed, pairs(), 1, 2, 1, 4, 1e-3, 2, false, false));
        assertTrue(Files.isRegularFile(crashed.resolve("checkpoints/step-00000002/" + RunFiles.STATE)));
        // what a run that died during step 3 leaves: the step-2 checkpoint and 3 lines of metrics
        try (Stream<Path> files = Files.list(crashed)) {
            for (Path f : files.toList()) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().equals(RunFiles.METRICS)
                        && !f.getFileName().toString().equals(RunFiles.CONFIG)) {
                    Files.delete(f);
                }
            }
        }
        new RunFiles(crashed).truncateMetrics(3);
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(),
                config(crashed, pairs(), 1, 2, 1, 4, 1e-3, 2, true, false));
        assertEquals(2, summary.get("resumed_from_step"));
        // bit for bit: both runs are one worker on both cores of local[2] with the same micro-batches,
        // and the resumed one reads the reference log-probs, weights and optimizer state back exactly
        Map<String, float[]> a = Fixtures.weights(straight.resolve(RunFiles.MODEL));
        Map<String, float[]> b = Fixtures.weights(crashed.resolve(RunFiles.MODEL));
        for (String name : a.keySet()) {
            assertClose(a.get(name), b.get(name), 0, name);
        }
        // a different global batch cannot continue this run
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStage.run(
                SharedSpark.get(), config(crashed, pairs(), 1, 4, 1, 4, 1e-3, 2, true, false)));
        assertTrue(e.getMessage().contains("global batch 2") && e.getMessage().contains("global batch 4"),
                e.getMessage());
        List<JsonNode> m = new RunFiles(crashed).readMetrics();
        assertEquals(List.of(1, 2, 3, 4), m.stream().map(j -> j.get("step").asInt()).toList());
        assertEquals(new RunFiles(straight).readMetrics().get(3).get("loss").asDouble(), m.get(3).get("loss").asDouble(),
                1e-12);
    }

    @Test
    void aRunThatCannotFitTheDeviceIsRefusedBeforeAnyTask() throws IOException {
        Path out = tmp.resolve("too-big");
        TrainConfig small = config(out, pairs(), 1, 2, 1, 1, 1e-3, 0, false, false);
        MemoryPlan plan = TrainStage.memoryPlan(org.stepdpo.model.HfConfig.load(Fixtures.model("llama-tiny")), small);
        long tooSmall = plan.total() - 1;
        TrainConfig refused = small.toBuilder().deviceMemory(tooSmall).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainStage.run(SharedSpark.get(), refused));
        assertTrue(e.getMessage().contains("--device-memory") && e.getMessage().contains("--per-device-batch 1"),
                e.getMessage());
        assertFalse(Files.exists(out), "nothing written for a refused run");
    }

    private static TrainConfig withMaxSkipped(TrainConfig c, int k) {
        return with(c, c.saveTotalLimit(), k, c.resume());
    }

    private static TrainConfig with(TrainConfig c, int saveTotalLimit, int maxSkipped, boolean resume) {
        return c.toBuilder().saveTotalLimit(saveTotalLimit).maxSkippedSteps(maxSkipped).resume(resume).build();
    }

    /** {@code c} with {@code --shard-optimizer}. */
    static TrainConfig sharded(TrainConfig c) {
        return c.toBuilder().shardOptimizer(true).build();
    }

    @Test
    void aShardedOptimizerTrainsLikeTheWholeOneWithHalfTheStatePerWorkerAndResumesExactly() throws IOException {
        long params = Fixtures.weights(Fixtures.model("llama-tiny")).values().stream().mapToLong(a -> a.length).sum();
        Path whole = tmp.resolve("whole");
        Path split = tmp.resolve("split");
        Map<String, Object> w = TrainStage.run(SharedSpark.get(), config(whole, pairs(), 2, 1, 1, 3, 1e-3, 0, false, false));
        Map<String, Object> s = TrainStage.run(SharedSpark.get(),
                sharded(config(split, pairs(), 2, 1, 1, 3, 1e-3, 0, false, false)));
        Map<String, float[]> a = Fixtures.weights(whole.resolve(RunFiles.MODEL));
        Map<String, float[]> b = Fixtures.weights(split.resolve(RunFiles.MODEL));
        for (String name : a.keySet()) {
            assertClose(a.get(name), b.get(name), 1e-6, name);
        }
        assertEquals(List.of(8 * params, 8 * params), w.get("optimizer_state_bytes"));
        @SuppressWarnings("unchecked")
        List<Long> shards = (List<Long>) s.get("optimizer_state_bytes");
        assertEquals(8 * params, shards.get(0) + shards.get(1), "the shards together are the whole state");
        for (long bytes : shards) {
            assertEquals(4.0 * params, bytes, 8.0 * 4, "half each, up to an element per bucket: " + shards);
        }
        JsonNode plan = JSON.readTree(split.resolve(TrainStage.MEMORY_PLAN).toFile());
        assertEquals(4 * params, plan.get("per_worker_bytes").get("optimizer_state").asLong());

        // a run that died during step 3 resumes from the sharded step-2 checkpoint to the same weights
        Path straight = tmp.resolve("straight-sharded");
        Path crashed = tmp.resolve("crashed-sharded");
        TrainStage.run(SharedSpark.get(), sharded(config(straight, pairs(), 2, 1, 1, 4, 1e-3, 2, false, false)));
        TrainStage.run(SharedSpark.get(), sharded(config(crashed, pairs(), 2, 1, 1, 4, 1e-3, 2, false, false)));
        Path step2 = crashed.resolve("checkpoints/step-00000002");
        assertTrue(Files.isRegularFile(step2.resolve(ShardedAdamW.fileName(0, 2))));
        assertTrue(Files.isRegularFile(step2.resolve(ShardedAdamW.fileName(1, 2))));
        assertFalse(Files.exists(step2.resolve(RunFiles.OPTIMIZER)));
        Files.delete(crashed.resolve(RunFiles.STATE));
        new RunFiles(crashed).truncateMetrics(3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStage.run(SharedSpark.get(),
                config(crashed, pairs(), 2, 1, 1, 4, 1e-3, 2, true, false)));
        assertTrue(e.getMessage().contains("--shard-optimizer"), e.getMessage());
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(),
                sharded(config(crashed, pairs(), 2, 1, 1, 4, 1e-3, 2, true, false)));
        assertEquals(2, summary.get("resumed_from_step"));
        Map<String, float[]> x = Fixtures.weights(straight.resolve(RunFiles.MODEL));
        Map<String, float[]> y = Fixtures.weights(crashed.resolve(RunFiles.MODEL));
        for (String name : x.keySet()) {
            assertClose(x.get(name), y.get(name), 0, name);
        }
    }

    @Test
    void theFinalModelFolderHoldsTheModelOnlyAndOldCheckpointsArePruned() throws IOException {
        Path out = tmp.resolve("layout");
        TrainConfig c = with(config(out, pairs(), 1, 2, 1, 4, 1e-3, 1, false, false), 2, 10, false);
        TrainStage.run(SharedSpark.get(), c);
        List<String> model;
        try (Stream<Path> files = Files.list(out.resolve(RunFiles.MODEL))) {
            model = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        for (String f : model) {
            assertTrue(f.equals("config.json") || f.endsWith(".safetensors") || f.equals("model.safetensors.index.json")
                    || f.startsWith("tokenizer") || f.equals("special_tokens_map.json")
                    || f.equals("generation_config.json"), "not a model file in model/: " + f + " " + model);
        }
        assertTrue(model.contains("config.json") && model.stream().anyMatch(f -> f.endsWith(".safetensors")), model.toString());
        assertFalse(model.contains(RunFiles.OPTIMIZER));
        assertTrue(Files.isRegularFile(out.resolve(RunFiles.STATE)), "the finished run is marked beside the model");
        assertFalse(Files.exists(out.resolve("_model.partial")), "the model was written beside its place and renamed");
        assertTrue(Files.isDirectory(out.resolve("reference")), "the reference store beside the model");
        // checkpoints after steps 1, 2 and 3; --save-total-limit 2 keeps the newest two
        List<String> kept;
        try (Stream<Path> dirs = Files.list(out.resolve("checkpoints"))) {
            kept = dirs.map(d -> d.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("step-00000002", "step-00000003"), kept);
        assertTrue(Files.isRegularFile(out.resolve("checkpoints/step-00000003/" + RunFiles.OPTIMIZER)));
        // resuming a finished run trains nothing and leaves its model alone
        Map<String, float[]> before = Fixtures.weights(out.resolve(RunFiles.MODEL));
        Map<String, Object> again = TrainStage.run(SharedSpark.get(), with(c, 2, 10, true));
        assertEquals(4, again.get("resumed_from_step"));
        Map<String, float[]> after = Fixtures.weights(out.resolve(RunFiles.MODEL));
        before.forEach((name, w) -> org.junit.jupiter.api.Assertions.assertArrayEquals(w, after.get(name), name));
    }

    @Test
    void aNonFiniteStepIsSkippedWithItsExamplesAndTooManyStopTheRunWithItsCheckpointsIntact() throws IOException {
        // eight pairs, one of them with a NaN reference log-prob: its loss and gradients are NaN
        List<PreferenceExample> examples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            examples.add(new PreferenceExample(new int[] {5, 6 + i, 7}, new int[] {8 + i, 9}, new int[] {20 + i, 21}, -5.0,
                    i == 3 ? Double.NaN : -5.0));
        }
        var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
        Path tolerated = Files.createDirectories(tmp.resolve("nan-tolerated"));
        TrainConfig one = withMaxSkipped(config(tolerated, pairs(), 1, 2, 1, 4, 1e-3, 1, false, false), 1);
        Trainer.Report r = TrainStage.train(jsc, one, new PreferenceObjective(one.loss()), examples).get(0);
        assertEquals(1, r.skippedSteps(), new RunFiles(tolerated).readMetrics().toString());
        assertEquals(null, r.stopped());
        List<JsonNode> m = new RunFiles(tolerated).readMetrics();
        List<JsonNode> skipped = m.stream().filter(l -> l.path("skipped").asBoolean(false)).toList();
        assertEquals(1, skipped.size(), m.toString());
        List<Integer> batch = new ArrayList<>();
        skipped.get(0).get("batch").forEach(b -> batch.add(b.asInt()));
        assertTrue(batch.contains(3), "the skipped step names the example that caused it: " + batch);
        Map<String, float[]> trained = Fixtures.weights(tolerated.resolve(RunFiles.MODEL));
        trained.forEach((name, w) -> {
            for (float x : w) {
                assertTrue(Float.isFinite(x), name);
            }
        });

        Path stopped = Files.createDirectories(tmp.resolve("nan-stopped"));
        TrainConfig none = withMaxSkipped(config(stopped, pairs(), 1, 2, 1, 4, 1e-3, 1, false, false), 0);
        Trainer.Report s = TrainStage.train(jsc, none, new PreferenceObjective(none.loss()), examples).get(0);
        int bad = skipped.get(0).get("step").asInt();
        assertEquals(bad, s.lastStep(), "the run stops at the step it had to skip");
        assertTrue(s.stopped() != null && s.stopped().contains("--max-skipped-steps 0"), s.stopped());
        assertFalse(Files.exists(stopped.resolve(RunFiles.STATE)), "no final model");
        // the checkpoint of the skipped step holds the weights from before it, finite and intact
        Path last = new RunFiles(stopped).latestCheckpoint().orElseThrow();
        assertEquals(bad, RunFiles.readState(last).get("step").asInt());
        Map<String, float[]> before = Fixtures.weights(bad == 1 ? Fixtures.model("llama-tiny")
                : new RunFiles(stopped).checkpoint(bad - 1));
        Map<String, float[]> kept = Fixtures.weights(last);
        assertEquals(before.keySet(), kept.keySet());
        before.forEach((name, w) -> org.junit.jupiter.api.Assertions.assertArrayEquals(w, kept.get(name), name));
    }

    @Test
    void badRowsAreSetAsideAndGoodOnesTrain() throws IOException {
        Path data = tmp.resolve("pairs-with-bad-rows.jsonl");
        List<String> lines = new ArrayList<>(Files.readAllLines(parity().resolve("pairs.jsonl")));
        lines.add("{not json");
        lines.add("{\"prompt\": \"t1 t2\", \"initial_reason_steps\": \"\", \"chosen\": \" t3\"}");
        Files.write(data, lines);
        Path out = tmp.resolve("bad");
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(),
                config(out, List.of(data.toString()), 1, 4, 1, 1, 1e-3, 0, false, false));
        assertEquals(4, summary.get("examples"));
        assertEquals(2L, summary.get("rejected"));
        assertTrue(Files.isDirectory(out.resolve(TrainStage.REJECTED)));
        assertEquals(1, new RunFiles(out).readMetrics().size());
        // the same output folder again: refused without a flag, reference log-probs reused with --overwrite
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStage.run(SharedSpark.get(),
                config(out, List.of(data.toString()), 1, 4, 1, 1, 1e-3, 0, false, false)));
        assertTrue(e.getMessage().startsWith("--out"), e.getMessage());
        Map<String, Object> again = TrainStage.run(SharedSpark.get(),
                config(out, List.of(data.toString()), 1, 4, 1, 1, 1e-3, 0, false, true));
        assertEquals(Map.of("reused", 4, "scored", 0), again.get("reference"));
    }

    @Test
    void plainDpoTrainsOnTheFullResponsesWithEos() {
        Path out = tmp.resolve("dpo");
        TrainConfig dpo = config(out, pairs(), 1, 4, 1, 2, 1e-3, 0, false, false).toBuilder().task(TrainConfig.Task.DPO)
                .loss(new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.1, 0)).exchange(ExchangeMode.ALLGATHER)
                .build();
        TrainStage.run(SharedSpark.get(), dpo);
        List<JsonNode> m = new RunFiles(out).readMetrics();
        assertEquals(Math.log(2), m.get(0).get("loss").asDouble(), 1e-5);
        // the fixture's full responses equal its steps, plus EOS now: each sum has one more (negative) term
        assertTrue(m.get(0).get("logps_chosen").asDouble() < -32.1046 - 0.5, m.get(0).toString());
        assertTrue(m.get(1).get("loss").asDouble() < Math.log(2), "the update lowered the loss");
    }

    @Test
    void sftLowersTheResponseLossOnTheSameLoop() throws IOException {
        Path data = tmp.resolve("sft.jsonl");
        List<String> rows = new ArrayList<>();
        for (String line : Files.readAllLines(parity().resolve("pairs.jsonl"))) {
            JsonNode pair = JSON.readTree(line);
            rows.add(JSON.writeValueAsString(Map.of("prompt", pair.get("prompt").asText(),
                    "initial_reason_steps", pair.get("initial_reason_steps").asText(),
                    "response", pair.get("chosen").asText())));
        }
        Files.write(data, rows);
        Path out = tmp.resolve("sft");
        TrainConfig sft = config(out, List.of(data.toString()), 2, 1, 2, 0, 1e-3, 0, false, false).toBuilder()
                .task(TrainConfig.Task.SFT).loss(null).epochs(3)
                .optim(new TrainConfig.Optim(1e-3, LrSchedule.Kind.COSINE, 0.1, 0.01, 1.0)).build();
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(), sft);
        assertEquals(4, summary.get("examples"));
        assertEquals(3, summary.get("steps"), "3 epochs of one global batch of 4");
        List<JsonNode> m = new RunFiles(out).readMetrics();
        assertEquals(3, m.size());
        // each response: its step tokens plus EOS
        assertEquals(2 + 3 + 4 + 5 + 4, m.get(0).get("response_tokens").asInt());
        assertEquals(0.0, m.get(0).get("lr").asDouble(), "warm-up starts at 0 as HF's scheduler does");
        assertTrue(m.get(2).get("loss").asDouble() < m.get(0).get("loss").asDouble(), "loss fell: " + m);
        assertFalse(equal(Fixtures.weights(out.resolve(RunFiles.MODEL)), Fixtures.weights(Fixtures.model("llama-tiny"))));
        assertPlot(out.resolve("metrics.png"), 3); // what SFT records: loss, lr, grad norm
    }


    private static boolean equal(Map<String, float[]> a, Map<String, float[]> b) {
        for (String name : a.keySet()) {
            if (!java.util.Arrays.equals(a.get(name), b.get(name))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Asserts that runs {@code a} and {@code b}, both trained from {@code before}, agree: for each
     * tensor, the L2 norm of {@code a - b} is at most {@code relative} times that of {@code a - before}.
     */
    static void assertSameUpdate(Map<String, float[]> before, Map<String, float[]> a, Map<String, float[]> b,
            double relative) {
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            float[] x0 = before.get(name);
            float[] x = a.get(name);
            float[] y = b.get(name);
            assertEquals(x.length, y.length, name);
            double diff = 0;
            double moved = 0;
            int worst = 0;
            for (int i = 0; i < x.length; i++) {
                double d = (double) x[i] - y[i];
                double m = (double) x[i] - x0[i];
                diff += d * d;
                moved += m * m;
                if (Math.abs(d) > Math.abs((double) x[worst] - y[worst])) {
                    worst = i;
                }
            }
            if (Math.sqrt(diff) > relative * Math.sqrt(moved)) {
                throw new AssertionError(String.format("%s: the runs differ by %.3g of the update's L2 norm %.3g "
                        + "(allowed %.3g); largest at [%d]: %s vs %s", name, Math.sqrt(diff / moved), Math.sqrt(moved),
                        relative, worst, x[worst], y[worst]));
            }
        }
    }

    static void assertClose(float[] a, float[] b, double tolerance, String what) {
        assertEquals(a.length, b.length, what);
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > tolerance) {
                throw new AssertionError(what + "[" + i + "]: " + a[i] + " vs " + b[i]);
            }
        }
    }
}
