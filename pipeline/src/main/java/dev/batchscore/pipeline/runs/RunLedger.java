package dev.batchscore.pipeline.runs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.iceberg.HasTableOperations;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.TableMetadata;
import org.apache.iceberg.TableOperations;
import org.apache.iceberg.Transaction;
import org.apache.iceberg.UpdateProperties;
import org.apache.iceberg.exceptions.CommitFailedException;
import org.apache.iceberg.exceptions.CommitStateUnknownException;
import org.apache.iceberg.util.SnapshotUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run ledger, kept in the scored Iceberg table itself so it is as durable and as atomic as the
 * rows: before a job is submitted the client commits an empty append snapshot marking the run
 * {@code started}; every data commit of the run carries the same {@link Run#lineage()}; when the
 * job ends because its input ended, the client commits a {@code complete} marker. All per {@code
 * pipeline.id}, so several pipelines can write one table.
 *
 * <p>Only ancestors of the table's current snapshot count (a rolled-back snapshot is not history).
 * Snapshot expiry removes old markers, so the complete marker also updates the table property
 * {@code batchscore.last-complete.<pipeline id>} in the same transaction: the start of the next
 * incremental run survives {@code expire_snapshots}.
 *
 * <p>One run per pipeline at a time: {@link #claim} takes the table property {@code
 * batchscore.claim.<pipeline id>} with a compare-and-swap commit of the table metadata ({@link
 * TableOperations#commit} fails if anyone committed since the metadata was read), so of two runs
 * racing for it exactly one wins. The claim is a lease renewed by {@link #heartbeat}; it ends with
 * {@link #release} or with the complete marker, in the same commit. Every commit of the run's job
 * checks that the claim is still its own ({@link ClaimFence}).
 *
 * <pre>{@code
 * RunLedger ledger = new RunLedger(table);
 * Optional<Run> resumed = ledger.latestIncomplete(pipelineId); // the run a savepoint belongs to
 * }</pre>
 */
public final class RunLedger {
    private static final Logger LOG = LoggerFactory.getLogger(RunLedger.class);

    public static final String PIPELINE_ID = "batchscore.pipeline-id";
    public static final String RUN_ID = "batchscore.run-id";
    public static final String RUN_EVENT = "batchscore.run-event";
    public static final String MODEL = "batchscore.model";
    public static final String MODEL_VERSION = "batchscore.model-version";
    public static final String MODEL_SIGNATURE = "batchscore.model-signature";
    public static final String STARTING_OFFSETS = "batchscore.starting-offsets";
    public static final String START_POSITIONS = "batchscore.start-positions";
    public static final String END_POSITIONS = "batchscore.end-positions";

    /**
     * Offsets the run should have read that Kafka no longer had, {@code topic:partition=from-until}
     * (until exclusive); only on runs that skipped them ({@code source.kafka.on-missing-offsets:
     * skip}).
     */
    public static final String MISSING_POSITIONS = "batchscore.missing-positions";

    public static final String STARTED = "started";
    public static final String COMPLETE = "complete";

    /** Table property prefix: {@code <prefix><pipeline id>} holds the last complete run. */
    public static final String LAST_COMPLETE_PROPERTY = "batchscore.last-complete.";

    /** Table property prefix: {@code <prefix><pipeline id>} holds the run that claimed it. */
    public static final String CLAIM_PROPERTY = "batchscore.claim.";

    /** Compare-and-swap attempts before giving up (each one lost to a concurrent commit). */
    private static final int CAS_ATTEMPTS = 50;

    /** Compare-and-swap commits lost to a concurrent commit in this JVM (a figure for tests). */
    static final java.util.concurrent.atomic.AtomicLong LOST_RACES =
            new java.util.concurrent.atomic.AtomicLong();

    private final Table table;

    public RunLedger(Table table) {
        this.table = table;
    }

    /** Commits the {@code started} marker for {@code run}. */
    public void markStarted(Run run) {
        table.refresh();
        var append = table.newAppend();
        run.lineage().forEach(append::set);
        append.set(RUN_EVENT, STARTED).commit();
        LOG.info("Run {} of pipeline {} started: {}", run.runId(), run.pipelineId(), run.lineage());
    }

    /**
     * Commits the {@code complete} marker for {@code run}, remembers its end positions and, in the
     * same commit, releases the run's claim if it still holds it.
     */
    public void markComplete(Run run) {
        table.refresh();
        boolean holdsClaim =
                claimOf(run.pipelineId()).map(c -> c.runId().equals(run.runId())).orElse(false);
        Transaction tx = table.newTransaction();
        var append = tx.newAppend();
        run.lineage().forEach(append::set);
        append.set(RUN_EVENT, COMPLETE).commit();
        if (run.end() != null || holdsClaim) {
            UpdateProperties props = tx.updateProperties();
            if (run.end() != null) {
                props.set(LAST_COMPLETE_PROPERTY + run.pipelineId(), encode(run));
            }
            if (holdsClaim) {
                props.remove(CLAIM_PROPERTY + run.pipelineId());
            }
            props.commit();
        }
        tx.commitTransaction();
        LOG.info("Run {} of pipeline {} complete", run.runId(), run.pipelineId());
    }

    /**
     * Claims {@code run}'s pipeline for it, before the run reads anything, and returns the claim:
     * its {@link RunClaim#token} travels in the job, whose commits are fenced on it ({@link
     * ClaimFence}) and whose release needs it. Succeeds at once when no run holds the claim.
     * Otherwise it watches the holder's heartbeat counter on this JVM's monotonic clock: if the
     * counter moves, the holder is alive and this throws {@link RunClaimedException} naming it
     * (also when the holder is this same run id: a second submission of a running run must not take
     * it from the first); if it stands still for the holder's full lease (a crashed or killed run,
     * logged as a WARN), the claim is taken over. The wait is bounded by that lease; a live holder
     * renews every third of it, so it is seen moving well before.
     *
     * @param lease how long the claim holds without a {@link #heartbeat}
     */
    public RunClaim claim(Run run, Duration lease) {
        String key = CLAIM_PROPERTY + run.pipelineId();
        RunClaim watched = null; // the holder's claim as first seen, and since when (our clock)
        long watchedSince = 0;
        boolean warned = false;
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            TableMetadata base = operations().refresh();
            RunClaim held = claimIn(base, run.pipelineId()).orElse(null);
            if (held != null && !held.sameBeat(watched)) {
                if (watched != null && held.token().equals(watched.token())) {
                    throw new RunClaimedException(blockedMessage(run, held), held);
                }
                watched = held; // a claim not seen before: watch it for a full lease
                watchedSince = System.nanoTime();
                LOG.info(
                        "Pipeline {} is claimed by {}; watching its heartbeats for up to {}"
                                + " before run {} takes it over",
                        run.pipelineId(),
                        held.describe(),
                        watchFor(held, lease),
                        run.runId());
            }
            if (held != null) {
                long silentNanos = System.nanoTime() - watchedSince;
                long leaseNanos = watchFor(held, lease).toNanos();
                if (silentNanos < leaseNanos) {
                    sleepNanos(Math.min(leaseNanos - silentNanos, pollNanos(held, lease)));
                    attempt--; // watching is not a lost race
                    continue;
                }
                if (!warned) {
                    warned = true;
                    LOG.warn(
                            "Pipeline {}: {} was not renewed for {} as watched from here (a"
                                    + " crashed or killed run?); run {} takes it over",
                            run.pipelineId(),
                            held.describe(),
                            watchFor(held, lease),
                            run.runId());
                }
            }
            RunClaim mine = RunClaim.take(run.runId(), lease, Instant.now());
            if (swap(base, key, mine.encode(), c -> c.token().equals(mine.token()))) {
                LOG.info("Pipeline {} claimed by {}", run.pipelineId(), mine.describe());
                return mine;
            }
        }
        throw new IllegalStateException(
                "could not claim pipeline '"
                        + run.pipelineId()
                        + "' in "
                        + CAS_ATTEMPTS
                        + " attempts: every commit lost a race with another writer of "
                        + table.name()
                        + "; run it again");
    }

    /** How long a claim must stand still before it is taken over: its holder's lease. */
    private static Duration watchFor(RunClaim held, Duration lease) {
        return held.lease().isZero() || held.lease().isNegative() ? lease : held.lease();
    }

    private static long pollNanos(RunClaim held, Duration lease) {
        long twentieth = watchFor(held, lease).toNanos() / 20;
        return Math.max(10_000_000L, Math.min(twentieth, 1_000_000_000L));
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(Math.max(1, nanos / 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while watching a pipeline's claim", e);
        }
    }

    /**
     * Renews the claim {@code token} of {@code run} if it still holds its pipeline: one more beat;
     * returns whether it does (false: released, or taken over by another claim, even of the same
     * run id).
     */
    public boolean heartbeat(Run run, String token) {
        String key = CLAIM_PROPERTY + run.pipelineId();
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            TableMetadata base = operations().refresh();
            Optional<RunClaim> held = claimIn(base, run.pipelineId());
            if (held.isEmpty() || !held.get().token().equals(token)) {
                LOG.warn(
                        "Run {} no longer holds pipeline {}: {}",
                        run.runId(),
                        run.pipelineId(),
                        held.map(RunClaim::describe).orElse("nobody does"));
                return false;
            }
            RunClaim renewed = held.get().renewed(Instant.now());
            if (swap(base, key, renewed.encode(), c -> c.equals(renewed))) {
                LOG.debug("Heartbeat of run {} on pipeline {}", run.runId(), run.pipelineId());
                return true;
            }
        }
        LOG.warn(
                "Heartbeat of run {} lost {} commit races; trying again later",
                run.runId(),
                CAS_ATTEMPTS);
        return claimOf(run.pipelineId()).map(c -> c.token().equals(token)).orElse(false);
    }

    /**
     * Releases {@code run}'s claim {@code token} if it still holds it; returns whether it did. A
     * claim taken since, by another run or another submission of the same run, is left alone.
     */
    public boolean release(Run run, String token) {
        String key = CLAIM_PROPERTY + run.pipelineId();
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            TableMetadata base = operations().refresh();
            Optional<RunClaim> held = claimIn(base, run.pipelineId());
            if (token == null || held.isEmpty() || !held.get().token().equals(token)) {
                return false;
            }
            if (swap(base, key, null, c -> false)) {
                LOG.info("Run {} released pipeline {}", run.runId(), run.pipelineId());
                return true;
            }
        }
        throw new IllegalStateException(
                "could not release the claim of run " + run.runId() + ": too many commit races");
    }

    /**
     * Clears whatever claim {@code pipelineId} has, for a user who knows its holder is dead ({@code
     * ./batchscore release}); returns the claim cleared.
     */
    public Optional<RunClaim> clearClaim(String pipelineId) {
        String key = CLAIM_PROPERTY + pipelineId;
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            TableMetadata base = operations().refresh();
            Optional<RunClaim> held = claimIn(base, pipelineId);
            if (held.isEmpty() || swap(base, key, null, c -> false)) {
                return held;
            }
        }
        throw new IllegalStateException(
                "could not clear the claim of pipeline " + pipelineId + ": too many commit races");
    }

    /** The claim on {@code pipelineId}, if any (possibly expired). */
    public Optional<RunClaim> claimOf(String pipelineId) {
        return claimIn(operations().refresh(), pipelineId);
    }

    private static Optional<RunClaim> claimIn(TableMetadata metadata, String pipelineId) {
        String text = metadata.properties().get(CLAIM_PROPERTY + pipelineId);
        return text == null ? Optional.empty() : Optional.of(RunClaim.decode(text));
    }

    private static String blockedMessage(Run run, RunClaim held) {
        return "pipeline '"
                + run.pipelineId()
                + "' is already being run by "
                + held.describe()
                + ", so run "
                + run.runId()
                + " was not started (nothing read or written): wait for that run to end; if it"
                + " is dead, clear its claim with ./batchscore release --config <its job config>,"
                + " or wait until the lease expires and the next run takes it over";
    }

    /**
     * Sets (or, for null, removes) one table property with a compare-and-swap of the whole table
     * metadata from {@code base}: false if anyone committed in between. A commit whose outcome is
     * unknown is settled by reading the property back ({@code ours} recognises what we wrote).
     */
    private boolean swap(
            TableMetadata base, String key, String value, Function<RunClaim, Boolean> ours) {
        TableMetadata.Builder updated = TableMetadata.buildFrom(base);
        if (value == null) {
            updated.removeProperties(Set.of(key));
        } else {
            updated.setProperties(Map.of(key, value));
        }
        try {
            operations().commit(base, updated.build());
            return true;
        } catch (CommitFailedException e) {
            LOST_RACES.incrementAndGet();
            LOG.debug("Lost a commit race on {}: {}", key, e.getMessage());
            return false;
        } catch (CommitStateUnknownException e) {
            String now = operations().refresh().properties().get(key);
            boolean committed =
                    value == null ? now == null : now != null && ours.apply(RunClaim.decode(now));
            LOG.warn("Commit of {} had an unknown outcome; read back: {}", key, committed);
            return committed;
        }
    }

    private TableOperations operations() {
        return ((HasTableOperations) table).operations();
    }

    /**
     * The newest complete run of {@code pipelineId} whose end positions are known: where the next
     * {@code resume} run starts.
     */
    public Optional<Run> latestComplete(String pipelineId) {
        for (Snapshot s : history()) {
            Map<String, String> summary = s.summary();
            if (pipelineId.equals(summary.get(PIPELINE_ID))
                    && COMPLETE.equals(summary.get(RUN_EVENT))) {
                Run run = Run.fromSummary(summary);
                if (run.end() != null) {
                    return Optional.of(run);
                }
            }
        }
        String kept = table.properties().get(LAST_COMPLETE_PROPERTY + pipelineId);
        return kept == null ? Optional.empty() : Optional.of(decode(pipelineId, kept));
    }

    /**
     * The newest started run of {@code pipelineId} if it has not completed: the run a savepoint or
     * retained checkpoint of this pipeline belongs to. A job resumed from that savepoint is the
     * same run (its Kafka splits carry the run's stopping offsets), so it reuses this run's id and
     * positions and commits its {@code complete} marker when the input ends.
     */
    public Optional<Run> latestIncomplete(String pipelineId) {
        for (Snapshot s : history()) {
            Map<String, String> summary = s.summary();
            if (!pipelineId.equals(summary.get(PIPELINE_ID))) {
                continue;
            }
            String event = summary.get(RUN_EVENT);
            if (COMPLETE.equals(event)) {
                return Optional.empty();
            }
            if (STARTED.equals(event)) {
                return isComplete(pipelineId, summary.get(RUN_ID))
                        ? Optional.empty()
                        : Optional.of(Run.fromSummary(summary));
            }
        }
        return Optional.empty();
    }

    /** The newest started marker of this run, if the ledger has one. */
    public Optional<Run> find(String pipelineId, String runId) {
        for (Snapshot s : history()) {
            Map<String, String> summary = s.summary();
            if (pipelineId.equals(summary.get(PIPELINE_ID))
                    && runId.equals(summary.get(RUN_ID))
                    && STARTED.equals(summary.get(RUN_EVENT))) {
                return Optional.of(Run.fromSummary(summary));
            }
        }
        return Optional.empty();
    }

    public boolean isComplete(String pipelineId, String runId) {
        for (Snapshot s : history()) {
            Map<String, String> summary = s.summary();
            if (pipelineId.equals(summary.get(PIPELINE_ID))
                    && runId.equals(summary.get(RUN_ID))
                    && COMPLETE.equals(summary.get(RUN_EVENT))) {
                return true;
            }
        }
        return false;
    }

    /** Whether any run of {@code pipelineId} has a complete marker. */
    public boolean hasCompleteRun(String pipelineId) {
        for (Snapshot s : history()) {
            if (pipelineId.equals(s.summary().get(PIPELINE_ID))
                    && COMPLETE.equals(s.summary().get(RUN_EVENT))) {
                return true;
            }
        }
        return table.properties().containsKey(LAST_COMPLETE_PROPERTY + pipelineId);
    }

    /** The current snapshot and its ancestors, newest first. */
    public List<Snapshot> history() {
        table.refresh();
        List<Snapshot> out = new ArrayList<>();
        Snapshot current = table.currentSnapshot();
        if (current != null) {
            SnapshotUtil.ancestorsOf(current.snapshotId(), table::snapshot).forEach(out::add);
        }
        return out;
    }

    private static String encode(Run run) {
        return run.runId() + " " + run.end().format();
    }

    private static Run decode(String pipelineId, String kept) {
        int space = kept.indexOf(' ');
        String runId = space < 0 ? kept : kept.substring(0, space);
        String end = space < 0 ? "" : kept.substring(space + 1);
        return Run.ended(pipelineId, runId, SourcePositions.parse(end));
    }
}
