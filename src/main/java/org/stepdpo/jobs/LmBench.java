package org.stepdpo.jobs;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stepdpo.model.Bench;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.HfConfig;
import org.stepdpo.model.RandomModel;
import org.stepdpo.model.WorkloadBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jobs/lm bench}: prefill and decoding throughput of a model and its MFU, as one JSON object. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Times a prefill pass and decoding (greedy unless --temperature) with the KV cache; reports tokens/s and MFU.")
final class LmBench implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--model", paramLabel = "DIR", description = "HF model directory.")
    Path model;

    @Option(names = "--random", paramLabel = "SPEC",
            description = "Random Llama-layout weights instead, e.g. hidden=512,layers=4,heads=8,kv_heads=2,vocab=8192"
                    + "[,intermediate=N,head_dim=N].")
    String random;

    @Option(names = "--batch", paramLabel = "B", description = "Rows decoded together (with --workload: default 32).")
    Integer batch;

    @Option(names = "--prompt-tokens", paramLabel = "P", description = "Random prompt tokens per row.")
    Integer promptTokens;

    @Option(names = "--new-tokens", paramLabel = "N", description = "Decoding steps.")
    Integer newTokens;

    @Option(names = "--workload", paramLabel = "pairs|eval",
            description = "Instead of one batch: a job's request mix (pairs: 32 prompts x 8 samples, 20-400 new tokens;"
                    + " eval: 256 prompts, heavy-tailed lengths) run with static batching and with the engine, same requests.")
    String workload;

    @Option(names = "--kv-cache-tokens", paramLabel = "N",
            description = "With --workload: the engine's KV cache budget in tokens (default: rows x the workload's context).")
    Long kvTokens;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the prompts and random weights (default 0).")
    long seed = 0;

    @Option(names = "--repeats", paramLabel = "R", description = "Timed runs after the warm-up; medians reported (default 3).")
    int repeats = 3;

    @Option(names = "--warmup", paramLabel = "W", description = "Untimed runs first (default 2).")
    int warmup = 2;

    @Mixin
    DeviceOptions where;

    @Override
    public Integer call() {
        if ((model == null) == (random == null)) {
            throw new IllegalArgumentException("give exactly one of --model DIR or --random SPEC");
        }
        if (workload != null) {
            return workload();
        }
        if (batch == null || promptTokens == null || newTokens == null) {
            throw new IllegalArgumentException("give --batch, --prompt-tokens and --new-tokens, or --workload pairs|eval");
        }
        Bench.Settings settings = new Bench.Settings(batch, promptTokens, newTokens, seed, repeats, warmup,
                sampling.temperature, sampling.topP, sampling.topK);
        Device dev = where.device();
        DataType type = where.dataType();
        HfConfig config = random == null ? null
                : RandomModel.config(random, Math.max(4096, promptTokens + newTokens + 1));
        try (DecoderLM lm = random == null ? DecoderLM.load(model, dev, type)
                : DecoderLM.create(config, RandomModel.weights(seed), dev, type)) {
            Bench.Result r = Bench.run(lm, settings);
            ObjectNode out = JSON.createObjectNode();
            out.put("prefill_tokens_per_s", r.prefillTokensPerS());
            out.put("decode_tokens_per_s", r.decodeTokensPerS());
            out.put("matmul_peak_gflops", r.peakGflops());
            out.put("prefill_mfu", r.prefillMfu());
            out.put("decode_mfu", r.decodeMfu());
            out.put("prefill_mfu_executed", r.prefillMfuExecuted());
            out.put("batch", batch);
            out.put("prompt_tokens", promptTokens);
            out.put("new_tokens", newTokens);
            out.put("temperature", sampling.temperature);
            out.put("top_p", sampling.topP);
            out.put("top_k", sampling.topK);
            out.put("matmul_params", r.matmulParams());
            out.put("lm_head_params", r.headParams());
            out.put("prefill_s", r.prefillSeconds());
            out.put("decode_s", r.decodeSeconds());
            ArrayNode runs = out.putArray("runs");
            for (int i = 0; i < repeats; i++) {
                runs.addObject().put("prefill_s", r.prefillS()[i]).put("decode_s", r.decodeS()[i]);
            }
            out.put("repeats", repeats);
            out.put("warmup", warmup);
            out.put("threads", r.threads());
            out.put("device", dev.toString());
            out.put("dtype", where.dtype);
            out.put("model", random == null ? model.toString() : "random:" + random);
            out.put("checksum", r.checksum());
            System.out.println(out);
        }
        return 0;
    }

    /** {@code --workload}: static batching and the engine on one request mix, as one JSON object. */
    private int workload() {
        WorkloadBench.Workload mix = WorkloadBench.Workload.parse(workload);
        if (promptTokens != null || newTokens != null) {
            throw new IllegalArgumentException("--workload sets the prompt and generation lengths itself:"
                    + " drop --prompt-tokens and --new-tokens");
        }
        int rows = batch == null ? 32 : batch;
        long budget = kvTokens == null ? (long) rows * mix.context() : kvTokens;
        Device dev = where.device();
        HfConfig config = random == null ? null : RandomModel.config(random, mix.context() + 1);
        try (DecoderLM lm = random == null ? DecoderLM.load(model, dev, where.dataType())
                : DecoderLM.create(config, RandomModel.weights(seed), dev, where.dataType())) {
            if (lm.config().maxPositions() < mix.context()) {
                throw new IllegalArgumentException("--workload " + workload + " needs a context of " + mix.context()
                        + " tokens; the model has " + lm.config().maxPositions());
            }
            double peak = Bench.matmulPeakGflops(lm.manager(), 3);
            WorkloadBench.Result r = WorkloadBench.run(lm, WorkloadBench.requests(mix, lm.config().vocabSize(), seed),
                    rows, budget, WorkloadBench.options(mix, sampling.temperature, sampling.topP, sampling.topK));
            peak = Math.max(peak, Bench.matmulPeakGflops(lm.manager(), 3));
            long params = Bench.matmulParams(lm.config());
            ObjectNode out = JSON.createObjectNode();
            out.put("workload", workload);
            out.put("requests", r.requests());
            out.put("generated_tokens", r.generatedTokens());
            out.put("static_tokens_per_s", r.staticTokensPerS());
            out.put("engine_tokens_per_s", r.engineTokensPerS());
            out.put("speedup", r.speedup());
            if (sampling.temperature == 0) {
                out.put("greedy_equal", r.equalOutputs() == r.requests());
            } else {
                out.putNull("greedy_equal");
            }
            out.put("equal_outputs", r.equalOutputs());
            out.put("static_s", r.staticSeconds());
            out.put("engine_s", r.engineSeconds());
            out.put("static_mfu", Bench.mfu(params, r.staticTokensPerS(), peak));
            out.put("engine_mfu", Bench.mfu(params, r.engineTokensPerS(), peak));
            out.put("matmul_peak_gflops", peak);
            out.put("rows", rows);
            out.put("kv_cache_tokens", budget);
            out.put("static_prefill_tokens", r.staticStats().prefillTokens());
            out.put("engine_prefill_tokens", r.engineStats().prefillTokens());
            out.put("static_steps", r.staticStats().steps());
            out.put("engine_steps", r.engineStats().steps());
            out.put("static_peak_cache_tokens", r.staticStats().peakCacheTokens());
            out.put("engine_peak_cache_tokens", r.engineStats().peakCacheTokens());
            out.put("temperature", sampling.temperature);
            out.put("threads", ai.djl.pytorch.jni.JniUtils.getNumThreads());
            out.put("device", dev.toString());
            out.put("dtype", where.dtype);
            out.put("model", random == null ? model.toString() : "random:" + random);
            out.put("seed", seed);
            System.out.println(out);
        }
        return 0;
    }
}
