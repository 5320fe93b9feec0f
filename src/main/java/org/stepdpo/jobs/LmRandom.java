package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.stepdpo.model.Bench;
import org.stepdpo.model.HfConfig;
import org.stepdpo.model.RandomModel;
import org.stepdpo.model.text.HfTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/lm random}: writes a Llama-layout model with random weights as an HF directory, for
 * benchmarks and cluster smoke tests at a chosen size without downloading a checkpoint. With
 * {@code --tokenizer DIR} it takes that directory's tokenizer files, so EvalJob can run on it.
 */
@Command(name = "random", mixinStandardHelpOptions = true,
        description = "Writes a random Llama-layout model as an HF directory; prints its shape as JSON.")
final class LmRandom implements Callable<Integer> {
    @Option(names = "--random", required = true, paramLabel = "SPEC",
            description = "e.g. hidden=256,layers=4,heads=4,kv_heads=2,vocab=151936[,intermediate=N,head_dim=N].")
    String spec;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write it (must not exist).")
    Path out;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Copy this HF directory's tokenizer files; its vocabulary must fit the spec's.")
    Path tokenizer;

    @Option(names = "--max-positions", paramLabel = "N", description = "max_position_embeddings (default 4096).")
    int maxPositions = 4096;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights (default 0).")
    long seed = 0;

    @Override
    public Integer call() {
        if (Files.exists(out)) {
            throw new IllegalArgumentException("--out " + out + " exists: give a new directory");
        }
        HfConfig config = RandomModel.config(spec, maxPositions);
        if (tokenizer != null) {
            if (!Files.isRegularFile(tokenizer.resolve("tokenizer.json"))) {
                throw new IllegalArgumentException("--tokenizer " + tokenizer + ": no tokenizer.json there");
            }
            try (HfTokenizer t = HfTokenizer.load(tokenizer)) {
                if (t.vocabSize() > config.vocabSize()) {
                    throw new IllegalArgumentException("--tokenizer " + tokenizer + " has " + t.vocabSize()
                            + " tokens but the spec's vocab is " + config.vocabSize() + ": give vocab=" + t.vocabSize()
                            + " or more");
                }
            }
        }
        RandomModel.write(config, seed, out, tokenizer);
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("model", out.toString());
        json.put("spec", spec);
        json.put("matmul_params", Bench.matmulParams(config));
        json.put("tokenizer", tokenizer == null ? null : tokenizer.toString());
        System.out.println(json);
        return 0;
    }
}
