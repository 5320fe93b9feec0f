package org.stepdpo.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.stepdpo.train.PreferenceLoss;
import org.stepdpo.train.TrainConfig;
import picocli.CommandLine;

class TrainJobsTest {
    private static final String[] REQUIRED = {"--model", "m", "--data", "p.jsonl", "--out", "o"};

    private static String failing(Callable<Integer> job, String... args) {
        StringWriter err = new StringWriter();
        int code = JobRunner.execute(job, args, new PrintWriter(err, true));
        assertEquals(JobRunner.USAGE_ERROR, code, err.toString());
        return err.toString();
    }

    private static String[] with(String... more) {
        String[] all = new String[REQUIRED.length + more.length];
        System.arraycopy(REQUIRED, 0, all, 0, REQUIRED.length);
        System.arraycopy(more, 0, all, REQUIRED.length, more.length);
        return all;
    }

    @Test
    void badFlagsFailFastNamingThem() {
        assertTrue(failing(new TrainStepDpoJob(), "--data", "p.jsonl", "--out", "o").contains("--model"));
        assertTrue(failing(new TrainStepDpoJob(), with("--loss", "kto")).contains("--loss"));
        assertTrue(failing(new TrainStepDpoJob(), with("--loss-type", "hinge")).contains("--loss-type"));
        assertTrue(failing(new TrainStepDpoJob(), with("--beta", "0")).contains("--beta"));
        assertTrue(failing(new TrainStepDpoJob(), with("--prompt", "nope")).contains("--prompt"));
        assertTrue(failing(new TrainStepDpoJob(), with("--lr-scheduler", "step")).contains("--lr-scheduler"));
        assertTrue(failing(new TrainStepDpoJob(), with("--workers", "0")).contains("--workers"));
        assertTrue(failing(new TrainStepDpoJob(), with("--max-prompt-length", "2048")).contains("--max-prompt-length"));
        assertTrue(failing(new TrainStepDpoJob(), with("--exchange", "mpi")).contains("--exchange"));
        assertTrue(failing(new TrainStepDpoJob(), with("--resume", "--overwrite")).contains("--resume"));
        assertTrue(failing(new TrainStepDpoJob(), with("--save-dtype", "int8")).contains("--save-dtype"));
        assertTrue(failing(new TrainStepDpoJob(), with("--lora-rank", "-2")).contains("--lora-rank"));
        assertTrue(failing(new TrainStepDpoJob(), with("--lora-alpha", "16")).contains("--lora-rank"));
        assertTrue(failing(new TrainStepDpoJob(), with("--lora-rank", "8", "--lora-dropout", "1")).contains("--lora-dropout"));
        assertTrue(failing(new TrainStepDpoJob(), with("--lora-rank", "8", "--lora-targets", "q_proj,lm_head"))
                .contains("--lora-targets"));
        assertTrue(failing(new TrainStepDpoJob(), with("--merge-lora")).contains("--merge-lora"));
        assertTrue(failing(new SftJob(), with("--lr", "-1")).contains("--lr"));
        assertTrue(failing(new SftJob(), with("--beta", "0.1")).contains("--beta"), "SftJob has no --beta");
    }

    @Test
    void flagsBecomeTheConfigRecordWithTheSeedsDefaults() {
        TrainStepDpoJob job = new TrainStepDpoJob();
        new CommandLine(job).parseArgs(with("--workers", "2", "--per-device-batch", "4", "--grad-accum", "16",
                "--epochs", "4", "--save-steps", "50"));
        TrainConfig c = job.config();
        assertEquals(TrainConfig.Task.STEP_DPO, c.task());
        assertEquals(org.stepdpo.spark.ExchangeMode.SOCKET, c.exchange());
        assertEquals(org.stepdpo.model.io.DType.F32, c.saveDtype());
        assertEquals("qwen2-boxed", c.prompt());
        assertEquals(new PreferenceLoss.Config(PreferenceLoss.Kind.SIGMOID, 0.4, 0), c.loss());
        assertEquals(new TrainConfig.Optim(5e-7, org.stepdpo.train.LrSchedule.Kind.COSINE, 0.1, 0.0, 1.0), c.optim());
        assertEquals(128, c.globalBatch());
        assertEquals(1024, c.maxLength());
        assertEquals(512, c.maxPromptLength());
        assertEquals(42, c.seed());
        // relative --out resolved where the job starts: executors work in folders of their own
        assertEquals(java.nio.file.Path.of("o/reference").toAbsolutePath().toString(), c.referenceDir());
        assertEquals(List.of("p.jsonl"), c.data());

        SftJob sft = new SftJob();
        new CommandLine(sft).parseArgs(with("--prompt", "plain"));
        TrainConfig s = sft.config();
        assertEquals(TrainConfig.Task.SFT, s.task());
        assertNull(s.loss());
        assertEquals(1e-5, s.optim().lr());
    }
}
