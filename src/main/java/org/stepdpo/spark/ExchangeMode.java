package org.stepdpo.spark;

import java.util.Locale;

/** How barrier tasks exchange the vectors a {@link GradientExchange} sums. */
public enum ExchangeMode {
    /** Through Spark's {@code BarrierTaskContext.allGather}: no extra ports, at least ~1 s a round. */
    ALLGATHER("allgather"),
    /** Directly between the tasks over TCP, set up with one allGather; as fast as the network. */
    SOCKET("socket");

    private final String flagValue;

    ExchangeMode(String flagValue) {
        this.flagValue = flagValue;
    }

    /** The value as written after {@code --exchange}. */
    public String flagValue() {
        return flagValue;
    }

    /** Parses the value of {@code --exchange} ({@code allgather} or {@code socket}, any case). */
    public static ExchangeMode parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (ExchangeMode m : values()) {
            if (m.flagValue.equals(v)) {
                return m;
            }
        }
        throw new IllegalArgumentException("--exchange: expected allgather or socket, found '" + value + "'");
    }
}
