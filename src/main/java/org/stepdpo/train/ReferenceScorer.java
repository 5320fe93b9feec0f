package org.stepdpo.train;

import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.stepdpo.model.Mode;
import org.stepdpo.model.DecoderLM;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.TaskThreads;

/**
 * The reference pass: summed log-probs of each pair's chosen and rejected responses under the
 * frozen starting model, computed in partitions with the executor's cached model, so that training
 * workers never hold a second model. Pairs are sorted by length within a partition and scored
 * {@code batchSize} at a time (both responses of a pair in one forward pass), with autograd off.
 */
public final class ReferenceScorer implements FlatMapFunction<Iterator<ReferenceScorer.Request>, ReferenceScorer.Scored> {
    /** A pair to score, under the key its result is stored by. */
    public record Request(String key, int[] prompt, int[] chosen, int[] rejected) implements Serializable {
        int length() {
            return prompt.length + Math.max(chosen.length, rejected.length);
        }
    }

    /** The reference log-probs of one pair. */
    public record Scored(String key, double refChosen, double refRejected) implements Serializable {}

    private final ReferenceModel model;
    private final int batchSize;

    public ReferenceScorer(ReferenceModel model, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("--reference-batch must be at least 1, got " + batchSize);
        }
        this.model = model;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Scored> call(Iterator<Request> requests) {
        List<Request> all = new ArrayList<>();
        requests.forEachRemaining(all::add);
        if (all.isEmpty()) {
            return List.<Scored>of().iterator();
        }
        all.sort(Comparator.comparingInt(Request::length));
        TaskThreads.forTask();
        DecoderLM lm = ExecutorModels.acquire(model);
        List<Scored> out = new ArrayList<>(all.size());
        for (int from = 0; from < all.size(); from += batchSize) {
            out.addAll(score(lm, all.subList(from, Math.min(all.size(), from + batchSize))));
        }
        return out.iterator();
    }

    /** Scores one batch of pairs in one forward pass of {@code [chosen; rejected]}. */
    static List<Scored> score(DecoderLM lm, List<Request> batch) {
        int n = batch.size();
        int[][] prompts = batch.stream().map(Request::prompt).toArray(int[][]::new);
        int[][] chosen = batch.stream().map(Request::chosen).toArray(int[][]::new);
        int[][] rejected = batch.stream().map(Request::rejected).toArray(int[][]::new);
        float[] logps;
        try (NDManager m = lm.manager().newSubManager()) {
            logps = PreferenceObjective.pairLogps(lm, m, prompts, chosen, rejected, Mode.INFER).toFloatArray();
        }
        List<Scored> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Scored(batch.get(i).key(), logps[i], logps[n + i]));
        }
        return out;
    }
}
