package org.stepdpo.pairs;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.stepdpo.generate.CompletionLog;
import org.stepdpo.generate.LanguageModel;
import org.stepdpo.generate.Problem;
import org.stepdpo.generate.Sampling;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.TaskThreads;

/**
 * Builds the pairs of every problem of a partition with the executor's shared model, saving each
 * finished group of problems under the progress folder, and yields how many pairs each problem gave.
 */
public final class BuildPairs implements FlatMapFunction<Iterator<Problem>, Integer> {
    /** Problems saved together in one progress file. */
    static final int SAVE_EVERY = 8;

    private final LanguageModel.Spec model;
    private final LanguageModel.Spec judge;
    private final PairBuilder.Settings pairs;
    private final Sampling.Settings sampling;
    private final String progressDir;

    /**
     * @param judge the judge model for {@code --locate judge}, or null
     */
    public BuildPairs(LanguageModel.Spec model, LanguageModel.Spec judge, PairBuilder.Settings pairs,
            Sampling.Settings sampling, String progressDir) {
        this.model = model;
        this.judge = judge;
        this.pairs = pairs;
        this.sampling = sampling;
        this.progressDir = progressDir;
    }

    @Override
    public Iterator<Integer> call(Iterator<Problem> problems) {
        List<Integer> counts = new ArrayList<>();
        if (!problems.hasNext()) {
            return counts.iterator();
        }
        TaskThreads.forTask();
        LanguageModel lm = ExecutorModels.acquire(model);
        StepJudge stepJudge = judge == null ? null : new StepJudge(ExecutorModels.acquire(judge), sampling.batchSize());
        PairBuilder builder = new PairBuilder(pairs, new Sampling(lm, sampling), stepJudge);
        List<String> pending = new ArrayList<>();
        int chunk = 0;
        while (problems.hasNext()) {
            PairOutcome outcome = builder.build(problems.next());
            pending.add(outcome.toJson());
            counts.add(outcome.pairs().size());
            if (pending.size() == SAVE_EVERY || !problems.hasNext()) {
                CompletionLog.appendLines(progressDir, CompletionLog.taskHadoop(), pending, chunk++);
                pending.clear();
            }
        }
        return counts.iterator();
    }
}
