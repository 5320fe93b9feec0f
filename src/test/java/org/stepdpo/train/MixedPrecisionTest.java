package org.stepdpo.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.io.Checkpoint;
import org.stepdpo.model.io.DType;
import org.stepdpo.spark.SharedSpark;

/**
 * float16 training ({@code --dtype float16}) on the Llama fixture: float16 weights forward and
 * backward, float32 masters in AdamW, dynamic loss scaling; an overflow injected into one step's
 * backward pass is skipped and halves the scale; a float16 run resumes exactly.
 */
class MixedPrecisionTest {
    @TempDir
    Path tmp;

    private static TrainConfig withPrecision(TrainConfig c, TrainConfig.Precision precision, int saveSteps,
            boolean resume) {
        return c.toBuilder().precision(precision).saveSteps(saveSteps).resume(resume).build();
    }

    private static TrainConfig fp16(Path out, int steps, int saveSteps, boolean resume) {
        return withPrecision(TrainStageTest.config(out, TrainStageTest.pairs(), 1, 4, 1, steps, 1e-3, 0, false, false),
                TrainConfig.Precision.float16(1024, 1000), saveSteps, resume);
    }

    @Test
    void float16TrainsWithAFallingLossCloseToFloat32() throws IOException {
        Path half = tmp.resolve("fp16");
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(), fp16(half, 6, 0, false));
        assertEquals("float16", summary.get("dtype"));
        assertEquals(0, summary.get("overflow_steps"));
        Path full = tmp.resolve("fp32");
        TrainStage.run(SharedSpark.get(), TrainStageTest.config(full, TrainStageTest.pairs(), 1, 4, 1, 6, 1e-3, 0, false,
                false));

        List<JsonNode> m = new RunFiles(half).readMetrics();
        assertEquals(6, m.size());
        // the reference pass ran in float16 too: at step 1 policy and reference agree
        assertEquals(Math.log(2), m.get(0).get("loss").asDouble(), 1e-3, m.get(0).toString());
        assertEquals(1024, m.get(0).get("loss_scale").asDouble());
        assertTrue(m.get(5).get("loss").asDouble() < m.get(0).get("loss").asDouble() - 0.05, m.toString());
        List<JsonNode> m32 = new RunFiles(full).readMetrics();
        for (int i = 0; i < 6; i++) {
            assertEquals(m32.get(i).get("loss").asDouble(), m.get(i).get("loss").asDouble(), 0.02, "loss at step " + (i + 1));
        }

        // the final weights are float16 values; they moved as the float32 run's did, within float16's rounding
        Map<String, float[]> before = Fixtures.weights(Fixtures.model("llama-tiny"));
        Map<String, float[]> a = Fixtures.weights(half.resolve(RunFiles.MODEL));
        Map<String, float[]> b = Fixtures.weights(full.resolve(RunFiles.MODEL));
        // the update (trained minus initial weights) is the float32 run's up to float16's rounding
        double diff = 0;
        double norm = 0;
        for (String name : before.keySet()) {
            double moved = 0;
            for (int i = 0; i < a.get(name).length; i++) {
                float x = a.get(name)[i];
                assertEquals(x, org.stepdpo.model.io.HalfFloats.f16ToF32(org.stepdpo.model.io.HalfFloats.f32ToF16(x)),
                        0, name + " holds float16 values");
                double d16 = x - before.get(name)[i];
                double d32 = b.get(name)[i] - before.get(name)[i];
                diff += (d16 - d32) * (d16 - d32);
                norm += d32 * d32;
                moved = Math.max(moved, Math.abs(d16));
            }
            assertTrue(moved > 1e-3, name + " moved by only " + moved);
        }
        double relative = Math.sqrt(diff / norm);
        System.out.println("float16 vs float32 update: relative L2 difference " + relative);
        assertTrue(relative < 0.25, "float16 update differs from the float32 one by " + relative + " (L2, relative)");
    }

    @Test
    void loraOnAFloat16BaseTrainsItsFloat32AdaptersWithAFallingLoss() throws IOException {
        Path out = tmp.resolve("lora-fp16");
        org.stepdpo.model.LoraConfig lora = new org.stepdpo.model.LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"));
        TrainConfig c = LoraTrainingTest.lora(withPrecision(TrainStageTest.config(out, TrainStageTest.pairs(), 1, 4, 1,
                6, 2e-2, 0, false, false), TrainConfig.Precision.float16(1024, 1000), 0, false), lora, true);
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(), c);
        assertEquals(0, summary.get("overflow_steps"));
        List<JsonNode> m = new RunFiles(out).readMetrics();
        assertEquals(Math.log(2), m.get(0).get("loss").asDouble(), 1e-3, m.get(0).toString());
        assertTrue(m.get(5).get("loss").asDouble() < m.get(0).get("loss").asDouble() - 0.05, m.toString());
        // the merged model: targeted weights moved, every other one is the base's rounded to float16
        Map<String, float[]> before = Fixtures.weights(Fixtures.model("llama-tiny"));
        Map<String, float[]> merged = Fixtures.weights(out.resolve(RunFiles.MODEL));
        for (String name : before.keySet()) {
            boolean targeted = name.contains("q_proj") || name.contains("v_proj");
            float[] base = before.get(name);
            double moved = 0;
            for (int i = 0; i < base.length; i++) {
                float rounded = org.stepdpo.model.io.HalfFloats.f16ToF32(org.stepdpo.model.io.HalfFloats.f32ToF16(base[i]));
                moved = Math.max(moved, Math.abs(merged.get(name)[i] - rounded));
            }
            assertTrue(targeted ? moved > 1e-3 : moved == 0, name + " moved by " + moved);
        }
    }

    /**
     * The Step-DPO objective, except that the backward pass of any micro-batch holding example
     * {@code marker} is multiplied by 1e30, which no float16 gradient holds.
     */
    record Overflowing(PreferenceObjective inner, PreferenceExample marker) implements TrainObjective<PreferenceExample> {
        @Override
        public double denominator(List<PreferenceExample> globalBatch) {
            return inner.denominator(globalBatch);
        }

        @Override
        public double[] accumulate(DecoderLM model, NDManager manager, List<PreferenceExample> micro, double denominator) {
            boolean inject = micro.stream().anyMatch(e -> e.prompt()[1] == marker.prompt()[1]);
            return inner.accumulate(model, manager, micro, inject ? denominator / 1e30 : denominator);
        }

        @Override
        public List<String> metricNames() {
            return inner.metricNames();
        }

        @Override
        public long tokens(PreferenceExample e) {
            return inner.tokens(e);
        }

        @Override
        public Map<String, Object> metrics(double[] sums) {
            return inner.metrics(sums);
        }
    }

    @Test
    void anInjectedOverflowSkipsItsStepAndHalvesTheScale() throws IOException {
        List<PreferenceExample> examples = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            examples.add(new PreferenceExample(new int[] {5, 6 + i, 7}, new int[] {8 + i, 9}, new int[] {20 + i, 21}, -5.0,
                    -5.0));
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
        Path out = Files.createDirectories(tmp.resolve("overflow"));
        TrainConfig c = withPrecision(TrainStageTest.config(out, TrainStageTest.pairs(), 1, 2, 1, 4, 1e-3, 0, false,
                false), TrainConfig.Precision.float16(1024, 2), 0, false);
        Overflowing objective = new Overflowing(new PreferenceObjective(c.loss()), examples.get(3));
        Trainer.Report r = TrainStage.train(jsc, c, objective, examples).get(0);
        List<JsonNode> m = new RunFiles(out).readMetrics();
        assertEquals(1, r.overflowSteps(), m.toString());
        assertEquals(0, r.skippedSteps(), "an overflow is not a failed step");
        List<JsonNode> over = m.stream().filter(l -> l.path("overflow").asBoolean(false)).toList();
        assertEquals(1, over.size(), m.toString());
        JsonNode bad = over.get(0);
        assertTrue(bad.get("skipped").asBoolean());
        List<Integer> batch = new ArrayList<>();
        bad.get("batch").forEach(i -> batch.add(i.asInt()));
        assertTrue(batch.contains(3), batch.toString());
        assertTrue(Double.isFinite(bad.get("loss").asDouble()), "the loss itself was finite");
        int at = bad.get("step").asInt();
        if (at < m.size()) {
            assertEquals(bad.get("loss_scale").asDouble() / 2, m.get(at).get("loss_scale").asDouble(), "halved");
        }
        // window 2: an overflow halves the scale, two good steps in a row double it
        double scale = 1024;
        int good = 0;
        for (JsonNode line : m) {
            assertEquals(scale, line.get("loss_scale").asDouble(), line.toString());
            if (line.path("overflow").asBoolean(false)) {
                scale /= 2;
                good = 0;
            } else if (++good == 2) {
                scale *= 2;
                good = 0;
            }
        }
        assertEquals(scale, r.lossScale());
        // at the smallest scale an overflow is a failed step like a NaN
        Path floor = Files.createDirectories(tmp.resolve("floor"));
        TrainConfig atOne = withPrecision(TrainStageTest.config(floor, TrainStageTest.pairs(), 1, 2, 1, 4, 1e-3, 0, false,
                false), TrainConfig.Precision.float16(1, 1000), 0, false);
        Trainer.Report f = TrainStage.train(jsc, atOne, objective, examples).get(0);
        assertEquals(0, f.overflowSteps());
        assertEquals(1, f.skippedSteps());
    }

    @Test
    void aFloat16RunResumesExactlyAndRefusesAnotherDtype() throws IOException {
        Path straight = tmp.resolve("straight");
        TrainStage.run(SharedSpark.get(), fp16(straight, 4, 2, false));
        Path crashed = tmp.resolve("crashed");
        TrainStage.run(SharedSpark.get(), fp16(crashed, 4, 2, false));
        Path ckpt = crashed.resolve("checkpoints/step-00000002");
        try (Checkpoint saved = Checkpoint.open(ckpt.resolve("model.safetensors"))) {
            assertEquals(DType.F16, saved.info(saved.names().iterator().next()).dtype(), "float16 checkpoints");
        }
        assertEquals(1024, RunFiles.readState(ckpt).get("loss_scale").asDouble());
        Files.delete(crashed.resolve(RunFiles.STATE));
        TrainConfig resumed = fp16(crashed, 4, 2, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainStage.run(SharedSpark.get(),
                withPrecision(resumed, TrainConfig.Precision.FLOAT32, 2, true)));
        assertTrue(e.getMessage().contains("--dtype float16"), e.getMessage());
        new RunFiles(crashed).truncateMetrics(2);
        Map<String, Object> summary = TrainStage.run(SharedSpark.get(), resumed);
        assertEquals(2, summary.get("resumed_from_step"));
        Map<String, float[]> a = Fixtures.weights(straight.resolve(RunFiles.MODEL));
        Map<String, float[]> b = Fixtures.weights(crashed.resolve(RunFiles.MODEL));
        for (String name : a.keySet()) {
            TrainStageTest.assertClose(a.get(name), b.get(name), 0, name);
        }
    }
}
