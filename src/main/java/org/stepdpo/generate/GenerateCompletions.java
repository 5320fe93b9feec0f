package org.stepdpo.generate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.stepdpo.model.Generator;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.TaskThreads;

/**
 * Generates a completion for every problem of a partition with the executor's shared model: the
 * prompts, sorted by length, go through the generation engine in one queue ({@code batchSize} rows,
 * each finished row refilled at the next step, within the KV cache budget), and every
 * {@code batchSize} finished completions are saved as they finish.
 */
public final class GenerateCompletions implements FlatMapFunction<Iterator<Problem>, Completion> {
    /**
     * Serializable generation settings.
     *
     * @param promptName   generation template
     * @param batchSize    prompts generated together
     * @param maxNewTokens tokens to generate at most
     * @param temperature  0 for greedy
     * @param topP         nucleus mass (1: off)
     * @param topK         candidate count (0: off)
     * @param seed         run seed; each problem samples from a stream seeded by this and its id
     * @param kvCacheTokens the KV cache budget in tokens (0: {@code batchSize} x the model's context)
     */
    public record Settings(String promptName, int batchSize, int maxNewTokens, double temperature, double topP,
            int topK, long seed, long kvCacheTokens) implements java.io.Serializable {
        /** Settings with the default KV cache budget. */
        public Settings(String promptName, int batchSize, int maxNewTokens, double temperature, double topP,
                int topK, long seed) {
            this(promptName, batchSize, maxNewTokens, temperature, topP, topK, seed, 0);
        }

        /** The sampling part of these settings. */
        public Sampling.Settings sampling() {
            return new Sampling.Settings(batchSize, maxNewTokens, temperature, topP, topK, kvCacheTokens);
        }
    }

    private final LanguageModel.Spec model;
    private final Settings settings;
    private final String logDir;

    /** @param logDir where each finished batch is saved ({@link CompletionLog}), or null */
    public GenerateCompletions(LanguageModel.Spec model, Settings settings, String logDir) {
        this.model = model;
        this.settings = settings;
        this.logDir = logDir;
    }

    /** A problem's own sampling seed: independent of batching and partitioning. */
    public static long seedOf(long runSeed, String idx) {
        long h = runSeed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < idx.length(); i++) {
            h = (h ^ idx.charAt(i)) * 0x100000001B3L;
        }
        return h;
    }

    private record Pending(Problem problem, String prompt, int[] ids) {}

    @Override
    public Iterator<Completion> call(Iterator<Problem> problems) {
        if (!problems.hasNext()) {
            return List.<Completion>of().iterator();
        }
        TaskThreads.forTask();
        LanguageModel lm = ExecutorModels.acquire(model);
        List<Pending> pending = new ArrayList<>();
        while (problems.hasNext()) {
            Problem p = problems.next();
            String prompt = lm.prompt(settings.promptName(), p.instruction(), null);
            pending.add(new Pending(p, prompt, lm.tokenizer().encode(prompt)));
        }
        pending.sort(Comparator.comparingInt((Pending p) -> p.ids().length));
        Set<Integer> stop = new HashSet<>(lm.decoder().config().eosTokenIds());
        lm.tokenizer().eosId().ifPresent(stop::add);
        Generator.Options opts = new Generator.Options(settings.maxNewTokens(), settings.temperature(),
                settings.topP(), settings.topK(), stop, null);
        List<Generator.Request> requests = new ArrayList<>();
        for (Pending p : pending) {
            requests.add(new Generator.Request(p.ids(), seedOf(settings.seed(), p.problem().idx())));
        }
        Completion[] done = new Completion[pending.size()];
        List<Completion> finished = new ArrayList<>();
        int[] chunk = {0};
        Generator.run(lm.decoder(), requests, lm.tokenizer().padId().orElse(0), opts,
                settings.sampling().batching(lm.decoder().config().maxPositions()), (i, r) -> {
                    done[i] = completion(lm, pending.get(i), r);
                    finished.add(done[i]);
                    if (finished.size() == settings.batchSize()) {
                        save(finished, chunk[0]++);
                    }
                });
        save(finished, chunk[0]);
        return Arrays.asList(done).iterator();
    }

    /** Saves the completions finished since the last save ({@link CompletionLog}), then forgets them. */
    private void save(List<Completion> finished, int chunk) {
        if (logDir != null && !finished.isEmpty()) {
            CompletionLog.append(logDir, CompletionLog.taskHadoop(), finished, chunk);
        }
        finished.clear();
    }

    private static Completion completion(LanguageModel lm, Pending p, Generator.Result r) {
        String text = lm.tokenizer().decode(r.ids(), true);
        return new Completion(p.problem().withCompletion(text), p.prompt(), p.ids().length, r.ids().length,
                r.finish().name().toLowerCase(Locale.ROOT));
    }
}
