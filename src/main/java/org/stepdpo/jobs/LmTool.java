package org.stepdpo.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Generator;
import org.stepdpo.model.Scoring;
import org.stepdpo.model.text.ChatTemplate;
import org.stepdpo.model.text.HfTokenizer;
import org.stepdpo.model.text.PromptTemplates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jobs/lm}: score, generate or benchmark with an HF model directory; one JSON object on stdout. */
@Command(name = "lm", mixinStandardHelpOptions = true, subcommands = {LmTool.Score.class, LmTool.Generate.class,
        LmBench.class, LmRandom.class, LmPlan.class}, description = "Pokes at a model: per-token log-probs (score), a"
                + " continuation (generate), its inference speed (bench) or its training memory (plan), as JSON; or writes a"
                + " random one (random).")
public final class LmTool implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        throw new IllegalArgumentException("a subcommand is required: score, generate, bench, plan or random (see jobs/lm --help)");
    }

    /** Options every subcommand takes. */
    static final class ModelOptions {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "HF model directory.")
        Path model;

        @Option(names = "--ids", paramLabel = "\"ID ID ...\"", description = "Token ids (no tokenizer needed).")
        String ids;

        @Option(names = "--text", paramLabel = "T", description = "Text, encoded with the model's tokenizer.")
        String text;

        @Option(names = "--prompt", paramLabel = "NAME",
                description = "With --text: wrap it in this generation template (e.g. qwen2-boxed, chat).")
        String prompt;

        @Mixin
        DeviceOptions where;

        /** The tokenizer when the model directory has one (required for --text). */
        HfTokenizer tokenizer() {
            return text != null || Files.exists(model.resolve("tokenizer.json")) ? HfTokenizer.load(model) : null;
        }

        int[] tokenIds(HfTokenizer tokenizer) {
            if ((ids == null) == (text == null)) {
                throw new IllegalArgumentException("give exactly one of --ids (token ids such as \"3 17 9\") or --text");
            }
            if (prompt != null && text == null) {
                throw new IllegalArgumentException("--prompt applies to --text only");
            }
            if (text != null) {
                String input = prompt == null ? text : PromptTemplates.generation(prompt, text, null,
                        tokenizer.chatTemplate() == null ? null
                                : new ChatTemplate(tokenizer.chatTemplate(), tokenizer.templateVariables()));
                return tokenizer.encode(input);
            }
            return DeviceOptions.parseIds(ids);
        }

        DecoderLM load() {
            return DecoderLM.load(model, where.device(), where.dataType());
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = "Per-token log-probs of a sequence and the distribution after its last token.")
    static final class Score implements Callable<Integer> {
        @Mixin
        ModelOptions options;

        @Option(names = "--top", paramLabel = "K", description = "Next tokens to list (default: 8).")
        int top = 8;

        @Override
        public Integer call() throws Exception {
            int[] ids;
            try (HfTokenizer tokenizer = options.text == null ? null : options.tokenizer()) {
                ids = options.tokenIds(tokenizer);
            }
            try (DecoderLM model = options.load()) {
                Scoring.Score s = Scoring.score(model, ids, top);
                ObjectNode out = JSON.createObjectNode();
                ArrayNode idArray = out.putArray("ids");
                Arrays.stream(s.ids()).forEach(idArray::add);
                ArrayNode lp = out.putArray("token_logprobs");
                for (float f : s.tokenLogprobs()) {
                    lp.add(f);
                }
                out.put("last_logsumexp", s.lastLogsumexp());
                ArrayNode topArray = out.putArray("last_top");
                for (int i = 0; i < s.lastTopIds().length; i++) {
                    topArray.addArray().add(s.lastTopIds()[i]).add(s.lastTopLogits()[i]);
                }
                System.out.println(out);
            }
            return 0;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, description = "Continues a sequence.")
    static final class Generate implements Callable<Integer> {
        @Mixin
        ModelOptions options;

        @Option(names = "--max-new-tokens", paramLabel = "N", description = "Default: 64.")
        int maxNewTokens = 64;

        @Mixin
        SamplingOptions sampling;

        @Option(names = "--seed", paramLabel = "S", description = "Sampling seed (default 0).")
        long seed = 0;

        @Option(names = "--ignore-eos", description = "Run to --max-new-tokens even past end-of-sequence.")
        boolean ignoreEos;

        @Override
        public Integer call() throws Exception {
            try (HfTokenizer tokenizer = options.tokenizer(); DecoderLM model = options.load()) {
                int[] ids = options.tokenIds(tokenizer);
                Set<Integer> stop = new HashSet<>();
                if (!ignoreEos) {
                    stop.addAll(model.config().eosTokenIds());
                    if (tokenizer != null) {
                        tokenizer.eosId().ifPresent(stop::add);
                    }
                }
                int[] generated = Generator.generate(model, ids,
                        new Generator.Options(maxNewTokens, sampling.temperature, sampling.topP, sampling.topK, stop,
                                null), seed);
                ObjectNode out = JSON.createObjectNode();
                ArrayNode idArray = out.putArray("ids");
                Arrays.stream(generated).forEach(idArray::add);
                if (tokenizer == null) {
                    out.putNull("text");
                } else {
                    out.put("text", tokenizer.decode(generated, true));
                }
                System.out.println(out);
            }
            return 0;
        }
    }

    public static void main(String[] args) {
        System.exit(JobRunner.execute(new LmTool(), args));
    }
}
