package org.stepdpo.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.api.java.function.PairFlatMapFunction;
import org.apache.spark.resource.ResourceInformation;
import scala.Tuple2;

/**
 * A diagnostic of the executor model cache on a real cluster: runs {@code tasks} tasks in each of
 * two stages (split by a shuffle), every task acquiring the same {@link ExecutorModel} and running
 * a caller-given check on it, and reports per executor which tasks ran there, which device and
 * {@code gpu} addresses they saw and how many times the JVM loaded the model. On a healthy cluster
 * every executor reports one load and one model instance however many tasks and stages it ran.
 */
public final class ModelCacheProbe {
    private ModelCacheProbe() {}

    /** What one task saw. */
    public record TaskRecord(int stage, int partition, String executor, long pid, String device,
            List<String> gpuAddresses, int loads, int modelId, String check) implements Serializable {}

    /** Everything the probe's tasks saw, in stage then partition order. */
    public record Report(String cacheKey, List<TaskRecord> tasks) {
        /** Tasks by executor id. */
        public Map<String, List<TaskRecord>> byExecutor() {
            Map<String, List<TaskRecord>> out = new TreeMap<>();
            tasks.forEach(t -> out.computeIfAbsent(t.executor(), e -> new ArrayList<>()).add(t));
            return out;
        }

        /**
         * The report as JSON: {@code {"cache_key", "tasks", "executors": {ID: {"tasks",
         * "tasks_by_stage", "pids", "loads", "models", "devices", "gpu_addresses", "checks"}}}} where
         * {@code loads} is the JVM's load count after its last task and {@code models} the number of
         * distinct model instances its tasks got.
         */
        public String toJson() {
            ObjectMapper json = new ObjectMapper();
            ObjectNode root = json.createObjectNode();
            root.put("cache_key", cacheKey);
            root.put("tasks", tasks.size());
            ObjectNode executors = root.putObject("executors");
            byExecutor().forEach((id, list) -> {
                ObjectNode e = executors.putObject(id);
                e.put("tasks", list.size());
                ObjectNode byStage = e.putObject("tasks_by_stage");
                for (TaskRecord t : list) {
                    String stage = String.valueOf(t.stage());
                    byStage.put(stage, byStage.path(stage).asInt() + 1);
                }
                list.stream().map(TaskRecord::pid).distinct().sorted().forEach(e.putArray("pids")::add);
                e.put("loads", list.stream().mapToInt(TaskRecord::loads).max().orElse(0));
                e.put("models", list.stream().map(TaskRecord::modelId).distinct().count());
                new TreeSet<>(list.stream().map(TaskRecord::device).toList()).forEach(e.putArray("devices")::add);
                new TreeSet<>(list.stream().flatMap(t -> t.gpuAddresses().stream()).toList())
                        .forEach(e.putArray("gpu_addresses")::add);
                new TreeSet<>(list.stream().map(TaskRecord::check).toList()).forEach(e.putArray("checks")::add);
            });
            return root.toString();
        }
    }

    /**
     * Runs the probe.
     *
     * @param check run by every task on its model; its result is reported ({@code "ok"} is enough)
     */
    public static <T extends AutoCloseable> Report run(JavaSparkContext jsc, ExecutorModel<T> spec,
            Function<T, String> check, int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("the probe needs at least 1 task per stage, got " + tasks);
        }
        List<TaskRecord> records = jsc.parallelize(IntStream.range(0, tasks).boxed().toList(), tasks)
                .mapPartitionsToPair(new FirstStage<>(spec, check))
                .partitionBy(new HashPartitioner(tasks))
                .mapPartitions(new SecondStage<>(spec, check))
                .collect();
        List<TaskRecord> sorted = new ArrayList<>(records);
        sorted.sort((a, b) -> a.stage() != b.stage() ? Integer.compare(a.stage(), b.stage())
                : Integer.compare(a.partition(), b.partition()));
        return new Report(spec.cacheKey(), sorted);
    }

    /** Waits until at least {@code executors} executors have registered, or {@code seconds} pass. */
    public static int awaitExecutors(JavaSparkContext jsc, int executors, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        int registered = registeredExecutors(jsc);
        while (registered < executors && System.nanoTime() < deadline) {
            Thread.sleep(200);
            registered = registeredExecutors(jsc);
        }
        return registered;
    }

    /** Executors registered with the driver, the driver itself not counted (0 on a local master). */
    private static int registeredExecutors(JavaSparkContext jsc) {
        return jsc.sc().getExecutorIds().size();
    }

    /** What the running task sees when it acquires {@code spec}'s model. */
    static <T extends AutoCloseable> TaskRecord observe(int stage, ExecutorModel<T> spec, Function<T, String> check)
            throws Exception {
        T model = ExecutorModels.acquire(spec);
        TaskContext task = TaskContext.get();
        ResourceInformation gpu = task.resourcesJMap().get("gpu");
        List<String> addresses = gpu == null ? List.of() : List.of(gpu.addresses());
        return new TaskRecord(stage, task.partitionId(), SparkEnv.get().executorId(), ProcessHandle.current().pid(),
                ExecutorModels.taskDevice().toString(), addresses, ExecutorModels.loads(spec.cacheKey()),
                System.identityHashCode(model), check.call(model));
    }

    /** Stage 0: one record per task, keyed by partition for the shuffle. */
    static final class FirstStage<T extends AutoCloseable>
            implements PairFlatMapFunction<Iterator<Integer>, Integer, TaskRecord> {
        private final ExecutorModel<T> spec;
        private final Function<T, String> check;

        FirstStage(ExecutorModel<T> spec, Function<T, String> check) {
            this.spec = spec;
            this.check = check;
        }

        @Override
        public Iterator<Tuple2<Integer, TaskRecord>> call(Iterator<Integer> rows) throws Exception {
            TaskRecord r = observe(0, spec, check);
            return List.of(new Tuple2<>(r.partition(), r)).iterator();
        }
    }

    /** Stage 1: passes stage 0's records on and adds its own. */
    static final class SecondStage<T extends AutoCloseable>
            implements FlatMapFunction<Iterator<Tuple2<Integer, TaskRecord>>, TaskRecord> {
        private final ExecutorModel<T> spec;
        private final Function<T, String> check;

        SecondStage(ExecutorModel<T> spec, Function<T, String> check) {
            this.spec = spec;
            this.check = check;
        }

        @Override
        public Iterator<TaskRecord> call(Iterator<Tuple2<Integer, TaskRecord>> upstream) throws Exception {
            List<TaskRecord> out = new ArrayList<>();
            upstream.forEachRemaining(t -> out.add(t._2()));
            out.add(observe(1, spec, check));
            return out.iterator();
        }
    }
}
