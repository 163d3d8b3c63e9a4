package dev.batchscore.pipeline.runs;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Table;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a run's claim ({@link RunLedger#heartbeat}) every third of its lease from a daemon thread,
 * for as long as a client that waits for its job is alive: {@code ./batchscore run} keeps its
 * MiniCluster in the same process, so the client's death is the job's too. Best effort: a failed
 * heartbeat is logged and retried at the next tick.
 */
public final class ClaimHeartbeat implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimHeartbeat.class);

    private final ScheduledExecutorService timer;

    private ClaimHeartbeat(Table table, Run run, Duration lease) {
        long every = Math.max(lease.toMillis() / 3, 200);
        RunLedger ledger = new RunLedger(table);
        timer =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "batchscore-claim-heartbeat");
                            t.setDaemon(true);
                            return t;
                        });
        timer.scheduleWithFixedDelay(
                () -> {
                    try {
                        ledger.heartbeat(run);
                    } catch (RuntimeException e) {
                        LOG.warn("Heartbeat of run {} failed: {}", run.runId(), e.toString());
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    /** Starts renewing {@code run}'s claim on {@code table}, a lease of {@code lease}. */
    public static ClaimHeartbeat start(Table table, Run run, Duration lease) {
        return new ClaimHeartbeat(table, run, lease);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
