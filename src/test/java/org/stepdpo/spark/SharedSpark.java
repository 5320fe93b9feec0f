package org.stepdpo.spark;

import org.apache.spark.sql.SparkSession;

/**
 * The one local Spark session the unit tests share (starting one costs seconds). It is never
 * stopped by a test; the JVM's exit ends it.
 */
public final class SharedSpark {
    private static SparkSession session;

    private SharedSpark() {}

    /** The shared {@code local[2]} session, bound to loopback, with no web UI. */
    public static synchronized SparkSession get() {
        if (session == null) {
            System.setProperty("ai.djl.offline", "true");
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("stepdpo-tests")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.ui.enabled", "false")
                    .config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
        }
        return session;
    }
}
