package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.spark.ExchangeVectors.bits;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Both exchanges in real barrier stages on the shared {@code local[2]} session. */
class GradientExchangeSparkTest {

    @ParameterizedTest
    @CsvSource({"ALLGATHER, 2", "SOCKET, 4"})
    void twoBarrierTasksGetTheRankOrderSumBitForBit(ExchangeMode mode, int rounds) {
        // 1001 floats: not divisible into two equal chunks.
        BarrierSums stage = new BarrierSums(mode, rounds, 1001, 3, false);
        List<BarrierSums.TaskResult> tasks = stage.run(SharedSpark.get(), 2);

        assertEquals(2, tasks.size());
        for (int round = 0; round < rounds; round++) {
            float[] expectedFloats = ExchangeVectors.rankOrderSum(new float[][] {
                    ExchangeVectors.floats(0, round, 1001), ExchangeVectors.floats(1, round, 1001)});
            double[] expectedDoubles = ExchangeVectors.rankOrderSum(new double[][] {
                    ExchangeVectors.doubles(0, round, 3), ExchangeVectors.doubles(1, round, 3)});
            for (BarrierSums.TaskResult task : tasks) {
                String where = mode + " rank " + task.rank() + " round " + round;
                assertEquals(2, task.size(), where);
                assertArrayEquals(bits(expectedFloats), bits(task.floats()[round]), where);
                assertArrayEquals(bits(expectedDoubles), bits(task.doubles()[round]), where);
            }
        }
        assertEquals(0, tasks.get(0).rank());
        assertEquals(1, tasks.get(1).rank());
        assertFalse(tasks.get(0).inputReturned());
    }

    @ParameterizedTest
    @EnumSource(ExchangeMode.class)
    void aSingleBarrierTaskGetsItsInputBackAtOnce(ExchangeMode mode) {
        List<BarrierSums.TaskResult> tasks = new BarrierSums(mode, 2, 5, 1, false).run(SharedSpark.get(), 1);

        assertEquals(1, tasks.size());
        BarrierSums.TaskResult task = tasks.get(0);
        assertEquals(1, task.size());
        assertTrue(task.inputReturned());
        assertArrayEquals(bits(ExchangeVectors.floats(0, 1, 5)), bits(task.floats()[1]));
    }
}
