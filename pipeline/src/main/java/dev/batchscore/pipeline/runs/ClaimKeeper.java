package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
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
 * <p>The job {@link #hold}s the claim from the start: its source's split enumerator ({@code
 * BoundedRestoreSource.EnumeratorLifetime}) runs in the JobManager from the moment the job is
 * scheduled, before slots are allocated, until the job ends, and the client holds it while it
 * submits. The operators hold it too while they are open: the source side ({@code skip-committed}),
 * the Iceberg writers and the {@link RunMarker}. One daemon thread per JVM and claim renews the
 * lease at once and then every third of it while anything holds it, and for up to {@link #GRACE}
 * after the last holder closed, to bridge the gap between BATCH stages or a restart. A dead job
 * holds nothing, so its lease runs out; a released or lost claim stops the renewal ({@link
 * RunLedger#heartbeat} returns false), and so does {@link #stop} once the run marker ended the run.
 * The thread belongs to the job's class loader: it must not outlive the job for long, or a session
 * cluster's TaskManager keeps every job's classes (metaspace).
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
     * The claim an operator holds: the scored table (holds the ledger), the run, the lease, and the
     * claim's token, which the client decided when it claimed ({@link RunLedger#claim}).
     *
     * @param lease {@code pipeline.claim-timeout}
     */
    public record Lease(TableLoader table, Run run, Duration lease, String token)
            implements Serializable {
        public Lease {
            Objects.requireNonNull(token, "the claim's token: plan the run with JobPlan.create");
        }
    }

    /**
     * Holds {@code lease}'s claim until the returned handle is closed; the first holder in this JVM
     * renews it at once.
     */
    public static AutoCloseable hold(Lease lease) {
        String key = key(lease.run(), lease.token());
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

    /**
     * Stops renewing the claim {@code token} in this JVM: the run ended (see {@link RunMarker}).
     */
    public static void stop(Run run, String token) {
        Renewal renewal;
        synchronized (RENEWALS) {
            renewal = RENEWALS.get(key(run, token));
        }
        if (renewal != null) {
            renewal.stop();
        }
    }

    private static String key(Run run, String token) {
        return run.pipelineId() + "\n" + run.runId() + "\n" + token;
    }

    private static final class Renewal {
        private final String key;
        private final Lease lease;
        private final ScheduledExecutorService timer;
        private final long renewEveryNanos;
        private final long graceNanos;
        private int holders;
        private long idleSinceNanos = System.nanoTime();
        private long renewedNanos;

        Renewal(String key, Lease lease) {
            this.key = key;
            this.lease = lease;
            renewEveryNanos = Math.max(lease.lease().toNanos() / 3, 200_000_000L);
            graceNanos = Math.min(renewEveryNanos, GRACE.toNanos());
            long tick = Math.min(TICK_MILLIS, renewEveryNanos / 1_000_000);
            // The first renewal at once: the claim was taken (or last renewed) before this job
            // started, perhaps a while ago (slots, a restart).
            renewedNanos = System.nanoTime() - renewEveryNanos;
            timer =
                    Executors.newSingleThreadScheduledExecutor(
                            r -> {
                                Thread t = new Thread(r, "batchscore-claim " + lease.run().runId());
                                t.setDaemon(true);
                                return t;
                            });
            timer.scheduleWithFixedDelay(this::tick, 0, tick, TimeUnit.MILLISECONDS);
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
                if (!new RunLedger(loader.loadTable()).heartbeat(lease.run(), lease.token())) {
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
