package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.stepdpo.model.HfConfig;
import org.stepdpo.train.MemoryPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/lm plan}: the per-worker memory of training a model (from its {@code config.json}
 * alone) with the given workers, dtype, sharding and adapters, and whether it fits a device.
 */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Per-worker training memory by kind (weights, gradients, master weights, optimizer state, "
                + "activations) from config.json, as JSON, with fits when --device-memory is given.")
final class LmPlan implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF model directory (config.json is read).")
    Path model;

    @Option(names = "--workers", paramLabel = "N", description = "Data-parallel workers (default 1).")
    int workers = 1;

    @Option(names = "--device-memory", paramLabel = "SIZE", description = "Memory of one worker's device, e.g. 80g.")
    String deviceMemory;

    @Option(names = "--dtype", paramLabel = "float32|float16", description = "Compute dtype of the weights (default float32).")
    String dtype = "float32";

    @Option(names = "--shard-optimizer", description = "Split optimizer state and master weights over the workers.")
    boolean shardOptimizer;

    @Option(names = "--lora-rank", paramLabel = "R", description = "Train rank-R adapters only (default 0: all weights).")
    int loraRank;

    @Option(names = "--lora-targets", split = ",", paramLabel = "PROJ",
            description = "Projections with adapters (default q_proj,v_proj).")
    List<String> loraTargets = List.of("q_proj", "v_proj");

    @Option(names = "--per-device-batch", paramLabel = "B", description = "Pairs per micro-batch (default 2).")
    int perDeviceBatch = 2;

    @Option(names = "--max-length", paramLabel = "N", description = "Tokens per sequence (default 1024).")
    int maxLength = 1024;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(model.resolve("config.json"))) {
            throw new IllegalArgumentException("--model " + model + ": no config.json there");
        }
        MemoryPlan plan = MemoryPlan.of(HfConfig.load(model), new MemoryPlan.Settings(workers,
                MemoryPlan.DType.parse(dtype, "--dtype"), shardOptimizer, loraRank, loraTargets, perDeviceBatch, maxLength));
        long device = deviceMemory == null ? 0 : MemoryPlan.parseBytes(deviceMemory, "--device-memory");
        System.out.println(new ObjectMapper().writeValueAsString(plan.toMap(device)));
        return 0;
    }
}
