package dev.batchscore.pipeline.runs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
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
 * <p>Snapshot expiry and compaction remove old markers, so every marker also writes the run, its
 * lineage and its last event into the table property {@code batchscore.run.<pipeline id>/<run id>}
 * in the same transaction (the newest {@link #KEPT_RUNS} runs per pipeline are kept), and the
 * complete marker moves {@code batchscore.last-complete.<pipeline id>}, where the next {@code
 * resume} run starts, forward only: per partition, the furthest end of any complete run. Reruns,
 * resumes and the next incremental run read these properties; snapshot history (only ancestors of
 * the current snapshot: a rolled-back snapshot is not history) is read only for runs written before
 * them.
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

    /** The Kafka topic id of each topic the run read, {@code topic=id,...} ({@link TopicIds}). */
    public static final String TOPIC_IDS = "batchscore.topic-ids";

    /**
     * {@code topic old-id -> new-id, ...}: topics the run read from their earliest offset because
     * they were recreated since the last complete run ({@code source.kafka.on-topic-recreated:
     * earliest}).
     */
    public static final String TOPIC_RECREATED = "batchscore.topic-recreated";

    public static final String STARTED = "started";
    public static final String COMPLETE = "complete";

    /** Table property prefix: {@code <prefix><pipeline id>} holds the last complete run. */
    public static final String LAST_COMPLETE_PROPERTY = "batchscore.last-complete.";

    /** Table property prefix: {@code <prefix><pipeline id>/<run id>} holds a run and its event. */
    public static final String RUN_PROPERTY = "batchscore.run.";

    /** In a {@link #RUN_PROPERTY}: the order runs of a pipeline started in. */
    static final String RUN_SEQUENCE = "batchscore.run-sequence";

    /** How many runs per pipeline the table properties keep (the oldest are dropped). */
    static final int KEPT_RUNS = 100;

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

    /** Commits the {@code started} marker for {@code run}, and keeps the run in the properties. */
    public void markStarted(Run run) {
        table.refresh();
        Transaction tx = table.newTransaction();
        var append = tx.newAppend();
        run.lineage().forEach(append::set);
        append.set(RUN_EVENT, STARTED).commit();
        UpdateProperties props = tx.updateProperties();
        keepRun(props, run, STARTED);
        props.commit();
        tx.commitTransaction();
        LOG.info("Run {} of pipeline {} started: {}", run.runId(), run.pipelineId(), run.lineage());
    }

    /**
     * Commits the {@code complete} marker for {@code run}, moves the pipeline's complete end
     * forward to it and, in the same commit, releases the run's claim if it still holds it.
     */
    public void markComplete(Run run) {
        table.refresh();
        boolean holdsClaim =
                claimOf(run.pipelineId()).map(c -> c.runId().equals(run.runId())).orElse(false);
        Transaction tx = table.newTransaction();
        var append = tx.newAppend();
        run.lineage().forEach(append::set);
        append.set(RUN_EVENT, COMPLETE).commit();
        UpdateProperties props = tx.updateProperties();
        keepRun(props, run, COMPLETE);
        if (run.end() != null) {
            // A topic recreated since (another id) starts over: its old offsets do not count.
            SourcePositions end =
                    latestComplete(run.pipelineId())
                            .map(
                                    previous ->
                                            previous.end()
                                                    .withoutTopics(
                                                            previous.topicIds()
                                                                    .changedIn(run.topicIds())
                                                                    .keySet())
                                                    .furthest(run.end()))
                            .orElse(run.end());
            props.set(LAST_COMPLETE_PROPERTY + run.pipelineId(), encodeComplete(run, end));
        }
        if (holdsClaim) {
            props.remove(CLAIM_PROPERTY + run.pipelineId());
        }
        props.commit();
        tx.commitTransaction();
        LOG.info("Run {} of pipeline {} complete", run.runId(), run.pipelineId());
    }

    /**
     * Writes {@code run} with {@code event} into its {@link #RUN_PROPERTY}: a started run becomes
     * the pipeline's newest, a completed one keeps its place. Drops the oldest runs beyond {@link
     * #KEPT_RUNS}.
     */
    private void keepRun(UpdateProperties props, Run run, String event) {
        List<Map<String, String>> runs = keptRuns(table.properties(), run.pipelineId());
        long sequence = runs.isEmpty() ? 0 : sequence(runs.get(runs.size() - 1)) + 1;
        boolean known = false;
        for (Map<String, String> kept : runs) {
            if (run.runId().equals(kept.get(RUN_ID))) {
                known = true;
                if (COMPLETE.equals(event)) {
                    sequence = sequence(kept);
                }
            }
        }
        Map<String, String> fields = new LinkedHashMap<>(run.lineage());
        fields.put(RUN_EVENT, event);
        fields.put(RUN_SEQUENCE, Long.toString(sequence));
        props.set(runKey(run.pipelineId(), run.runId()), KeyValues.encode(fields));
        int excess = runs.size() + (known ? 0 : 1) - KEPT_RUNS;
        for (Map<String, String> old : runs) {
            if (excess <= 0) {
                break;
            }
            if (!run.runId().equals(old.get(RUN_ID))) {
                props.remove(runKey(run.pipelineId(), old.get(RUN_ID)));
                excess--;
            }
        }
    }

    private static String runKey(String pipelineId, String runId) {
        return RUN_PROPERTY + pipelineId + "/" + runId;
    }

    /** The runs of {@code pipelineId} kept in {@code properties}, oldest first. */
    private static List<Map<String, String>> keptRuns(
            Map<String, String> properties, String pipelineId) {
        List<Map<String, String>> runs = new ArrayList<>();
        String prefix = RUN_PROPERTY + pipelineId + "/";
        properties.forEach(
                (key, value) -> {
                    if (key.startsWith(prefix)) {
                        Map<String, String> fields = KeyValues.decode(value);
                        if (pipelineId.equals(fields.get(PIPELINE_ID))) {
                            runs.add(fields);
                        }
                    }
                });
        runs.sort(Comparator.comparingLong(RunLedger::sequence));
        return runs;
    }

    private static long sequence(Map<String, String> fields) {
        try {
            return Long.parseLong(fields.getOrDefault(RUN_SEQUENCE, "-1"));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private Optional<Map<String, String>> keptRun(String pipelineId, String runId) {
        table.refresh();
        String text = table.properties().get(runKey(pipelineId, runId));
        return text == null ? Optional.empty() : Optional.of(KeyValues.decode(text));
    }

    /**
     * Claims {@code run}'s pipeline for it, before the run reads anything, and returns the claim:
     * its {@link RunClaim#token} travels in the job, whose commits are fenced on it ({@link
     * ClaimFence}) and whose release needs it. Succeeds at once when no run holds the claim, and
     * fails at once when the claim is live by its own times ({@link RunClaim#looksLive}): refusing
     * needs no care. A claim that looks expired is watched before it is taken over, since the
     * holder's clock may be behind: this watches its heartbeat counter on this JVM's monotonic
     * clock; if the counter moves, the holder is alive and this throws {@link RunClaimedException}
     * naming it (also when the holder is this same run id: a second submission of a running run
     * must not take it from the first); if it stands still for the holder's full lease (a crashed
     * or killed run, logged as a WARN), the claim is taken over. The wait is bounded by that lease;
     * a live holder renews every third of it, so it is seen moving well before.
     *
     * @param lease how long the claim holds without a {@link #heartbeat}
     */
    public RunClaim claim(Run run, Duration lease) {
        return claim(run, lease, false);
    }

    /**
     * As {@link #claim(Run, Duration)}; with {@code adoptSameRun} a claim that {@code run}'s own id
     * holds is returned as it is (not taken again, its token kept): for a run named by Flink's
     * fixed job id, whose {@code main()} runs again after a JobManager failover while the recovered
     * job holds the claim.
     */
    public RunClaim claim(Run run, Duration lease, boolean adoptSameRun) {
        String key = CLAIM_PROPERTY + run.pipelineId();
        RunClaim watched = null; // the holder's claim as first seen, and since when (our clock)
        long watchedSince = 0;
        boolean warned = false;
        for (int attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
            TableMetadata base = operations().refresh();
            RunClaim held = claimIn(base, run.pipelineId()).orElse(null);
            if (held != null
                    && watched == null
                    && adoptSameRun
                    && held.runId().equals(run.runId())) {
                // Flink runs one job per job id: this run's job is the one that holds the claim.
                LOG.info("Run {} goes on under its job's claim: {}", run.runId(), held.describe());
                return held;
            }
            if (held != null && watched == null && held.looksLive(Instant.now())) {
                // Refusing needs no care, taking over does: a claim live by its own times is
                // refused at once; only one that looks expired is watched before a takeover.
                throw new RunClaimedException(blockedMessage(run, held), held);
            }
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
     * Where the next {@code resume} run of {@code pipelineId} starts: the furthest end of its
     * complete runs, as the newest complete run that moved it.
     */
    public Optional<Run> latestComplete(String pipelineId) {
        table.refresh();
        String kept = table.properties().get(LAST_COMPLETE_PROPERTY + pipelineId);
        if (kept != null) {
            return Optional.of(decodeComplete(pipelineId, kept));
        }
        for (Snapshot s : history()) { // a table whose ledger predates the property
            Map<String, String> summary = s.summary();
            if (pipelineId.equals(summary.get(PIPELINE_ID))
                    && COMPLETE.equals(summary.get(RUN_EVENT))) {
                Run run = Run.fromSummary(summary);
                if (run.end() != null) {
                    return Optional.of(run);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * The newest started run of {@code pipelineId} if it has not completed: the run a savepoint or
     * retained checkpoint of this pipeline belongs to. A job resumed from that savepoint is the
     * same run (its Kafka splits carry the run's stopping offsets), so it reuses this run's id and
     * positions and commits its {@code complete} marker when the input ends.
     */
    public Optional<Run> latestIncomplete(String pipelineId) {
        table.refresh();
        List<Map<String, String>> runs = keptRuns(table.properties(), pipelineId);
        if (!runs.isEmpty()) {
            Map<String, String> newest = runs.get(runs.size() - 1);
            return STARTED.equals(newest.get(RUN_EVENT))
                    ? Optional.of(Run.fromSummary(newest))
                    : Optional.empty();
        }
        for (Snapshot s : history()) { // a table whose ledger predates the run properties
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

    /** This run as it started, if the ledger knows it. */
    public Optional<Run> find(String pipelineId, String runId) {
        Optional<Map<String, String>> kept = keptRun(pipelineId, runId);
        if (kept.isPresent()) {
            return kept.map(Run::fromSummary);
        }
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

    /**
     * Every run of {@code pipelineId} the ledger knows, as it last recorded each: the runs kept in
     * the properties and the started markers still in the snapshot history.
     */
    public List<Run> runs(String pipelineId) {
        table.refresh();
        Map<String, Run> runs = new LinkedHashMap<>();
        for (Map<String, String> kept : keptRuns(table.properties(), pipelineId)) {
            runs.put(kept.get(RUN_ID), Run.fromSummary(kept));
        }
        for (Snapshot s : history()) {
            Map<String, String> summary = s.summary();
            if (pipelineId.equals(summary.get(PIPELINE_ID))
                    && STARTED.equals(summary.get(RUN_EVENT))) {
                runs.putIfAbsent(summary.get(RUN_ID), Run.fromSummary(summary));
            }
        }
        return List.copyOf(runs.values());
    }

    /** Whether this run's latest event is {@code complete} (a rerun that started is not yet). */
    public boolean isComplete(String pipelineId, String runId) {
        Optional<Map<String, String>> kept = keptRun(pipelineId, runId);
        if (kept.isPresent()) {
            return COMPLETE.equals(kept.get().get(RUN_EVENT));
        }
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

    /** Whether any run of {@code pipelineId} has completed. */
    public boolean hasCompleteRun(String pipelineId) {
        table.refresh();
        if (table.properties().containsKey(LAST_COMPLETE_PROPERTY + pipelineId)
                || keptRuns(table.properties(), pipelineId).stream()
                        .anyMatch(r -> COMPLETE.equals(r.get(RUN_EVENT)))) {
            return true;
        }
        for (Snapshot s : history()) {
            if (pipelineId.equals(s.summary().get(PIPELINE_ID))
                    && COMPLETE.equals(s.summary().get(RUN_EVENT))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every pipeline id this table's ledger knows: from its properties and from the snapshot
     * history.
     */
    public Set<String> pipelineIds() {
        table.refresh();
        Set<String> ids = new TreeSet<>();
        table.properties()
                .forEach(
                        (key, value) -> {
                            if (key.startsWith(LAST_COMPLETE_PROPERTY)) {
                                ids.add(key.substring(LAST_COMPLETE_PROPERTY.length()));
                            } else if (key.startsWith(RUN_PROPERTY)) {
                                String id = KeyValues.decode(value).get(PIPELINE_ID);
                                if (id != null) {
                                    ids.add(id);
                                }
                            }
                        });
        for (Snapshot s : history()) {
            String id = s.summary().get(PIPELINE_ID);
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
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

    /** The pipeline's complete end: the completing run's lineage with the merged end. */
    private static String encodeComplete(Run run, SourcePositions end) {
        Map<String, String> fields = new LinkedHashMap<>(run.lineage());
        fields.put(END_POSITIONS, end.format());
        return KeyValues.encode(fields);
    }

    private static Run decodeComplete(String pipelineId, String kept) {
        if (kept.startsWith(PIPELINE_ID + "=")) {
            return Run.fromSummary(KeyValues.decode(kept));
        }
        // Written before the lineage was kept: "<run id> <end positions>".
        int space = kept.indexOf(' ');
        String runId = space < 0 ? kept : kept.substring(0, space);
        String end = space < 0 ? "" : kept.substring(space + 1);
        return Run.ended(pipelineId, runId, SourcePositions.parse(end));
    }
}
