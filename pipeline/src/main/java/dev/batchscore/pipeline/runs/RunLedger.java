package dev.batchscore.pipeline.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.Transaction;
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

    /** Commits the {@code complete} marker for {@code run} and remembers its end positions. */
    public void markComplete(Run run) {
        table.refresh();
        Transaction tx = table.newTransaction();
        var append = tx.newAppend();
        run.lineage().forEach(append::set);
        append.set(RUN_EVENT, COMPLETE).commit();
        if (run.end() != null) {
            tx.updateProperties()
                    .set(LAST_COMPLETE_PROPERTY + run.pipelineId(), encode(run))
                    .commit();
        }
        tx.commitTransaction();
        LOG.info("Run {} of pipeline {} complete", run.runId(), run.pipelineId());
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
        return new Run(
                pipelineId, runId, "resume", null, SourcePositions.parse(end), null, null, null);
    }
}
