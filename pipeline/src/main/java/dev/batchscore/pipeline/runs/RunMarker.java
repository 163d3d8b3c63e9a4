package dev.batchscore.pipeline.runs;

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
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.operators.OperatorSnapshotFutures;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.Collector;
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
 * <p>The run travels in this operator's state: a restore into a job planned for another run (a
 * savepoint of run A restored as run B, or with stopping offsets that disagree with the ledger) is
 * refused, since its source splits would read run A's range under run B's lineage.
 */
public final class RunMarker extends AbstractStreamOperator<Void>
        implements OneInputStreamOperator<Long, Void>, BoundedOneInput {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RunMarker.class);

    /** The operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "run-marker";

    private static final int COMMIT_ATTEMPTS = 5;

    private final ClaimKeeper.Lease lease;
    private final Run run;

    private transient ListState<String> runState;
    private transient boolean inputEnded;
    private transient boolean stopped;
    private transient long commits;
    private transient AutoCloseable claim;

    /**
     * @param lease the run the job was planned as, the scored table that holds its ledger, and its
     *     claim on its pipeline, held while this operator is open
     */
    public RunMarker(ClaimKeeper.Lease lease) {
        this.lease = lease;
        this.run = lease.run();
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

        public Topology(RunMarker marker, int sinks) {
            this.marker = marker;
            this.sinks = sinks;
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
                all.transform(UID, Types.VOID, marker)
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
        if (context.isRestored()) {
            for (String saved : runState.get()) {
                checkRestoredRun(RunIdentity.parse(saved));
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
    public void processElement(StreamRecord<Long> element) {
        commits++;
    }

    @Override
    public void endInput() {
        inputEnded = true;
    }

    @Override
    public OperatorSnapshotFutures snapshotState(
            long checkpointId,
            long timestamp,
            CheckpointOptions checkpointOptions,
            CheckpointStreamFactory factory)
            throws Exception {
        if (inputEnded
                && checkpointOptions.getCheckpointType() instanceof SavepointType savepoint
                && savepoint.isSynchronous()) {
            // A stop-with-savepoint --drain ended the input, not the end of the topic range.
            stopped = true;
        }
        return super.snapshotState(checkpointId, timestamp, checkpointOptions, factory);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        runState.update(List.of(RunIdentity.of(run).format()));
    }

    @Override
    public void close() throws Exception {
        try {
            var task = getContainingTask();
            if (inputEnded && !stopped && !task.isCanceled() && !task.isFailing()) {
                markComplete();
            } else if (inputEnded && stopped) {
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
                ClaimKeeper.stop(run); // the run is over in this JVM, complete or stopped
            }
            super.close();
        }
    }

    private void markComplete() throws Exception {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
            try (TableLoader loader = lease.table().clone()) {
                loader.open();
                RunLedger ledger = new RunLedger(loader.loadTable());
                if (ledger.isComplete(run.pipelineId(), run.runId())) {
                    // A rerun of a complete run (same pipeline.run-id), or a retry: only the claim
                    // is left to end.
                    ledger.release(run);
                } else {
                    ledger.markComplete(run); // releases the claim in the same commit
                }
                LOG.info(
                        "Run {} of pipeline {}: input ended, {} commit(s) seen; marked complete",
                        run.runId(),
                        run.pipelineId(),
                        commits);
                return;
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("Committing the complete marker failed (attempt {})", attempt, e);
                Thread.sleep(500L * attempt);
            }
        }
        throw last;
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
