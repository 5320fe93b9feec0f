package org.stepdpo.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a list of {@link Generator.Request}s on one decoder with a KV cache of up to
 * {@code batching.rows()} rows, one token per step for every row.
 *
 * <p>Rows are slots: all rows write their next token's keys and values at the same cache column,
 * and each row's tokens are the last {@code cached} columns before it (the columns to their left
 * are padding, masked out). A waiting request joins at a step boundary: its prompt is prefilled
 * on its own (with the other joiners, left-padded) and its keys and values are copied into a free
 * row so that they end at the shared column. Requests with equal prompts share one prefill; a
 * prefill is kept while requests of that prompt still wait. Columns that are padding in every row
 * are dropped once they are a quarter of the cache, and rows that stay free leave the cache.
 *
 * <p>With {@code refill} off, requests run in consecutive batches of {@code rows}, each until its
 * last row ends (rows that end leave the batch): static batching. The budget
 * {@code batching.kvTokens()} bounds {@code rows in use x the longest reservation}, a request's
 * reservation being its prompt plus its new-token cap; a request that alone exceeds it runs alone.
 */
final class Engine {
    /** Padding columns worth a copy of the cache to drop: at least this many, and a quarter of it. */
    private static final long MIN_DROP = 64;

    private final DecoderLM model;
    /** The requests not finished yet, by number (numbers count up from 0 in the order requests arrive). */
    private final Map<Integer, Generator.Request> requests = new HashMap<>();
    private int added;
    private final Generator.Options options;
    private final Generator.Batching batching;
    private final int padId;
    private final int vocab;
    private final ArrayDeque<Integer> queue = new ArrayDeque<>();
    /** Requests of each prompt still waiting. */
    private final Map<Key, Integer> waiting = new HashMap<>();
    /** Prompts prefilled while some of their requests still wait. */
    private final Map<Key, Prefilled> prefilled = new HashMap<>();
    /** Row r of the cache is slot r. */
    private final List<Slot> slots = new ArrayList<>();
    private KvCache cache;
    private Runnable afterPrefill;
    private final Generator.Listener listener;
    /** Where more requests come from while the engine runs, or null. */
    private Generator.Inbox inbox;
    private boolean inboxClosed;
    private long prefillTokens;
    private long steps;
    private long peakCacheTokens;

    /** An engine that tells {@code listener} of each request (numbered in arrival order) as it finishes. */
    Engine(DecoderLM model, int padId, Generator.Options options, Generator.Batching batching,
            Generator.Listener listener) {
        this.model = model;
        this.options = options;
        this.batching = batching;
        this.padId = padId;
        this.listener = listener;
        this.vocab = model.config().vocabSize();
    }

    /**
     * Queues {@code more} after the requests already queued. A request with an empty prompt, or one
     * that leaves no room in the context, finishes at once ({@link Generator.Finish#PROMPT_TOO_LONG}).
     */
    Engine add(List<Generator.Request> more) {
        for (Generator.Request r : more) {
            int i = added++;
            if (r.prompt().length == 0 || r.prompt().length >= model.config().maxPositions()) {
                listener.finished(i, new Generator.Result(new int[0], Generator.Finish.PROMPT_TOO_LONG));
                continue;
            }
            requests.put(i, r);
            queue.add(i);
            waiting.merge(key(i), 1, Integer::sum);
        }
        return this;
    }

    /** Takes more requests from {@code inbox} at every step until it closes. */
    Engine from(Generator.Inbox inbox) {
        this.inbox = inbox;
        return this;
    }

    /** A prompt as a map key: equal prompts are one key when prefixes are shared, else each request its own. */
    private record Key(int[] ids, int owner) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && owner == k.owner && Arrays.equals(ids, k.ids);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(ids) + owner;
        }
    }

    private Key key(int request) {
        return new Key(requests.get(request).prompt(), batching.sharePrefixes() ? -1 : request);
    }

    /** One prefill pass over several prompts, its cache kept while any of them has requests waiting. */
    private static final class PrefillBatch {
        final KvCache cache;
        int prompts;

        PrefillBatch(KvCache cache, int prompts) {
            this.cache = cache;
            this.prompts = prompts;
        }
    }

    /**
     * A prefilled prompt: its row in the batch's cache, its length, and its next-token distribution
     * (the arg-max when greedy, else the probabilities).
     */
    private record Prefilled(PrefillBatch batch, int row, int length, int greedy, float[] probs) {}

    /** A cache row and the request in it (-1: free). */
    private static final class Slot {
        int request = -1;
        final List<Integer> tokens = new ArrayList<>();
        Sampler sampler;
        int limit;
        long reserved;
        /** Tokens of this row in the cache. */
        int cached;

        int last() {
            return tokens.get(tokens.size() - 1);
        }
    }

    /** What a run cost: prompt tokens prefilled, decoding steps, and the most cache cells (rows x tokens) a step used. */
    Generator.Stats stats() {
        return new Generator.Stats(prefillTokens, steps, peakCacheTokens);
    }

    void run(Runnable afterPrefill) {
        this.afterPrefill = afterPrefill;
        try (NDManager step = model.manager().newSubManager()) {
            while (true) {
                admit();
                if (slots.isEmpty()) {
                    if (inbox == null || inboxClosed) {
                        return;
                    }
                    continue; // the inbox answered without requests: ask again (it waits while idle)
                }
                decodeStep(step);
            }
        } finally {
            if (cache != null) {
                cache.close();
            }
            for (Prefilled p : prefilled.values()) {
                p.batch().cache.close(); // only after a failure: finished prompts are closed as they go
            }
        }
    }

    /** Moves waiting requests into free rows, then drops rows that stay free and columns that are padding everywhere. */
    private void admit() {
        if (inbox != null && !inboxClosed) {
            List<Generator.Request> more = inbox.take(slots.isEmpty() && queue.isEmpty());
            if (more == null) {
                inboxClosed = true;
            } else {
                add(more);
            }
        }
        int active = 0;
        long widest = 0;
        for (Slot s : slots) {
            if (s.request >= 0) {
                active++;
                widest = Math.max(widest, s.reserved);
            }
        }
        if (batching.refill() || active == 0) {
            List<Integer> joining = new ArrayList<>();
            while (!queue.isEmpty() && active + joining.size() < batching.rows()) {
                int next = queue.peek();
                long wider = Math.max(widest, reservation(next));
                if ((active + joining.size() + 1) * wider > batching.kvTokens() && active + joining.size() > 0) {
                    break;
                }
                queue.poll();
                joining.add(next);
                widest = wider;
            }
            if (!joining.isEmpty()) {
                join(joining);
            }
        }
        dropFreeRows();
        dropPaddingColumns();
    }

    private int limit(int request) {
        Generator.Request r = requests.get(request);
        int cap = r.maxNewTokens() == 0 ? options.maxNewTokens() : Math.min(r.maxNewTokens(), options.maxNewTokens());
        return Math.min(cap, model.config().maxPositions() - r.prompt().length);
    }

    private long reservation(int request) {
        return (long) requests.get(request).prompt().length + limit(request);
    }

    /** Prefills what the joiners need, copies their prompts into rows and picks their first tokens. */
    private void join(List<Integer> joining) {
        Map<Key, Integer> fresh = new LinkedHashMap<>();
        for (int i : joining) {
            Key k = key(i);
            if (!prefilled.containsKey(k)) {
                fresh.putIfAbsent(k, i);
            }
        }
        if (!fresh.isEmpty()) {
            prefill(new ArrayList<>(fresh.keySet()));
        }
        int longest = 0;
        long reserved = 0;
        for (int i : joining) {
            longest = Math.max(longest, requests.get(i).prompt().length);
            reserved = Math.max(reserved, reservation(i));
        }
        if (cache == null) {
            cache = model.newCache(reserved);
            cache.allocateLike(prefilled.get(key(joining.get(0))).batch().cache, joining.size(), longest);
            for (int a = 0; a < joining.size(); a++) {
                slots.add(new Slot());
            }
        } else {
            int free = 0;
            for (Slot s : slots) {
                free += s.request < 0 ? 1 : 0;
            }
            if (joining.size() > free) {
                int add = joining.size() - free;
                cache.addRows(add);
                for (int a = 0; a < add; a++) {
                    slots.add(new Slot());
                }
            }
            if (longest > cache.length()) {
                cache.shiftColumns(longest - cache.length());
            }
        }
        int row = 0;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (int i : joining) {
                while (slots.get(row).request >= 0) {
                    row++;
                }
                Key k = key(i);
                Prefilled p = prefilled.get(k);
                Slot s = slots.get(row);
                s.request = i;
                s.tokens.clear();
                s.sampler = new Sampler(options.temperature(), options.topP(), options.topK(), requests.get(i).seed());
                s.limit = limit(i);
                s.reserved = reservation(i);
                s.cached = p.length();
                cache.copyRow(row, p.batch().cache, p.row(), p.length());
                int first = options.temperature() == 0 ? p.greedy() : s.sampler.next(p.probs(), 0, vocab);
                release(k);
                record(row, first);
            }
        }
    }

    /** One prefill pass over {@code keys}' prompts, left-padded, in a cache of its own. */
    private void prefill(List<Key> keys) {
        int[][] prompts = new int[keys.size()][];
        int width = 0;
        for (int g = 0; g < prompts.length; g++) {
            prompts[g] = keys.get(g).ids();
            width = Math.max(width, prompts[g].length);
            prefillTokens += prompts[g].length;
        }
        KvCache own = model.newCache(width);
        PrefillBatch batch = new PrefillBatch(own, keys.size());
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            Batch b = Batch.leftPadded(model.manager(), prompts, padId);
            NDArray logits = model.lastLogits(b.ids(), b.positions(), b.mask(), own);
            long[] greedy = options.temperature() == 0 ? logits.argMax(-1).toLongArray() : null;
            float[] probs = greedy != null ? null : probabilities(logits);
            for (int g = 0; g < prompts.length; g++) {
                prefilled.put(keys.get(g), new Prefilled(batch, g, prompts[g].length,
                        greedy == null ? -1 : Math.toIntExact(greedy[g]),
                        probs == null ? null : Arrays.copyOfRange(probs, g * vocab, (g + 1) * vocab)));
            }
        } catch (RuntimeException e) {
            own.close();
            throw e;
        }
        if (afterPrefill != null) {
            afterPrefill.run();
            afterPrefill = null;
        }
    }

    /** One request of prompt {@code k} has joined: forget its prefill once no request of it waits. */
    private void release(Key k) {
        int left = waiting.merge(k, -1, Integer::sum);
        if (left > 0) {
            return;
        }
        waiting.remove(k);
        Prefilled p = prefilled.remove(k);
        if (--p.batch().prompts == 0) {
            p.batch().cache.close();
        }
    }

    /** softmax(logits / temperature) of every row, copied out in one pass. */
    private float[] probabilities(NDArray logits) {
        NDArray scaled = options.temperature() == 1 ? logits : logits.div(options.temperature());
        return scaled.softmax(-1).toFloatArray();
    }

    /** Feeds every row its newest token and picks the next one. */
    private void decodeStep(NDManager step) {
        int rows = slots.size();
        steps++;
        peakCacheTokens = Math.max(peakCacheTokens, (long) rows * (cache.length() + 1));
        int[] next;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            long[] ids = new long[rows];
            long[] pos = new long[rows];
            for (int r = 0; r < rows; r++) {
                Slot s = slots.get(r);
                ids[r] = s.last();
                pos[r] = s.cached; // the newest token's position
            }
            Shape shape = new Shape(rows, 1);
            NDArray logits = model.lastLogits(step.create(ids, shape), step.create(pos, shape), step.ones(shape), cache);
            next = pick(logits);
        }
        for (int r = 0; r < rows; r++) {
            slots.get(r).cached++;
            record(r, next[r]);
        }
    }

    private int[] pick(NDArray logits) {
        if (options.temperature() == 0) {
            return Arrays.stream(logits.argMax(-1).toLongArray()).mapToInt(Math::toIntExact).toArray();
        }
        float[] probs = probabilities(logits);
        int[] next = new int[slots.size()];
        for (int r = 0; r < next.length; r++) {
            next[r] = slots.get(r).sampler.next(probs, r * vocab, vocab);
        }
        return next;
    }

    /** Appends row {@code r}'s next token; frees the row when its request is done. */
    private void record(int r, int token) {
        Slot s = slots.get(r);
        s.tokens.add(token);
        // the ids as an array only when a stop rule reads them or the row ends: copying every row's
        // tokens on every step would cost time quadratic in the length
        int[] ids = options.stopCheck() == null ? null : toArray(s.tokens);
        Generator.Finish finish = null;
        if (options.stopIds().contains(token) || (ids != null && options.stopCheck().done(ids))) {
            finish = Generator.Finish.STOP;
        } else if (s.tokens.size() >= s.limit) {
            finish = Generator.Finish.LENGTH;
        }
        if (finish != null) {
            requests.remove(s.request);
            listener.finished(s.request, new Generator.Result(ids != null ? ids : toArray(s.tokens), finish));
            s.request = -1;
        }
    }

    private static int[] toArray(List<Integer> tokens) {
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Rows left free after admission leave the cache (a copy of the rows that stay). */
    private void dropFreeRows() {
        List<Long> keep = new ArrayList<>();
        for (int r = 0; r < slots.size(); r++) {
            if (slots.get(r).request >= 0) {
                keep.add((long) r);
            }
        }
        if (keep.size() == slots.size()) {
            return;
        }
        slots.removeIf(s -> s.request < 0);
        if (keep.isEmpty()) {
            cache.close();
            cache = null;
            return;
        }
        cache.keepRows(keep.stream().mapToLong(Long::longValue).toArray());
    }

    /**
     * Drops the leading columns that are padding in every row once they are worth a copy, or when
     * the next step would otherwise attend over more cells than the budget.
     */
    private void dropPaddingColumns() {
        if (cache == null) {
            return;
        }
        long used = 0;
        for (Slot s : slots) {
            used = Math.max(used, s.cached);
        }
        long padding = cache.length() - used;
        boolean overBudget = (long) slots.size() * (cache.length() + 1) > batching.kvTokens();
        if (padding > 0 && (overBudget || (padding >= MIN_DROP && padding * 4 >= cache.length()))) {
            cache.shiftColumns(-padding);
        }
    }
}
