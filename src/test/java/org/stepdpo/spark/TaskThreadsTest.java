package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

class TaskThreadsTest {
    @Test
    void tasksUseTheirSparkCoresWithoutChangingTheDriverThread() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
        int driverBefore = TaskThreads.use(2); // this machine's default; set explicitly so the test means the same anywhere
        List<Integer> inTasks = jsc.parallelize(List.of(1, 2, 3, 4), 4).map(x -> TaskThreads.forTask()).collect();
        assertEquals(List.of(1, 1, 1, 1), inTasks, "spark.task.cpus is 1 in the shared session");
        assertEquals(driverBefore, TaskThreads.current(), "a task's setting stays on its own thread");
        assertEquals(driverBefore, TaskThreads.forTask(), "outside a task the count is left alone");
    }

    @Test
    void trainingWorkersShareALocalMastersCores() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(SharedSpark.get().sparkContext());
        assertEquals(2, TaskThreads.forWorkers(jsc, 1), "local[2], one worker: both cores");
        assertEquals(1, TaskThreads.forWorkers(jsc, 2));
        assertThrows(IllegalArgumentException.class, () -> TaskThreads.forWorkers(jsc, 0));
        assertThrows(IllegalArgumentException.class, () -> TaskThreads.use(0));
    }

    @Test
    void localMastersNameTheirCores() {
        assertEquals(1, TaskThreads.localCores("local"));
        assertEquals(6, TaskThreads.localCores("local[6]"));
        assertEquals(3, TaskThreads.localCores("local[3, 2]"));
        assertEquals(Runtime.getRuntime().availableProcessors(), TaskThreads.localCores("local[*]"));
        assertEquals(Runtime.getRuntime().availableProcessors(), TaskThreads.localCores("local[*,4]"));
        assertEquals(0, TaskThreads.localCores("local-cluster[2,1,1024]"));
        assertEquals(0, TaskThreads.localCores("spark://127.0.0.1:7077"));
        assertEquals(0, TaskThreads.localCores("yarn"));
    }
}
