package org.stepdpo.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;

/**
 * Times both exchange modes in barrier stages of two tasks on {@code local[2]}, for 1M and 12M
 * floats (plus 8 doubles), and checks that both modes give the same sums on every task. Run:
 *
 * <pre>
 * mvn -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test-cp.txt -Dmdep.includeScope=test
 * java -Xmx4g --add-opens=java.base/sun.nio.ch=ALL-UNNAMED ... (the flags of pom.xml's test.jvm.flags) \
 *   -cp target/test-classes:target/classes:$(cat target/test-cp.txt) org.stepdpo.spark.ExchangeBench [rounds]
 * </pre>
 *
 * It prints one line per mode and size: the seconds of every round (the slowest task's), then
 * the mean of the rounds after the first.
 */
public final class ExchangeBench {
    private ExchangeBench() {}

    /** Runs the benchmark; the optional argument is the rounds per stage (default 4). */
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        SparkSession spark = SharedSpark.get();
        try {
            for (int floats : new int[] {1_000_000, 12_000_000}) {
                int[] reference = null;
                for (ExchangeMode mode : ExchangeMode.values()) {
                    List<BarrierSums.TaskResult> tasks = new BarrierSums(mode, rounds, floats, 8, true).run(spark, 2);
                    double[] slowest = new double[rounds];
                    for (BarrierSums.TaskResult t : tasks) {
                        for (int r = 0; r < rounds; r++) {
                            slowest[r] = Math.max(slowest[r], t.seconds()[r]);
                        }
                        if (reference == null) {
                            reference = t.hashes();
                        } else if (!Arrays.equals(reference, t.hashes())) {
                            throw new IllegalStateException(mode + " rank " + t.rank() + " summed " + floats
                                    + " floats differently: hashes " + Arrays.toString(t.hashes())
                                    + ", expected " + Arrays.toString(reference));
                        }
                    }
                    double mean = Arrays.stream(slowest).skip(1).average().orElse(slowest[0]);
                    System.out.printf(Locale.ROOT, "exchange %-9s %,11d floats: rounds %s s, mean after the first %.3f s%n",
                            mode.flagValue(), floats, format(slowest), mean);
                }
            }
        } finally {
            spark.stop();
        }
    }

    private static String format(double[] seconds) {
        StringBuilder b = new StringBuilder();
        for (double s : seconds) {
            b.append(b.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", s));
        }
        return b.toString();
    }
}
