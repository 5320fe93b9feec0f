package org.stepdpo.train;

import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.stepdpo.spark.ExecutorModels;
import org.stepdpo.spark.GradientExchange;
import org.stepdpo.spark.TaskThreads;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.AbstractFunction1;

/**
 * The body of one barrier task of the training stage: a {@link Trainer} on the task's device (its
 * Spark {@code gpu} resource, or the CPU), exchanging gradients with the other tasks of the stage.
 * A retried stage attempt (after a lost executor) resumes from the latest checkpoint.
 *
 * @param <T> one training example
 */
final class TrainTask<T> extends AbstractFunction1<Iterator<Integer>, Iterator<Trainer.Report>>
        implements Serializable {
    /** How long a worker waits for its peers in one exchange: checkpoints and slow steps included. */
    static final Duration EXCHANGE_TIMEOUT = Duration.ofHours(2);

    private final TrainConfig config;
    private final TrainObjective<T> objective;
    private final Broadcast<List<T>> examples;
    private final int threads;

    /** @param threads the engine's intra-op threads in each worker ({@link TaskThreads#forWorkers}) */
    TrainTask(TrainConfig config, TrainObjective<T> objective, Broadcast<List<T>> examples, int threads) {
        this.config = config;
        this.objective = objective;
        this.examples = examples;
        this.threads = threads;
    }

    @Override
    public Iterator<Trainer.Report> apply(Iterator<Integer> partition) {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        boolean retried = ctx.stageAttemptNumber() > 0;
        TaskThreads.use(threads);
        // the reference pass left the starting model in this executor's cache: training needs the memory
        ExecutorModels.release(ReferenceModel.of(config).cacheKey());
        try (GradientExchange exchange = GradientExchange.open(config.exchange(), ctx,
                EXCHANGE_TIMEOUT)) {
            Trainer.Report report = new Trainer<>(config, objective, examples.value())
                    .run(exchange, ExecutorModels.taskDevice(), config.resume() || retried);
            return CollectionConverters.asScala(List.of(report).iterator());
        }
    }
}
