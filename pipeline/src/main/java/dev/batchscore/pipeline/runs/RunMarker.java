package dev.batchscore.pipeline.runs;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.CheckpointOptions;
import org.apache.flink.runtime.checkpoint.SavepointType;
import org.apache.flink.runtime.state.CheckpointStreamFactory;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.CommittableSummary;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.CatalogLoader;
import org.apache.iceberg.flink.TableLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The job's own end of a run: one task downstream of both Iceberg committers that commits the run's
 * {@code complete} marker after the last data commit to both tables, when the run's input really
 * ended. Because the job does it, a run is marked however it was submitted: {@code ./batchscore
 * run}, {@code flink run} attached or detached, the REST API or Web UI, application mode.
 *
 * <p>Why here and when: the committers emit what they committed to this task, and a task's
 * operators are closed only after all its inputs ended, that is after both committers committed
 * their final checkpoint (or, in BATCH mode, their end of input) and finished. So the marker is
 * committed in {@link #close()} on the successful path.
 *
 * <p>End of input versus a stop: both a natural end and a stop-with-savepoint {@code --drain} end
 * the input of every operator ({@code endInput}); they differ in what follows. After a drain the
 * next snapshot is the synchronous savepoint of the stop; after a natural end it is the final
 * checkpoint. A stop without drain never ends the input. So the run is complete iff the input ended
 * and no stop savepoint followed.
 *
 * <p>The run's history: the counting operators ({@link SkipCommitted}, {@link RunStatsOperator})
 * send this task what they saw before each checkpoint barrier, which it merges and keeps in its
 * state; when the run completes or is stopped with a savepoint, it appends the run's row to the
 * runs table ({@link RunHistory}), with the drift against the previous complete run and the {@code
 * quality.*} checks' verdict ({@link QualityChecks}). A stop's savepoint keeps no statistics, so
 * the resumed part of the run gets a row of its own and the two add up.
 *
 * <p>The run travels in this operator's state: a restore into a job planned for another run (a
 * savepoint of run A restored as run B, or with stopping offsets that disagree with the ledger) is
 * refused, since its source splits would read run A's range under run B's lineage.
 */
public final class RunMarker extends AbstractStreamOperator<Void>
        implements TwoInputStreamOperator<Long, byte[], Void>, BoundedMultiInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RunMarker.class);

    /** The operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "run-marker";

    private static final int COMMIT_ATTEMPTS = 5;

    private final ClaimKeeper.Lease lease;
    private final Run run;
    private final CatalogLoader catalog;
    private final String runsTable; // TableIdentifier is not Serializable
    private final QualityChecks quality;
    private final String submitted;

    private transient ListState<String> runState;
    private transient ListState<byte[]> statsState;
    private transient ListState<Long> startedState;
    private transient RunStats stats;
    private transient long startedAt;
    private transient int inputsEnded;
    private transient boolean inputEnded;
    private transient boolean stopped;
    private transient long stopSavepointId = -1;
    private transient long commits;
    private transient AutoCloseable claim;

    /**
     * @param lease the run the job was planned as, the scored table that holds its ledger, and its
     *     claim on its pipeline, held while this operator is open
     */
    public RunMarker(ClaimKeeper.Lease lease) {
        this(lease, null, null, QualityChecks.none(), null);
    }

    /**
     * @param lease as above
     * @param catalog loads the catalog of {@code runsTable}; null: no run history
     * @param runsTable the runs table ({@link RunHistory#tableFor}), created if missing
     * @param quality the checks the run's row is judged by
     * @param submitted how the job was submitted, as the runs table says it
     */
    public RunMarker(
            ClaimKeeper.Lease lease,
            CatalogLoader catalog,
            TableIdentifier runsTable,
            QualityChecks quality,
            String submitted) {
        this.lease = lease;
        this.run = lease.run();
        this.catalog = catalog;
        this.runsTable = runsTable == null ? null : runsTable.toString();
        this.quality = quality;
        this.submitted = submitted;
    }

    @Override
    public void open() throws Exception {
        super.open();
        claim = ClaimKeeper.hold(lease);
    }

    /**
     * Collects the committed-committables streams of the job's sinks (their post-commit topologies)
     * and, once all {@code sinks} have handed theirs in, adds the marker downstream of all of them.
     * Runs on the client while the job graph is translated.
     */
    public static final class Topology {
        private final RunMarker marker;
        private final int sinks;
        private final List<DataStream<Long>> committed = new ArrayList<>();
        private final List<DataStream<byte[]>> stats = new ArrayList<>();

        public Topology(RunMarker marker, int sinks) {
            this.marker = marker;
            this.sinks = sinks;
        }

        /** Adds a stream of {@link RunStats} deltas; call before the sinks are translated. */
        public void addStats(DataStream<byte[]> deltas) {
            stats.add(deltas);
        }

        public <CommT> void add(DataStream<CommittableMessage<CommT>> committables) {
            committed.add(
                    committables
                            .flatMap(new CommittedCheckpoints<CommT>())
                            .returns(Types.LONG)
                            .name("committed checkpoints")
                            .global());
            if (committed.size() == sinks) {
                DataStream<Long> all = committed.get(0);
                for (int i = 1; i < committed.size(); i++) {
                    all = all.union(committed.get(i));
                }
                if (stats.isEmpty()) {
                    throw new IllegalStateException("the run marker needs a statistics stream");
                }
                DataStream<byte[]> deltas = stats.get(0);
                for (int i = 1; i < stats.size(); i++) {
                    deltas = deltas.union(stats.get(i));
                }
                all.connect(deltas.global())
                        .transform(UID, Types.VOID, marker)
                        .uid(UID)
                        .name(UID)
                        .setParallelism(1)
                        .setMaxParallelism(1);
            }
        }
    }

    /** The checkpoint id of every committed checkpoint's summary; for logging only. */
    private static final class CommittedCheckpoints<CommT>
            implements FlatMapFunction<CommittableMessage<CommT>, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(CommittableMessage<CommT> message, Collector<Long> out) {
            if (message instanceof CommittableSummary<CommT> summary) {
                out.collect(summary.getCheckpointId());
            }
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        runState =
                context.getOperatorStateStore()
                        .getListState(new ListStateDescriptor<>("batchscore-run", Types.STRING));
        statsState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>(
                                        "batchscore-run-stats", RunStatsOperator.TYPE));
        startedState =
                context.getOperatorStateStore()
                        .getListState(
                                new ListStateDescriptor<>("batchscore-run-started", Types.LONG));
        stats = new RunStats();
        startedAt = System.currentTimeMillis();
        if (context.isRestored()) {
            for (String saved : runState.get()) {
                checkRestoredRun(RunIdentity.parse(saved));
            }
            for (byte[] saved : statsState.get()) {
                stats.merge(RunStats.fromBytes(saved));
            }
            for (Long saved : startedState.get()) {
                startedAt = saved; // absent after a stop's savepoint: the resumed part is new
            }
        }
    }

    private void checkRestoredRun(RunIdentity saved) {
        RunIdentity planned = RunIdentity.of(run);
        if (!saved.pipelineId().equals(planned.pipelineId())
                || !saved.runId().equals(planned.runId())) {
            throw new IllegalStateException(
                    "the restored savepoint belongs to run "
                            + saved.runId()
                            + " of pipeline '"
                            + saved.pipelineId()
                            + "', but this job was planned as run "
                            + planned.runId()
                            + " of pipeline '"
                            + planned.pipelineId()
                            + "': resume it with --resume-from (or execution.state-recovery.path)"
                            + " and pipeline.id '"
                            + saved.pipelineId()
                            + "', without pipeline.run-id, so the run keeps its id and range");
        }
        if (saved.end() != null && planned.end() != null && !saved.end().equals(planned.end())) {
            throw new IllegalStateException(
                    "the restored savepoint of run "
                            + saved.runId()
                            + " stops at "
                            + saved.end()
                            + " but the run ledger says the run stops at "
                            + planned.end()
                            + ": this savepoint does not belong to the run the ledger knows; start"
                            + " a new run without it (starting-offsets: resume skips what was"
                            + " committed)");
        }
    }

    @Override
    public void processElement1(StreamRecord<Long> element) {
        commits++;
    }

    @Override
    public void processElement2(StreamRecord<byte[]> element) {
        stats.merge(RunStats.fromBytes(element.getValue()));
    }

    @Override
    public void endInput(int inputId) {
        if (++inputsEnded == 2) {
            inputEnded = true;
        }
    }

    @Override
    public OperatorSnapshotFutures snapshotState(
            long checkpointId,
            long timestamp,
            CheckpointOptions checkpointOptions,
            CheckpointStreamFactory factory)
            throws Exception {
        if (checkpointOptions.getCheckpointType() instanceof SavepointType savepoint
                && savepoint.isSynchronous()) {
            // A stop-with-savepoint: this part of the run ends with it.
            stopSavepointId = checkpointId;
            if (inputEnded) {
                // A stop-with-savepoint --drain ended the input, not the end of the topic range.
                stopped = true;
            }
        }
        return super.snapshotState(checkpointId, timestamp, checkpointOptions, factory);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        runState.update(List.of(RunIdentity.of(run).format()));
        if (context.getCheckpointId() == stopSavepointId) {
            // The row of the stopped part is written when this task closes: the part resumed from
            // this savepoint counts from zero, so the two rows add up.
            statsState.clear();
            startedState.clear();
        } else {
            statsState.update(List.of(stats.toBytes()));
            startedState.update(List.of(startedAt));
        }
    }

    @Override
    public void notifyCheckpointAborted(long checkpointId) throws Exception {
        if (checkpointId == stopSavepointId) {
            stopSavepointId = -1; // the stop failed: the run goes on
            stopped = false;
        }
        super.notifyCheckpointAborted(checkpointId);
    }

    @Override
    public void close() throws Exception {
        try {
            var task = getContainingTask();
            boolean healthy = !task.isCanceled() && !task.isFailing();
            if (inputEnded && !stopped && healthy) {
                markComplete();
                recordRun(true);
            } else if (stopSavepointId >= 0 && healthy) {
                recordRun(false);
                releaseClaim(); // the resumed job claims again, however it is submitted
            }
            if (inputEnded && stopped) {
                LOG.info(
                        "Run {} of pipeline {} was stopped with a savepoint (drained): not"
                                + " complete",
                        run.runId(),
                        run.pipelineId());
            }
        } finally {
            if (claim != null) {
                claim.close();
            }
            if (inputEnded) {
                // The run is over in this JVM, complete or stopped.
                ClaimKeeper.stop(run, lease.token());
            }
            super.close();
        }
    }

    private void markComplete() throws Exception {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            // Fenced: the marker is committed only while this run holds its claim.
            try (TableLoader loader = ClaimFence.loader(lease.table().clone(), lease, true)) {
                loader.open();
                RunLedger ledger = new RunLedger(loader.loadTable());
                if (ledger.isComplete(run.pipelineId(), run.runId())) {
                    // A rerun of a complete run (same pipeline.run-id), or a retry: only the claim
                    // is left to end.
                    ledger.release(run, lease.token());
                } else {
                    ledger.markComplete(run); // releases the claim in the same commit
                }
                LOG.info(
                        "Run {} of pipeline {}: input ended, {} commit(s) seen; marked complete",
                        run.runId(),
                        run.pipelineId(),
                        commits);
                return;
            } catch (RunFencedException e) {
                throw e; // another run holds the pipeline: retrying cannot help
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("Committing the complete marker failed (attempt {})", attempt, e);
                Thread.sleep(500L * attempt);
            }
        }
        throw last;
    }

    /** Releases the run's claim after a stop with a savepoint; a failure is only logged. */
    private void releaseClaim() {
        try (TableLoader loader = lease.table().clone()) {
            loader.open();
            new RunLedger(loader.loadTable()).release(run, lease.token());
        } catch (Exception e) {
            LOG.warn(
                    "Could not release the claim of run {} after its stop (it is taken over once"
                            + " its heartbeats stop for pipeline.claim-timeout): {}",
                    run.runId(),
                    e.toString());
        }
    }

    /**
     * Appends this run's (or this part's) row to the runs table; a failure is logged, never fails
     * the run: its data and its complete marker are committed already.
     */
    private void recordRun(boolean complete) throws InterruptedException {
        if (catalog == null) {
            return;
        }
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            Catalog loaded = catalog.loadCatalog();
            try {
                Table table =
                        RunHistory.ensure(
                                loaded, TableIdentifier.parse(runsTable), java.util.Map.of());
                RunHistory.Row row = row(table, complete);
                for (String v : row.violations()) {
                    LOG.warn("Run {} of pipeline {}: {}", run.runId(), run.pipelineId(), v);
                }
                if (complete) {
                    // The complete marker, fenced, ended the claim: this row follows it.
                    RunHistory.append(table, row);
                } else {
                    try (TableLoader scored = lease.table().clone()) {
                        scored.open();
                        // Fenced on the scored table's claim: no row for a run that lost it.
                        RunHistory.append(ClaimFence.other(table, scored.loadTable(), lease), row);
                    } catch (java.io.IOException e) {
                        LOG.debug("Closing the scored table's loader failed", e);
                    }
                }
                LOG.info(
                        "Run {} of pipeline {}: recorded in {} ({}, {} violation(s))",
                        run.runId(),
                        run.pipelineId(),
                        runsTable,
                        row.ended(),
                        row.violations().size());
                return;
            } catch (RunFencedException e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warn("Recording the run in {} failed (attempt {})", runsTable, attempt, e);
                Thread.sleep(500L * attempt);
            } finally {
                if (loaded instanceof AutoCloseable closeable) {
                    try {
                        closeable.close();
                    } catch (Exception e) {
                        LOG.debug("Closing the catalog failed", e);
                    }
                }
            }
        }
    }

    private RunHistory.Row row(Table table, boolean complete) {
        Instant started = Instant.ofEpochMilli(startedAt);
        Instant finished = Instant.now();
        var previous = RunHistory.previousComplete(table, run.pipelineId(), run.runId());
        List<RunHistory.OutputStats> outputs = new ArrayList<>();
        for (var e : stats.columns().entrySet()) {
            Double psi =
                    previous.flatMap(p -> p.output(e.getKey()))
                            .map(RunHistory.OutputStats::kll)
                            .map(expected -> RunStats.psi(expected, e.getValue().sketch()))
                            .orElse(null);
            outputs.add(RunHistory.OutputStats.of(e.getKey(), e.getValue(), psi));
        }
        Long newest = stats.newestTimestamp();
        Long oldest = stats.oldestTimestamp();
        double seconds = Math.max(Duration.between(started, finished).toMillis(), 1) / 1000.0;
        RunHistory.Row row =
                new RunHistory.Row(
                        run.pipelineId(),
                        run.runId(),
                        started,
                        finished,
                        submitted,
                        complete ? RunHistory.COMPLETE : RunHistory.STOPPED,
                        run.model(),
                        run.modelVersion(),
                        stats.read(),
                        stats.scored(),
                        stats.deadLettered(),
                        complete
                                ? Math.max(0, stats.read() - stats.scored() - stats.deadLettered())
                                : null,
                        run.start() == null ? run.startingOffsets() : run.start().format(),
                        run.end() == null ? null : run.end().format(),
                        oldest == null ? null : Instant.ofEpochMilli(oldest),
                        newest == null ? null : Instant.ofEpochMilli(newest),
                        newest == null ? null : Math.max(0, startedAt - newest),
                        run.start() != null && run.end() != null
                                ? run.start().countUntil(run.end())
                                : null,
                        stats.scored() / seconds,
                        outputs,
                        List.of(),
                        quality.onViolation(),
                        false);
        List<String> violations = quality.violations(row, complete);
        return new RunHistory.Row(
                row.pipelineId(),
                row.runId(),
                row.startedAt(),
                row.finishedAt(),
                row.submitted(),
                row.ended(),
                row.model(),
                row.modelVersion(),
                row.recordsRead(),
                row.recordsScored(),
                row.recordsDeadLettered(),
                row.recordsSkipped(),
                row.startOffsets(),
                row.endOffsets(),
                row.oldestRecordAt(),
                row.newestRecordAt(),
                row.inputAgeMs(),
                row.lagAtStartRecords(),
                row.rowsPerSecond(),
                row.outputs(),
                violations,
                row.onViolation(),
                quality.fail() && !violations.isEmpty());
    }

    /** What identifies a run across a restore, as kept in the operator state. */
    record RunIdentity(String pipelineId, String runId, SourcePositions end) {
        static RunIdentity of(Run run) {
            return new RunIdentity(run.pipelineId(), run.runId(), run.end());
        }

        String format() {
            return pipelineId + "\n" + runId + "\n" + (end == null ? "" : end.format());
        }

        static RunIdentity parse(String text) {
            String[] parts = text.split("\n", -1);
            Objects.checkIndex(2, parts.length);
            return new RunIdentity(
                    parts[0],
                    parts[1],
                    parts[2].isEmpty() ? null : SourcePositions.parse(parts[2]));
        }
    }
}
