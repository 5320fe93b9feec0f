package org.stepdpo.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generation engine's batching (shared prefills, slot refill, the KV budget) changes how requests
 * are computed, never what they produce: greedy outputs equal one-at-a-time generation and sampled
 * outputs depend only on each request's seed.
 */
class EngineTest {
    private static final int MAX_NEW = 24;

    /** Prompts of lengths 3 to 40 (three requests share one prompt), each with its own cap on new tokens. */
    private static List<Generator.Request> requests(int vocab) {
        SplittableRandom random = new SplittableRandom(7);
        List<Generator.Request> out = new ArrayList<>();
        int[] shared = random.ints(17, 1, vocab).toArray();
        for (int i = 0; i < 11; i++) {
            int[] prompt = i % 4 == 1 ? shared : random.ints(3 + random.nextInt(38), 1, vocab).toArray();
            out.add(new Generator.Request(prompt, 1000 + i, i % 3 == 0 ? 0 : 2 + random.nextInt(MAX_NEW)));
        }
        return out;
    }

    private static DecoderLM load(String name) {
        return DecoderLM.load(Fixtures.model(name), Device.cpu(), DataType.FLOAT32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen2-tiny", "llama-tiny"})
    void continuousBatchingGivesTheGreedyTokensOfOneAtATimeGeneration(String name) {
        try (DecoderLM model = load(name)) {
            List<Generator.Request> requests = requests(model.config().vocabSize());
            Generator.Options greedy = Generator.Options.greedy(MAX_NEW, Set.of());
            Generator.Outcome engine = Generator.run(model, requests, 0, greedy, Generator.Batching.continuous(3, 1 << 20));
            Generator.Outcome batches = Generator.run(model, requests, 0, greedy, Generator.Batching.staticBatches(4));
            long distinct = 0;
            long all = 0;
            Set<List<Integer>> seen = new HashSet<>();
            for (int i = 0; i < requests.size(); i++) {
                Generator.Request r = requests.get(i);
                Generator.Result alone = Generator.generate(model, List.of(r), 0, greedy).get(0);
                assertArrayEquals(alone.ids(), engine.results().get(i).ids(), name + " request " + i);
                assertEquals(alone.finish(), engine.results().get(i).finish());
                assertArrayEquals(alone.ids(), batches.results().get(i).ids(), name + " request " + i + ", static");
                int cap = r.maxNewTokens() == 0 ? MAX_NEW : r.maxNewTokens();
                assertEquals(cap, engine.results().get(i).ids().length, "no stop tokens: every request runs to its cap");
                all += r.prompt().length;
                if (seen.add(java.util.Arrays.stream(r.prompt()).boxed().toList())) {
                    distinct += r.prompt().length;
                }
            }
            assertEquals(distinct, engine.stats().prefillTokens(), "each distinct prompt prefilled once");
            assertEquals(all, batches.stats().prefillTokens(), "static batching prefills every request");
            assertTrue(distinct < all);
            // refill keeps 3 rows busy: fewer steps than the static batches' longest rows add up to
            assertTrue(engine.stats().steps() < batches.stats().steps() * 2,
                    engine.stats() + " vs " + batches.stats());
        }
    }

    @Test
    void sampledOutputsDependOnlyOnEachRequestsSeed() {
        try (DecoderLM model = load("qwen2-tiny")) {
            List<Generator.Request> requests = requests(model.config().vocabSize());
            Generator.Options sampled = new Generator.Options(MAX_NEW, 1.0, 0.9, 0, Set.of(), null);
            List<Generator.Result> engine = Generator.generate(model, requests, 0, sampled,
                    Generator.Batching.continuous(3, 1 << 20));
            List<Generator.Result> again = Generator.generate(model, requests, 0, sampled,
                    Generator.Batching.continuous(5, 1 << 20));
            List<Generator.Result> batches = Generator.generate(model, requests, 0, sampled,
                    Generator.Batching.staticBatches(requests.size()));
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(batches.get(i).ids(), engine.get(i).ids(), "request " + i);
                assertArrayEquals(batches.get(i).ids(), again.get(i).ids(), "request " + i + ", 5 rows");
            }
            // the requests that share a prompt (and its prefill) still draw their own samples
            List<Generator.Request> shared = Generator.Request.samples(requests.get(1).prompt(), 5, 4);
            Set<List<Integer>> outputs = new HashSet<>();
            for (Generator.Result r : Generator.generate(model, shared, 0, sampled, Generator.Batching.continuous(4, 1 << 20))) {
                outputs.add(java.util.Arrays.stream(r.ids()).boxed().toList());
            }
            assertEquals(4, outputs.size(), "four samples of one prompt differ");
        }
    }

    @Test
    void aKvBudgetBoundsTheCacheAndRequestsWaitForRoom() {
        try (DecoderLM model = load("llama-tiny")) {
            List<Generator.Request> requests = requests(model.config().vocabSize());
            Generator.Options greedy = Generator.Options.greedy(MAX_NEW, Set.of());
            long budget = 2L * (40 + MAX_NEW); // two of the longest reservations
            Generator.Outcome tight = Generator.run(model, requests, 0, greedy, Generator.Batching.continuous(8, budget));
            Generator.Outcome roomy = Generator.run(model, requests, 0, greedy, Generator.Batching.continuous(8, 1 << 20));
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(roomy.results().get(i).ids(), tight.results().get(i).ids(), "request " + i);
            }
            assertTrue(tight.stats().peakCacheTokens() <= budget, tight.stats() + " over " + budget);
            assertTrue(roomy.stats().peakCacheTokens() > budget, "without the budget the cache grows past it");
            assertTrue(tight.stats().steps() > roomy.stats().steps(), "requests waited for room");
        }
    }

    @Test
    void aRequestOverTheBudgetRunsAlone() {
        try (DecoderLM model = load("llama-tiny")) {
            List<Generator.Request> requests = requests(model.config().vocabSize()).subList(0, 3);
            Generator.Options greedy = Generator.Options.greedy(MAX_NEW, Set.of());
            Generator.Outcome tiny = Generator.run(model, requests, 0, greedy, Generator.Batching.continuous(8, 5));
            for (int i = 0; i < requests.size(); i++) {
                assertArrayEquals(Generator.generate(model, List.of(requests.get(i)), 0, greedy).get(0).ids(),
                        tiny.results().get(i).ids(), "request " + i);
            }
        }
    }

    /**
     * A long continuous run (as EvalJob runs a partition) holds the live cache and a prefill or two,
     * not every cache it has outgrown: views and padding blocks made while the cache grows, drops
     * columns or takes rows would otherwise stay in its manager, and their storage with them, until
     * the run ends (EvalJob's resident memory grew by ~1 MB a problem that way).
     */
    @Test
    void aLongRunKeepsOnlyItsLiveCacheArrays() {
        try (DecoderLM model = load("llama-tiny")) {
            SplittableRandom random = new SplittableRandom(3);
            List<Generator.Request> requests = new ArrayList<>();
            for (int i = 0; i < 240; i++) {
                requests.add(new Generator.Request(random.ints(2 + random.nextInt(60), 1, 384).toArray(), i,
                        1 + random.nextInt(MAX_NEW)));
            }
            int before = model.manager().getManagedArrays().size();
            int[] most = {0};
            Generator.run(model, requests, 0, Generator.Options.greedy(MAX_NEW, Set.of()),
                    Generator.Batching.continuous(4, 1 << 20), (i, r) ->
                            most[0] = Math.max(most[0], model.manager().getManagedArrays().size() - before));
            // a cache is 2 arrays a layer plus its mask: the live one and up to two prefills at once
            int cache = 2 * model.config().numLayers() + 1;
            assertTrue(most[0] <= 3 * cache, most[0] + " arrays held at once, a cache being " + cache);
            assertEquals(before, model.manager().getManagedArrays().size(), "nothing left after the run");
        }
    }
}
