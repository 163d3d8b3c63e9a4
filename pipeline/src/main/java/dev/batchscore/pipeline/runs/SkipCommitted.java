package dev.batchscore.pipeline.runs;

import dev.batchscore.operators.KafkaRecord;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Right after the Kafka source: drops every record whose position the pipeline already committed
 * ({@link CommittedPositions}). Whether the run's input ended is the {@link RunMarker}'s call.
 */
public final class SkipCommitted extends AbstractStreamOperator<KafkaRecord>
        implements OneInputStreamOperator<KafkaRecord, KafkaRecord> {
    private static final long serialVersionUID = 1L;

    /** The operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "skip-committed";

    public static final String SKIPPED = "batchscore.skipped-committed-records";

    private final CommittedPositions committed;
    private final ClaimKeeper.Lease lease;

    /** What the operator read since the last barrier, for the run history ({@link RunStats}). */
    public static final org.apache.flink.util.OutputTag<byte[]> STATS =
            new org.apache.flink.util.OutputTag<>("run-stats-read", RunStatsOperator.TYPE);

    private transient LongCounter skipped;
    private transient RunStats delta;
    private transient AutoCloseable claim;

    /**
     * @param committed the positions to drop
     * @param lease the run's claim on its pipeline, held while this operator is open
     */
    public SkipCommitted(CommittedPositions committed, ClaimKeeper.Lease lease) {
        this.committed = committed;
        this.lease = lease;
    }

    @Override
    public void open() throws Exception {
        super.open();
        skipped = new LongCounter();
        getRuntimeContext().addAccumulator(SKIPPED, skipped);
        claim = ClaimKeeper.hold(lease);
        delta = new RunStats();
    }

    @Override
    public void processElement(StreamRecord<KafkaRecord> element) {
        KafkaRecord r = element.getValue();
        if (!committed.isEmpty() && committed.contains(r.topic, r.partition, r.offset)) {
            skipped.add(1);
            return;
        }
        delta.addRead(r.timestamp);
        output.collect(element);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) {
        flushStats();
    }

    @Override
    public void finish() throws Exception {
        flushStats();
        super.finish();
    }

    private void flushStats() {
        if (!delta.isEmpty()) {
            output.collect(STATS, new StreamRecord<>(delta.toBytes()));
            delta = new RunStats();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (claim != null) {
                claim.close();
            }
        } finally {
            super.close();
        }
    }

    /** Records dropped because the pipeline had already committed them. */
    public static long skipped(JobExecutionResult result) {
        Long n = result.getAccumulatorResult(SKIPPED);
        return n == null ? 0 : n;
    }
}
