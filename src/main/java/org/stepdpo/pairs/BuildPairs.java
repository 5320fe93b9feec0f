package org.stepdpo.pairs;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.stepdpo.generate.CompletionLog;
import org.stepdpo.generate.GenerationQueue;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.generate.Problem;
import org.stepdpo.generate.Sampling;
import org.stepdpo.model.Generator;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.TaskThreads;

/**
 * Builds the pairs of every problem of a partition with the executor's shared model, saving each
 * finished group of problems under the progress folder, and yields how many pairs each problem gave
 * (in the partition's order).
 */
public final class BuildPairs implements FlatMapFunction<Iterator<Problem>, Integer> {
    /** Problems saved together in one progress file. */
    static final int SAVE_EVERY = 8;

    private final LanguageModel.Spec model;
    private final LanguageModel.Spec judge;
    private final PairBuilder.Settings pairs;
    private final Sampling.Settings sampling;
    private final int concurrentProblems;
    private final String progressDir;

    /**
     * @param judge              the judge model for {@code --locate judge}, or null
     * @param concurrentProblems problems worked on side by side, their draws sharing one engine
     */
    public BuildPairs(LanguageModel.Spec model, LanguageModel.Spec judge, PairBuilder.Settings pairs,
            Sampling.Settings sampling, int concurrentProblems, String progressDir) {
        this.model = model;
        this.judge = judge;
        this.pairs = pairs;
        this.sampling = sampling;
        this.concurrentProblems = concurrentProblems;
        this.progressDir = progressDir;
    }

    /**
     * Works on {@code concurrentProblems} problems at a time, each in a thread of its own that runs
     * the plain {@link PairBuilder} logic; their draws go to one {@link GenerationQueue} whose engine
     * runs in this (the task's) thread, so the samples of different problems share the batch.
     * Problems are saved in groups of {@value #SAVE_EVERY} as they finish.
     */
    @Override
    public Iterator<Integer> call(Iterator<Problem> problems) throws Exception {
        List<Problem> todo = new ArrayList<>();
        problems.forEachRemaining(todo::add);
        if (todo.isEmpty()) {
            return List.<Integer>of().iterator();
        }
        TaskThreads.forTask();
        LanguageModel lm = ExecutorModels.acquire(model);
        StepJudge stepJudge = judge == null ? null : new StepJudge(ExecutorModels.acquire(judge), sampling.batchSize());
        TaskContext task = TaskContext.get();
        Configuration hadoop = CompletionLog.taskHadoop();
        GenerationQueue queue = new GenerationQueue();
        Saver saver = new Saver(task, hadoop);
        AtomicInteger next = new AtomicInteger();
        int threads = Math.min(concurrentProblems, todo.size());
        AtomicInteger running = new AtomicInteger(threads);
        Integer[] counts = new Integer[todo.size()];
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> workers = new ArrayList<>();
        List<Sampling> samplers = new ArrayList<>();
        for (int w = 0; w < threads; w++) {
            Sampling sampler = new Sampling(lm, sampling, queue); // a thread's problems run one after another
            samplers.add(sampler);
            PairBuilder builder = new PairBuilder(pairs, sampler, stepJudge);
            Thread t = new Thread(() -> {
                try {
                    for (int i = next.getAndIncrement(); i < todo.size() && failures.isEmpty(); i = next.getAndIncrement()) {
                        PairOutcome outcome = builder.build(todo.get(i));
                        counts[i] = outcome.pairs().size();
                        saver.add(outcome.toJson());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                } finally {
                    if (running.decrementAndGet() == 0) {
                        queue.close();
                    }
                }
            }, "pairs-" + (task == null ? "local" : task.partitionId()) + "-" + w);
            t.setDaemon(true);
            workers.add(t);
            t.start();
        }
        try {
            Generator.serve(lm.decoder(), samplers.get(0).padId(), samplers.get(0).options(),
                    sampling.batching(lm.decoder().config().maxPositions()), queue, queue);
        } catch (Throwable e) {
            queue.fail(e);
            failures.add(0, e);
        }
        for (Thread t : workers) {
            t.join();
        }
        if (!failures.isEmpty()) {
            Throwable first = failures.get(0);
            if (first instanceof Exception e) {
                throw e;
            }
            throw new IllegalStateException(first);
        }
        saver.flush();
        return java.util.Arrays.asList(counts).iterator();
    }

    /** Saves finished problems under the progress folder in groups, from any worker thread. */
    private final class Saver {
        private final TaskContext task;
        private final Configuration hadoop;
        private final List<String> pending = new ArrayList<>();
        private int chunk;

        Saver(TaskContext task, Configuration hadoop) {
            this.task = task;
            this.hadoop = hadoop;
        }

        synchronized void add(String outcome) {
            pending.add(outcome);
            if (pending.size() == SAVE_EVERY) {
                flush();
            }
        }

        synchronized void flush() {
            if (!pending.isEmpty()) {
                CompletionLog.appendLines(progressDir, hadoop, pending, chunk++, task);
                pending.clear();
            }
        }
    }
}
