package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.stepdpo.spark.ExchangeVectors.bits;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** Both exchanges among threads of this JVM (no Spark), for 1 to 4 ranks. */
class GradientExchangeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    /** Lengths of successive rounds: empty, fewer than the ranks, odd, and chunks past one buffer. */
    private static final int[] LENGTHS = {0, 1, 2, 7, 1001, 200_003};

    @ParameterizedTest
    @CsvSource({"ALLGATHER, 2", "ALLGATHER, 3", "SOCKET, 2", "SOCKET, 3", "SOCKET, 4"})
    void everyRankGetsTheRankOrderSumBitForBit(ExchangeMode mode, int size) throws Exception {
        List<Future<List<GradientExchange.Summed>>> ranks = ThreadedGroup.run(size, group -> {
            List<GradientExchange.Summed> rounds = new ArrayList<>();
            try (GradientExchange ex = GradientExchange.open(mode, group, TIMEOUT)) {
                assertEquals(group.rank(), ex.rank());
                assertEquals(size, ex.size());
                for (int round = 0; round < LENGTHS.length; round++) {
                    float[] f = ExchangeVectors.floats(group.rank(), round, LENGTHS[round]);
                    double[] d = ExchangeVectors.doubles(group.rank(), round, round + 1);
                    rounds.add(ex.sum(f, d));
                    // The inputs are left as they were.
                    assertArrayEquals(bits(ExchangeVectors.floats(group.rank(), round, LENGTHS[round])), bits(f));
                    assertArrayEquals(bits(ExchangeVectors.doubles(group.rank(), round, round + 1)), bits(d));
                }
            }
            return rounds;
        });
        for (int round = 0; round < LENGTHS.length; round++) {
            float[][] f = new float[size][];
            double[][] d = new double[size][];
            for (int k = 0; k < size; k++) {
                f[k] = ExchangeVectors.floats(k, round, LENGTHS[round]);
                d[k] = ExchangeVectors.doubles(k, round, round + 1);
            }
            int[] expectedFloats = bits(ExchangeVectors.rankOrderSum(f));
            long[] expectedDoubles = bits(ExchangeVectors.rankOrderSum(d));
            for (int k = 0; k < size; k++) {
                GradientExchange.Summed got = ranks.get(k).get(60, TimeUnit.SECONDS).get(round);
                assertArrayEquals(expectedFloats, bits(got.floats()), "floats, rank " + k + ", round " + round);
                assertArrayEquals(expectedDoubles, bits(got.doubles()), "doubles, rank " + k + ", round " + round);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"ALLGATHER, 2", "ALLGATHER, 3", "SOCKET, 1", "SOCKET, 2", "SOCKET, 3", "SOCKET, 4"})
    void reduceScatterGivesEachRankItsChunkOfTheSumAndAllGatherPutsTheChunksBack(ExchangeMode mode, int size)
            throws Exception {
        List<Future<List<float[]>>> ranks = ThreadedGroup.run(size, group -> {
            List<float[]> rounds = new ArrayList<>();
            try (GradientExchange ex = GradientExchange.open(mode, group, TIMEOUT)) {
                for (int round = 0; round < LENGTHS.length; round++) {
                    int n = LENGTHS[round];
                    GradientExchange.Summed mine = ex.reduceScatter(ExchangeVectors.floats(group.rank(), round, n),
                            ExchangeVectors.doubles(group.rank(), round, 2));
                    rounds.add(mine.floats());
                    double[][] d = new double[size][];
                    for (int k = 0; k < size; k++) {
                        d[k] = ExchangeVectors.doubles(k, round, 2);
                    }
                    assertArrayEquals(bits(ExchangeVectors.rankOrderSum(d)), bits(mine.doubles()), "doubles whole");
                    // each rank gives its chunk scaled by 2 (exact): the gathered vector is 2 * the sum
                    float[] doubled = mine.floats().clone();
                    for (int i = 0; i < doubled.length; i++) {
                        doubled[i] *= 2;
                    }
                    rounds.add(ex.allGather(doubled, n));
                }
                assertThrows(IllegalArgumentException.class, () -> ex.allGather(new float[1_000], 10));
            }
            return rounds;
        });
        for (int round = 0; round < LENGTHS.length; round++) {
            int n = LENGTHS[round];
            float[][] f = new float[size][];
            for (int k = 0; k < size; k++) {
                f[k] = ExchangeVectors.floats(k, round, n);
            }
            float[] sum = ExchangeVectors.rankOrderSum(f);
            float[] doubled = sum.clone();
            for (int i = 0; i < n; i++) {
                doubled[i] *= 2;
            }
            for (int k = 0; k < size; k++) {
                List<float[]> got = ranks.get(k).get(60, TimeUnit.SECONDS);
                float[] chunk = java.util.Arrays.copyOfRange(sum, GradientExchange.chunkStart(k, n, size),
                        GradientExchange.chunkStart(k + 1, n, size));
                assertArrayEquals(bits(chunk), bits(got.get(2 * round)), "chunk, rank " + k + ", round " + round);
                assertArrayEquals(bits(doubled), bits(got.get(2 * round + 1)), "gathered, rank " + k + ", round " + round);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ExchangeMode.class)
    void addsInRankOrderStartingFromRankZero(ExchangeMode mode) throws Exception {
        float[][] floats = {{1e8f, -1e8f, -0.0f}, {1f, 1e8f, -0.0f}, {-1e8f, 1f, -0.0f}};
        double[][] doubles = {{1e17, 0.5}, {1, 0.25}, {-1e17, 0.125}};
        List<Future<GradientExchange.Summed>> ranks = ThreadedGroup.run(3, group -> {
            try (GradientExchange ex = GradientExchange.open(mode, group, TIMEOUT)) {
                return ex.sum(floats[group.rank()], doubles[group.rank()]);
            }
        });
        // (1e8 + 1) rounds to 1e8 in float, so rank order gives 0 where rank 1 goes last; -0.0 stays -0.0.
        float[] expectedFloats = {0f, 1f, -0.0f};
        double[] expectedDoubles = {0.0, 0.875};
        for (Future<GradientExchange.Summed> rank : ranks) {
            GradientExchange.Summed got = rank.get(30, TimeUnit.SECONDS);
            assertArrayEquals(bits(expectedFloats), bits(got.floats()));
            assertArrayEquals(bits(expectedDoubles), bits(got.doubles()));
        }
    }

    @ParameterizedTest
    @EnumSource(ExchangeMode.class)
    void oneTaskReturnsItsInputWithoutAnyRound(ExchangeMode mode) {
        ThreadedGroup group = new ThreadedGroup(1);
        float[] f = {1.5f, -2f};
        double[] d = {3.25};
        try (GradientExchange ex = GradientExchange.open(mode, group.member(0), TIMEOUT)) {
            GradientExchange.Summed got = ex.sum(f, d);
            assertSame(f, got.floats());
            assertSame(d, got.doubles());
            assertSame(f, ex.sum(f));
            assertSame(d, ex.sum(d));
        }
        assertEquals(0, group.allGathers.get());
    }

    @ParameterizedTest
    @EnumSource(ExchangeMode.class)
    void vectorsOfDifferentLengthsFailOnEveryRank(ExchangeMode mode) throws Exception {
        List<Future<String>> ranks = ThreadedGroup.run(2, group -> {
            try (GradientExchange ex = GradientExchange.open(mode, group, TIMEOUT)) {
                float[] f = new float[group.rank() == 0 ? 6 : 5];
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ex.sum(f, new double[1]));
                if (mode == ExchangeMode.SOCKET) {
                    assertThrows(IllegalStateException.class, () -> ex.sum(f, new double[1]), "a broken exchange refuses");
                }
                return e.getMessage();
            }
        });
        String rank0 = ranks.get(0).get(30, TimeUnit.SECONDS);
        String rank1 = ranks.get(1).get(30, TimeUnit.SECONDS);
        assertTrue(rank0.contains("rank 1") && rank0.contains("sent 5 floats and 1 doubles"), rank0);
        assertTrue(rank0.contains("rank 0 has 6 and 1"), rank0);
        assertTrue(rank1.contains("rank 0") && rank1.contains("sent 6 floats and 1 doubles"), rank1);
    }

    @Test
    void aSilentPeerTimesOutWithItsRankAndAddress() throws Exception {
        List<Future<String>> ranks = ThreadedGroup.run(2, group -> {
            try (GradientExchange ex = GradientExchange.open(ExchangeMode.SOCKET, group, Duration.ofMillis(500))) {
                if (group.rank() == 1) {
                    Thread.sleep(3000); // never sums
                    return "silent";
                }
                long start = System.nanoTime();
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ex.sum(new float[4]));
                double seconds = (System.nanoTime() - start) / 1e9;
                assertTrue(seconds < 2.5, "failed after " + seconds + " s, expected the 0.5 s timeout");
                return e.getMessage();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        String message = ranks.get(0).get(30, TimeUnit.SECONDS);
        assertTrue(message.contains("round 1: rank 0 failed receiving from rank 1 at 127.0.0.1:"), message);
        assertTrue(message.contains("SocketTimeoutException"), message);
        assertEquals("silent", ranks.get(1).get(30, TimeUnit.SECONDS));
    }

    @Test
    void aClosedExchangeRefusesToSum() throws Exception {
        List<Future<String>> ranks = ThreadedGroup.run(2, group -> {
            GradientExchange ex = GradientExchange.open(ExchangeMode.SOCKET, group, TIMEOUT);
            ex.close();
            ex.close();
            return assertThrows(IllegalStateException.class, () -> ex.sum(new float[1])).getMessage();
        });
        assertEquals("gradient exchange (socket): rank 1 cannot exchange: closed", ranks.get(1).get(30, TimeUnit.SECONDS));
    }

    @Test
    void parsesTheExchangeFlag() {
        assertEquals(ExchangeMode.ALLGATHER, ExchangeMode.parse("allgather"));
        assertEquals(ExchangeMode.SOCKET, ExchangeMode.parse(" Socket "));
        assertEquals("socket", ExchangeMode.SOCKET.flagValue());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ExchangeMode.parse("ring"));
        assertEquals("--exchange: expected allgather or socket, found 'ring'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GradientExchange.open(
                ExchangeMode.SOCKET, new ThreadedGroup(1).member(0), Duration.ZERO));
    }

    @Test
    void takesTheHostOfATaskAddress() {
        assertEquals("10.0.0.7", BarrierGroup.hostOf("10.0.0.7:43121"));
        assertEquals("worker-1.example", BarrierGroup.hostOf("worker-1.example:7077"));
        assertEquals("::1", BarrierGroup.hostOf("[::1]:5000"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BarrierGroup.hostOf("nohost"));
        assertEquals("barrier task address: expected host:port, found 'nohost'", e.getMessage());
    }
}
