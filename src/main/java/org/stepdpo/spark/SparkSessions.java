package org.stepdpo.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates (or joins) the Spark session every job runs in.
 *
 * <p>The master and every other setting come from spark-submit, {@code spark-defaults.conf} or the
 * notebook that already holds a session; only settings the user left unset get a default here.
 */
public final class SparkSessions {
    private SparkSessions() {}

    /**
     * Returns the active session or builds one.
     *
     * @param appName the application name used when spark-submit did not set one
     */
    public static SparkSession getOrCreate(String appName) {
        // DJL must never call out at start-up, on the driver or on an executor.
        System.setProperty("ai.djl.offline", "true");
        SparkConf conf = new SparkConf();
        // Only when the class is run without spark-submit (an IDE, a plain `java` call).
        conf.setIfMissing("spark.master", "local[*]");
        conf.setIfMissing("spark.app.name", appName);
        conf.setIfMissing("spark.ui.showConsoleProgress", "true");
        conf.setIfMissing("spark.executorEnv.DJL_OFFLINE", "true");
        conf.setIfMissing("spark.executorEnv.OPT_OUT_TRACKING", "true");
        conf.setIfMissing("spark.executor.extraJavaOptions", "-Dai.djl.offline=true");
        refuseGpusInLocalMode(conf);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * Spark's {@code local[N]} master waits forever for GPU resources it never offers; fail fast
     * instead, naming the settings and the masters that do schedule GPUs.
     */
    static void refuseGpusInLocalMode(SparkConf conf) {
        String master = conf.get("spark.master", "");
        boolean local = master.equals("local") || master.startsWith("local[");
        for (String key : new String[] {"spark.executor.resource.gpu.amount", "spark.task.resource.gpu.amount"}) {
            if (local && conf.contains(key)) {
                throw new IllegalArgumentException(key + " is set but --master is " + master + ", which never "
                        + "offers GPUs (the job would wait forever): use a standalone cluster (jobs/cluster start "
                        + "--gpus-per-worker G), local-cluster[...], YARN or Kubernetes, or drop the GPU settings");
            }
        }
    }
}
