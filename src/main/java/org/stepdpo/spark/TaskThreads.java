package org.stepdpo.spark;

import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many intra-op threads the engine uses in a Spark task. PyTorch sizes its OpenMP and MKL
 * pools to every core of the machine, so the concurrent tasks of one executor would each run a pool
 * of all cores: N tasks, N x cores threads. OpenMP threads spin while they wait, so oversubscribed
 * pools slow each other far more than a fair share would. Tasks therefore use the cores Spark gave
 * them ({@code spark.task.cpus}); to give each task more, raise {@code spark.task.cpus}.
 *
 * <p>The count belongs to the calling thread (OpenMP and MKL keep it per thread), so a task's
 * setting does not reach other tasks, or the driver's threads in local mode.
 */
public final class TaskThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TaskThreads.class);

    private TaskThreads() {}

    /**
     * Inside a Spark task, sets the calling thread's engine threads to the task's CPUs
     * ({@code spark.task.cpus}); outside a task, leaves them alone.
     *
     * @return the calling thread's intra-op thread count afterwards
     */
    public static int forTask() {
        TaskContext task = TaskContext.get();
        return task == null ? current() : use(task.cpus());
    }

    /** Sets the calling thread's engine intra-op threads to {@code threads}; returns it. */
    public static int use(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("intra-op threads must be at least 1, got " + threads);
        }
        if (current() != threads) { // setting also clears oneDNN caches: only when it changes
            JniUtils.setNumThreads(threads);
            LOG.debug("engine intra-op threads of {} set to {}", Thread.currentThread().getName(), threads);
        }
        return threads;
    }

    /**
     * Threads for each of {@code workers} data-parallel training tasks. On a local master all
     * workers share its cores, so each gets its share of them (at least {@code spark.task.cpus});
     * on a cluster each gets {@code spark.task.cpus}: to run one worker per executor on all of its
     * cores, set {@code spark.task.cpus} to {@code spark.executor.cores}.
     */
    public static int forWorkers(JavaSparkContext jsc, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, got " + workers);
        }
        int taskCpus = jsc.getConf().getInt("spark.task.cpus", 1);
        int localCores = localCores(jsc.master());
        return localCores > 0 ? Math.max(taskCpus, localCores / workers) : taskCpus;
    }

    /** The cores of a local master ({@code local}, {@code local[N]}, {@code local[*]}, with or without retries); 0 for others. */
    static int localCores(String master) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?")
                .matcher(master.trim());
        if (!m.matches()) {
            return 0;
        }
        String cores = m.group(1);
        return cores == null ? 1 : cores.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(cores);
    }

    /** The calling thread's engine intra-op thread count. */
    static int current() {
        Engine.getEngine("PyTorch"); // loads the native library before the first call
        return JniUtils.getNumThreads();
    }
}
