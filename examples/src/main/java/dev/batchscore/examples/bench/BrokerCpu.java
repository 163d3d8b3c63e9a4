package dev.batchscore.examples.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * CPU time the embedded Kafka broker's threads spend over a measurement. In a real deployment the
 * broker runs elsewhere, so the bench reports the pipeline's CPU with and without it. The broker's
 * threads are those {@link #brokerStarted} saw that {@link #threadsBefore} did not.
 */
final class BrokerCpu {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Set<Long> BROKER = new HashSet<>();
    private final Map<Long, Long> before = new HashMap<>();

    private BrokerCpu() {}

    /** The ids of the threads alive now: call before starting the broker. */
    static Set<Long> threadsBefore() {
        Set<Long> ids = new HashSet<>();
        for (long id : THREADS.getAllThreadIds()) {
            ids.add(id);
        }
        return ids;
    }

    /** The broker's threads are those alive now and not in {@code before}. */
    static synchronized void brokerStarted(Set<Long> before) {
        BROKER.clear();
        for (long id : THREADS.getAllThreadIds()) {
            if (!before.contains(id)) {
                BROKER.add(id);
            }
        }
    }

    static synchronized BrokerCpu start() {
        BrokerCpu cpu = new BrokerCpu();
        for (long id : BROKER) {
            long nanos = THREADS.getThreadCpuTime(id);
            if (nanos >= 0) {
                cpu.before.put(id, nanos);
            }
        }
        return cpu;
    }

    /** CPU nanoseconds the broker's threads used since {@link #start}. */
    long nanos() {
        long sum = 0;
        for (Map.Entry<Long, Long> e : before.entrySet()) {
            long now = THREADS.getThreadCpuTime(e.getKey());
            if (now >= 0) {
                sum += now - e.getValue();
            }
        }
        return sum;
    }
}
