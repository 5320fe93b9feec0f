package org.stepdpo.jobs;

import java.util.concurrent.Callable;
import org.stepdpo.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spark-submit --class SftJob}: supervised fine-tuning on the training loop of TrainStepDpoJob. */
@Command(name = "SftJob", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Supervised fine-tuning: token-mean cross-entropy over response tokens. Data rows: prompt "
                + "(or instruction), optional initial_reason_steps, response (or output)."})
public final class SftJob implements Callable<Integer> {
    @Mixin
    TrainOptions options = new TrainOptions();

    @Option(names = "--lr", paramLabel = "LR", description = "Peak learning rate (default 1e-5).")
    double lr = 1e-5;

    TrainConfig config() {
        return options.config("sft", null, lr, null, 1);
    }

    @Override
    public Integer call() throws java.io.IOException {
        return TrainStepDpoJob.run("SftJob", config());
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new SftJob(), args));
    }
}
