package org.stepdpo.generate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.stepdpo.model.Generator;

/**
 * Lets several threads generate through one engine: each thread {@link #submit}s its requests and
 * waits, while one thread runs the engine on this queue ({@link Generator#serve}), so requests of
 * different threads share the running batch and a finished row takes the next waiting request. The
 * engine stops when the queue is {@link #close}d; a failure on either side reaches the other.
 */
public final class GenerationQueue implements Generator.Inbox, Generator.Listener {
    /** One submission: its results fill in as the engine finishes its requests. */
    private static final class Submission {
        final Generator.Result[] results;
        final CompletableFuture<List<Generator.Result>> done = new CompletableFuture<>();
        int left;

        Submission(int n) {
            results = new Generator.Result[n];
            left = n;
        }
    }

    private record Owner(Submission submission, int index) {}

    private final List<Generator.Request> waiting = new ArrayList<>();
    private final List<Owner> waitingOwners = new ArrayList<>();
    /** Requests handed to the engine, by the engine's number. */
    private final Map<Integer, Owner> running = new HashMap<>();
    private int handedOut;
    private boolean closed;
    private Throwable failure;

    /** Generates {@code requests} with the engine; blocks until all have finished. Results in request order. */
    public List<Generator.Result> submit(List<Generator.Request> requests) {
        if (requests.isEmpty()) {
            return List.of();
        }
        Submission s = new Submission(requests.size());
        synchronized (this) {
            if (failure != null) {
                throw new IllegalStateException("the generation engine failed", failure);
            }
            if (closed) {
                throw new IllegalStateException("the generation queue is closed");
            }
            for (int i = 0; i < requests.size(); i++) {
                waiting.add(requests.get(i));
                waitingOwners.add(new Owner(s, i));
            }
            notifyAll();
        }
        try {
            return s.done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for generation", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the generation engine failed", e.getCause());
        }
    }

    /** No more submissions: the engine stops once it has finished what it holds. */
    public synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** The engine failed: every waiting and later submission fails with {@code cause}. */
    public synchronized void fail(Throwable cause) {
        failure = cause;
        closed = true;
        for (Owner o : waitingOwners) {
            o.submission().done.completeExceptionally(cause);
        }
        for (Owner o : running.values()) {
            o.submission().done.completeExceptionally(cause);
        }
        waiting.clear();
        waitingOwners.clear();
        running.clear();
        notifyAll();
    }

    @Override
    public synchronized List<Generator.Request> take(boolean idle) {
        while (idle && waiting.isEmpty() && !closed) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for requests", e);
            }
        }
        if (waiting.isEmpty()) {
            return closed ? null : List.of();
        }
        List<Generator.Request> out = new ArrayList<>(waiting);
        for (Owner o : waitingOwners) {
            running.put(handedOut++, o);
        }
        waiting.clear();
        waitingOwners.clear();
        return out;
    }

    @Override
    public void finished(int request, Generator.Result result) {
        Submission s;
        synchronized (this) {
            Owner o = running.remove(request);
            if (o == null) {
                return; // failed meanwhile
            }
            s = o.submission();
            s.results[o.index()] = result;
            if (--s.left > 0) {
                return;
            }
        }
        s.done.complete(List.of(s.results));
    }
}
