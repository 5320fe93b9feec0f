package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
    @Test
    void refusesGpuResourcesOnALocalMaster() {
        SparkConf local = new SparkConf(false).set("spark.master", "local[2]")
                .set("spark.task.resource.gpu.amount", "1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkSessions.refuseGpusInLocalMode(local));
        assertTrue(e.getMessage().contains("spark.task.resource.gpu.amount"), e.getMessage());

        SparkConf cluster = new SparkConf(false).set("spark.master", "spark://127.0.0.1:7077")
                .set("spark.task.resource.gpu.amount", "1");
        assertDoesNotThrow(() -> SparkSessions.refuseGpusInLocalMode(cluster));
        SparkConf plain = new SparkConf(false).set("spark.master", "local[*]");
        assertDoesNotThrow(() -> SparkSessions.refuseGpusInLocalMode(plain));
    }
}
