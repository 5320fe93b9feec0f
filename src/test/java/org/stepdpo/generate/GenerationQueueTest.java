package org.stepdpo.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.model.Fixtures;
import org.stepdpo.model.Generator;

/** Draws of several threads through one engine give what each draw gives on its own. */
class GenerationQueueTest {
    @Test
    void threadsSharingOneEngineGetTheirOwnDrawsResults() throws Exception {
        try (DecoderLM model = DecoderLM.load(Fixtures.model("qwen2-tiny"), Device.cpu(), DataType.FLOAT32)) {
            Generator.Options sampled = new Generator.Options(12, 1.0, 0.95, 0, Set.of(), null);
            Generator.Batching batching = Generator.Batching.continuous(6, 1 << 20);
            SplittableRandom random = new SplittableRandom(3);
            List<List<Generator.Request>> draws = new ArrayList<>();
            for (int d = 0; d < 9; d++) {
                int[] prompt = random.ints(4 + random.nextInt(20), 1, model.config().vocabSize()).toArray();
                draws.add(Generator.Request.samples(prompt, 100 + d, 1 + d % 4));
            }
            GenerationQueue queue = new GenerationQueue();
            ConcurrentHashMap<Integer, List<Generator.Result>> got = new ConcurrentHashMap<>();
            AtomicInteger left = new AtomicInteger(3);
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int worker = w;
                Thread t = new Thread(() -> {
                    try {
                        for (int d = worker; d < draws.size(); d += 3) {
                            got.put(d, queue.submit(draws.get(d))); // several draws in a row, as a problem makes them
                        }
                    } finally {
                        if (left.decrementAndGet() == 0) {
                            queue.close();
                        }
                    }
                });
                threads.add(t);
                t.start();
            }
            Generator.Stats stats = Generator.serve(model, 0, sampled, batching, queue, queue);
            for (Thread t : threads) {
                t.join();
            }
            long tokens = 0;
            for (int d = 0; d < draws.size(); d++) {
                List<Generator.Result> alone = Generator.generate(model, draws.get(d), 0, sampled, batching);
                assertEquals(alone.size(), got.get(d).size());
                for (int k = 0; k < alone.size(); k++) {
                    assertArrayEquals(alone.get(k).ids(), got.get(d).get(k).ids(), "draw " + d + " sample " + k);
                    tokens += alone.get(k).ids().length;
                }
            }
            assertTrue(stats.steps() < tokens, "draws of different threads shared steps: " + stats.steps()
                    + " steps for " + tokens + " tokens");
            assertThrows(IllegalStateException.class, () -> queue.submit(draws.get(0)), "closed");
        }
    }

    @Test
    void aFailedEngineFailsTheWaitingDraws() throws Exception {
        GenerationQueue queue = new GenerationQueue();
        List<Throwable> seen = new ArrayList<>();
        Thread t = new Thread(() -> {
            try {
                queue.submit(List.of(new Generator.Request(new int[] {1, 2}, 0)));
            } catch (IllegalStateException e) {
                synchronized (seen) {
                    seen.add(e.getCause());
                }
            }
        });
        t.start();
        assertEquals(1, queue.take(true).size(), "the engine side waits for the draw, then takes it");
        RuntimeException boom = new RuntimeException("out of memory");
        queue.fail(boom);
        t.join();
        assertEquals(List.of(boom), seen);
    }
}
