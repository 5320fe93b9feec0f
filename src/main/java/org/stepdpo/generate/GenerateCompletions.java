package org.stepdpo.generate;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.stepdpo.model.Generator;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.TaskThreads;

/**
 * Generates a completion for every problem of a partition with the executor's shared model:
 * prompts are sorted by length and generated {@code batchSize} at a time, and completions are
 * handed on batch by batch as they finish.
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
     */
    public record Settings(String promptName, int batchSize, int maxNewTokens, double temperature, double topP,
            int topK, long seed) implements java.io.Serializable {}

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
        int batchSize = settings.batchSize();
        int pad = lm.tokenizer().padId().orElse(0);
        return new Iterator<>() {
            private int next;
            private final List<Completion> ready = new ArrayList<>();
            private int readyAt;
            private int chunk;

            @Override
            public boolean hasNext() {
                return readyAt < ready.size() || next < pending.size();
            }

            @Override
            public Completion next() {
                if (readyAt == ready.size()) {
                    if (next >= pending.size()) {
                        throw new NoSuchElementException();
                    }
                    ready.clear();
                    readyAt = 0;
                    List<Pending> batch = pending.subList(next, Math.min(next + batchSize, pending.size()));
                    next += batch.size();
                    ready.addAll(generate(lm, batch, pad, opts));
                    if (logDir != null) {
                        CompletionLog.append(logDir, CompletionLog.taskHadoop(), ready, chunk++);
                    }
                }
                return ready.get(readyAt++);
            }
        };
    }

    private List<Completion> generate(LanguageModel lm, List<Pending> batch, int pad, Generator.Options opts) {
        List<Generator.Request> requests = new ArrayList<>();
        for (Pending p : batch) {
            requests.add(new Generator.Request(p.ids(), seedOf(settings.seed(), p.problem().idx())));
        }
        List<Generator.Result> results = Generator.generate(lm.decoder(), requests, pad, opts);
        List<Completion> out = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            Pending p = batch.get(i);
            Generator.Result r = results.get(i);
            String text = lm.tokenizer().decode(r.ids(), true);
            Problem done = p.problem().withCompletion(text);
            out.add(new Completion(done, p.prompt(), p.ids().length, r.ids().length,
                    r.finish().name().toLowerCase(Locale.ROOT)));
        }
        return out;
    }
}
