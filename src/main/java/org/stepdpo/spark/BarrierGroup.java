package org.stepdpo.spark;

import org.apache.spark.BarrierTaskContext;
import org.apache.spark.BarrierTaskInfo;

/**
 * The barrier-stage services a {@link GradientExchange} needs: this task's rank, every task's
 * host, and an all-gather of strings. {@link #of} adapts a Spark {@link BarrierTaskContext}.
 */
public interface BarrierGroup {
    /** This task's rank, {@code 0 <= rank < size}. */
    int rank();

    /** How many tasks take part. */
    int size();

    /** The host that task {@code rank} runs on (a name or an IP address literal). */
    String host(int rank);

    /** Every task's {@code message}, indexed by rank; a collective call that every task makes. */
    String[] allGather(String message);

    /** The group of a Spark barrier task: rank = partition id, hosts from {@code getTaskInfos()}. */
    static BarrierGroup of(BarrierTaskContext ctx) {
        BarrierTaskInfo[] infos = ctx.getTaskInfos();
        String[] hosts = new String[infos.length];
        for (int i = 0; i < infos.length; i++) {
            hosts[i] = hostOf(infos[i].address());
        }
        int rank = ctx.partitionId();
        return new BarrierGroup() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return hosts.length;
            }

            @Override
            public String host(int r) {
                return hosts[r];
            }

            @Override
            public String[] allGather(String message) {
                return ctx.allGather(message);
            }
        };
    }

    /** The host part of a {@code host:port} address; IPv6 brackets are removed. */
    static String hostOf(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("barrier task address: expected host:port, found '" + address + "'");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return host;
    }
}
