package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.flink.TableLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a run's claim on its pipeline alive from inside the job, so that a detached run (REST, Web
 * UI, {@code flink run -d}, application mode) holds its pipeline for as long as it really runs.
 *
 * <p>The job's operators {@link #hold} the claim while they are open: the source side ({@code
 * skip-committed}), the Iceberg writers and the {@link RunMarker}, which between them cover every
 * stage of a STREAMING job and of a BATCH job (whose stages run one after the other). One daemon
 * thread per TaskManager JVM and run renews the lease every third of it while anything holds it,
 * and for up to {@link #GRACE} after the last holder closed, to bridge the gap between BATCH stages
 * or a restart. A dead job holds nothing, so its lease runs out; a released or lost claim stops the
 * renewal ({@link RunLedger#heartbeat} returns false), and so does {@link #stop} once the run
 * marker ended the run. The thread belongs to the job's class loader: it must not outlive the job
 * for long, or a session cluster's TaskManager keeps every job's classes (metaspace).
 */
public final class ClaimKeeper {
    private static final Logger LOG = LoggerFactory.getLogger(ClaimKeeper.class);

    private static final Map<String, Renewal> RENEWALS = new HashMap<>();

    /** How long a claim is kept alive with no holder, at most (a third of the lease if less). */
    static final Duration GRACE = Duration.ofSeconds(30);

    /** How often the renewal thread looks at its holders. */
    private static final long TICK_MILLIS = 2_000;

    private ClaimKeeper() {}

    /**
     * The claim an operator holds: the scored table (holds the ledger), the run, the lease.
     *
     * @param lease {@code pipeline.claim-timeout}
     */
    public record Lease(TableLoader table, Run run, Duration lease) implements Serializable {}

    /** Holds {@code lease}'s claim until the returned handle is closed. */
    public static AutoCloseable hold(Lease lease) {
        String key = lease.run().pipelineId() + "\n" + lease.run().runId();
        synchronized (RENEWALS) {
            Renewal renewal = RENEWALS.computeIfAbsent(key, k -> new Renewal(k, lease));
            renewal.holders++;
        }
        return () -> {
            synchronized (RENEWALS) {
                Renewal renewal = RENEWALS.get(key);
                if (renewal != null) {
                    renewal.holders--;
                    renewal.idleSinceNanos = System.nanoTime();
                }
            }
        };
    }

    /** Stops renewing {@code run}'s claim in this JVM: the run ended (see {@link RunMarker}). */
    public static void stop(Run run) {
        Renewal renewal;
        synchronized (RENEWALS) {
            renewal = RENEWALS.get(run.pipelineId() + "\n" + run.runId());
        }
        if (renewal != null) {
            renewal.stop();
        }
    }

    private static final class Renewal {
        private final String key;
        private final Lease lease;
        private final ScheduledExecutorService timer;
        private final long renewEveryNanos;
        private final long graceNanos;
        private int holders;
        private long idleSinceNanos = System.nanoTime();
        private long renewedNanos = System.nanoTime();

        Renewal(String key, Lease lease) {
            this.key = key;
            this.lease = lease;
            renewEveryNanos = Math.max(lease.lease().toNanos() / 3, 200_000_000L);
            graceNanos = Math.min(renewEveryNanos, GRACE.toNanos());
            long tick = Math.min(TICK_MILLIS, renewEveryNanos / 1_000_000);
            timer =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "batchscore-claim " + lease.run().runId());
                                t.setDaemon(true);
                                return t;
                            });
            timer.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
        }

        private void tick() {
            long now = System.nanoTime();
            synchronized (RENEWALS) {
                if (holders <= 0 && now - idleSinceNanos > graceNanos) {
                    stop();
                    return;
                }
            }
            if (now - renewedNanos < renewEveryNanos) {
                return;
            }
            renewedNanos = now;
            try (TableLoader loader = lease.table().clone()) {
                loader.open();
                if (!new RunLedger(loader.loadTable()).heartbeat(lease.run())) {
                    stop(); // released by the complete marker, cleared, or taken over
                }
            } catch (Exception e) {
                LOG.warn("Heartbeat of run {} failed: {}", lease.run().runId(), e.toString());
            }
        }

        private void stop() {
            synchronized (RENEWALS) {
                RENEWALS.remove(key, this);
            }
            timer.shutdown();
        }
    }
}
