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

    @Option(names = "--batch", required = true, paramLabel = "B", description = "Rows decoded together.")
    int batch;

    @Option(names = "--prompt-tokens", required = true, paramLabel = "P", description = "Random prompt tokens per row.")
    int promptTokens;

    @Option(names = "--new-tokens", required = true, paramLabel = "N", description = "Decoding steps.")
    int newTokens;

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
}
