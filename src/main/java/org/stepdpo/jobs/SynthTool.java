package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.stepdpo.model.HfConfig;
import org.stepdpo.model.RandomModel;
import org.stepdpo.synthetic.Difficulty;
import org.stepdpo.synthetic.Families;
import org.stepdpo.synthetic.SyntheticProblem;
import org.stepdpo.synthetic.SyntheticTask;
import org.stepdpo.synthetic.TaskTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jobs/synth}: the synthetic task of the embedded default: generates its splits, builds its
 * tokenizer, writes a fresh model to train, and checks solutions with the exact step verifier.
 */
@Command(name = "synth", mixinStandardHelpOptions = true, subcommands = {SynthTool.Generate.class,
        SynthTool.Tokenizer.class, SynthTool.InitModel.class, SynthVerify.class},
        description = "The synthetic step-by-step task: generate, tokenizer, init-model, verify.")
public final class SynthTool implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        throw new IllegalArgumentException("a subcommand is required: generate, tokenizer, init-model or verify "
                + "(see jobs/synth --help)");
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new SynthTool(), args));
    }

    /** {@code jobs/synth generate}: the first N problems of a split, as JSONL rows. */
    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Writes the first N problems of a split as JSONL (EvalJob's and SftJob's row format).")
    static final class Generate implements Callable<Integer> {
        @Option(names = "--seed", required = true, paramLabel = "S", description = "Seed of the draws.")
        long seed;

        @Option(names = "--n", required = true, paramLabel = "N", description = "Number of problems.")
        int n;

        @Option(names = "--split", paramLabel = "NAME",
                description = "test, pairs-source or sft (default test): which share of the problems to keep; "
                        + "splits never share a problem.")
        String split = "test";

        @Option(names = "--out", required = true, paramLabel = "FILE", description = "JSONL file to write.")
        Path out;

        @Option(names = "--min-steps", paramLabel = "K", description = "Fewest steps (default 2).")
        int minSteps = Difficulty.DEFAULT.minSteps();

        @Option(names = "--max-steps", paramLabel = "K", description = "Most steps (default 6).")
        int maxSteps = Difficulty.DEFAULT.maxSteps();

        @Option(names = "--max-digits", paramLabel = "D", description = "Digits of base quantities (default 3).")
        int maxDigits = Difficulty.DEFAULT.maxDigits();

        @Option(names = "--max-factor", paramLabel = "F", description = "Largest multiplier or divisor (default 9).")
        int maxFactor = Difficulty.DEFAULT.maxFactor();

        @Option(names = "--families", split = ",", paramLabel = "NAME",
                description = "Families to draw (default all: objects, prices, rates, groups, fractions).")
        List<String> families = Families.NAMES;

        @Override
        public Integer call() throws IOException {
            if (n <= 0) {
                throw new IllegalArgumentException("--n must be positive, got " + n);
            }
            Difficulty d = new Difficulty(minSteps, maxSteps, maxDigits, maxFactor, families);
            SyntheticTask.Split s = SyntheticTask.Split.of(split);
            List<SyntheticProblem> problems = new SyntheticTask(seed, d).split(s, n);
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            Map<String, Integer> byLevel = new java.util.TreeMap<>();
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                for (int i = 0; i < problems.size(); i++) {
                    SyntheticProblem p = problems.get(i);
                    w.write(SyntheticTask.row(p, "synthetic-" + s.label + "-" + i));
                    w.write('\n');
                    byLevel.merge(Integer.toString(p.level()), 1, Integer::sum);
                }
            }
            ObjectNode summary = JSON.createObjectNode();
            summary.put("out", out.toString());
            summary.put("split", s.label);
            summary.put("seed", seed);
            summary.put("n", problems.size());
            summary.set("difficulty", JSON.valueToTree(d));
            summary.set("by_level", JSON.valueToTree(byLevel));
            System.out.println(summary);
            return 0;
        }
    }

    /** {@code jobs/synth tokenizer}: the task's word-level tokenizer, built from JSONL rows. */
    @Command(name = "tokenizer", mixinStandardHelpOptions = true,
            description = "Builds the word-level tokenizer (tokenizer.json, tokenizer_config.json with the chat "
                    + "template) from the instruction and output texts of JSONL rows.")
    static final class Tokenizer implements Callable<Integer> {
        @Option(names = "--data", required = true, split = ",", paramLabel = "FILE", description = "JSONL rows.")
        List<Path> data;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory to write to.")
        Path out;

        @Option(names = "--max-length", paramLabel = "N", description = "model_max_length (default 1024).")
        int maxLength = 1024;

        @Override
        public Integer call() throws IOException {
            List<String> corpus = new ArrayList<>();
            for (Path file : data) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode row = JSON.readTree(line);
                    corpus.add(row.path("instruction").asText());
                    corpus.add(row.path("output").asText());
                }
            }
            corpus.add(TaskTokenizer.CHAT_TEMPLATE);
            corpus.add("Problem: \nSolution:\n");
            List<String> vocab = TaskTokenizer.vocabulary(corpus);
            TaskTokenizer.write(vocab, out, maxLength);
            System.out.println(JSON.createObjectNode().put("out", out.toString()).put("vocab_size", vocab.size()));
            return 0;
        }
    }

    /** {@code jobs/synth init-model}: a Llama model with fresh weights and the task's tokenizer, to train. */
    @Command(name = "init-model", mixinStandardHelpOptions = true,
            description = "Writes an untrained Llama model (HF layout) with the tokenizer of --tokenizer, "
                    + "its BOS/EOS ids in config.json and generation_config.json.")
    static final class InitModel implements Callable<Integer> {
        @Option(names = "--tokenizer", required = true, paramLabel = "DIR", description = "From jobs/synth tokenizer.")
        Path tokenizer;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Directory (must not exist).")
        Path out;

        @Option(names = "--shape", paramLabel = "SPEC",
                description = "hidden=N,layers=N,heads=N,kv_heads=N[,intermediate=N] (default "
                        + "hidden=256,layers=4,heads=8,kv_heads=8,intermediate=768).")
        String shape = "hidden=256,layers=4,heads=8,kv_heads=8,intermediate=768";

        @Option(names = "--max-positions", paramLabel = "N", description = "max_position_embeddings (default 1024).")
        int maxPositions = 1024;

        @Option(names = "--seed", paramLabel = "S", description = "Seed of the weights (default 0).")
        long seed;

        @Override
        public Integer call() throws IOException {
            if (Files.exists(out)) {
                throw new IllegalArgumentException("--out " + out + " exists: give a new directory");
            }
            JsonNode tok = JSON.readTree(tokenizer.resolve("tokenizer.json").toFile());
            JsonNode vocab = tok.path("model").path("vocab");
            if (!vocab.isObject()) {
                throw new IllegalArgumentException("--tokenizer " + tokenizer + ": tokenizer.json has no WordLevel vocab");
            }
            int vocabSize = vocab.size();
            HfConfig c = RandomModel.config(shape + ",vocab=" + vocabSize, maxPositions);
            RandomModel.write(c, seed, out, tokenizer);
            int bos = vocab.path(TaskTokenizer.BOS).asInt();
            int eos = vocab.path(TaskTokenizer.EOS).asInt();
            ObjectNode config = (ObjectNode) JSON.readTree(out.resolve("config.json").toFile());
            config.put("bos_token_id", bos);
            config.put("eos_token_id", eos);
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("config.json").toFile(), config);
            Map<String, Object> gen = new LinkedHashMap<>();
            gen.put("bos_token_id", bos);
            gen.put("eos_token_id", eos);
            gen.put("pad_token_id", eos);
            gen.put("do_sample", false);
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("generation_config.json").toFile(), gen);
            System.out.println(JSON.createObjectNode().put("out", out.toString()).put("vocab_size", vocabSize)
                    .put("shape", shape));
            return 0;
        }
    }
}
