package org.stepdpo.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Set-up and waiting failures of the socket exchange, each named with the peer's rank and address. */
class SocketMeshTest {

    /** Rank {@code rank} of a group of two on 127.0.0.1 whose allGather is {@code allGather}. */
    private static BarrierGroup half(int rank, Function<String, String[]> allGather) {
        return new BarrierGroup() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return 2;
            }

            @Override
            public String host(int r) {
                return "127.0.0.1";
            }

            @Override
            public String[] allGather(String message) {
                return allGather.apply(message);
            }
        };
    }

    @Test
    void aPeerThatDoesNotListenIsNamed() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        BarrierGroup rank1 = half(1, own -> new String[] {closedPort + ":42", own});
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> GradientExchange.open(ExchangeMode.SOCKET, rank1, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().startsWith("gradient exchange (socket): rank 1 set-up failed: "
                + "java.io.IOException: cannot connect to rank 0 at 127.0.0.1:" + closedPort + " within 5.0 s"), e.getMessage());
    }

    @Test
    void aStrangerConnectingIsRefused() {
        BarrierGroup rank0 = half(0, own -> {
            int port = Integer.parseInt(own.split(":")[0]);
            // Instead of rank 1, something else connects and writes 20 bytes that are no introduction.
            Thread stranger = new Thread(() -> {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    new DataOutputStream(s.getOutputStream()).write(new byte[20]);
                    Thread.sleep(500);
                } catch (Exception ignored) {
                    // The exchange may close first.
                }
            });
            stranger.start();
            return new String[] {own, "1:0"};
        });
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> GradientExchange.open(ExchangeMode.SOCKET, rank0, Duration.ofSeconds(5)));
        assertTrue(e.getMessage().contains("unexpected connection from 127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().contains("expected a rank in 1..1 of this exchange, found rank 0 to rank 0"), e.getMessage());
    }

    @Test
    void nobodyConnectingTimesOut() {
        BarrierGroup rank0 = half(0, own -> new String[] {own, "1:0"});
        long start = System.nanoTime();
        UncheckedIOException e = assertThrows(UncheckedIOException.class,
                () -> GradientExchange.open(ExchangeMode.SOCKET, rank0, Duration.ofMillis(300)));
        assertTrue((System.nanoTime() - start) / 1e9 < 2.0);
        assertTrue(e.getMessage().contains("waited 0.3 s for ranks 1..1 to connect to 127.0.0.1:"), e.getMessage());
        assertTrue(e.getMessage().endsWith(", 0 came: java.net.SocketTimeoutException: Accept timed out"), e.getMessage());
    }

    @Test
    void anInterruptedWaitEndsBeforeTheTimeout() throws Exception {
        List<Future<Throwable>> ranks = ThreadedGroup.run(2, group -> {
            try (GradientExchange ex = GradientExchange.open(ExchangeMode.SOCKET, group, Duration.ofSeconds(30))) {
                if (group.rank() == 1) {
                    Thread.sleep(4000); // never sums
                    return null;
                }
                Thread waiting = Thread.currentThread();
                new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException ignored) {
                        return;
                    }
                    waiting.interrupt();
                }).start();
                long start = System.nanoTime();
                UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> ex.sum(new float[3]));
                assertTrue((System.nanoTime() - start) / 1e9 < 2.5, "the 1 s slices end the wait");
                Thread.interrupted();
                return e;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Throwable e = ranks.get(0).get(30, TimeUnit.SECONDS);
        assertInstanceOf(InterruptedIOException.class, e.getCause());
        assertTrue(e.getMessage().startsWith("gradient exchange (socket) round 1: rank 0 failed receiving from rank 1 at 127.0.0.1:"),
                e.getMessage());
        assertEquals(null, ranks.get(1).get(30, TimeUnit.SECONDS));
    }
}
