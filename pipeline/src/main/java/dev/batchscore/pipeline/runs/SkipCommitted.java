package dev.batchscore.pipeline.runs;

import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.operators.ScoringFunction;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.accumulators.IntCounter;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Right after the Kafka source: drops every record whose position the pipeline already committed
 * ({@link CommittedPositions}), and tells end of input apart from a stop.
 *
 * <p>Only the end of input sends the final {@code Long.MAX_VALUE} watermark downstream; a
 * stop-with-savepoint (without {@code --drain}) or a failure does not. Each subtask that sees it
 * adds one to the {@link #END_OF_INPUT} accumulator, each subtask that opens adds one to {@link
 * #SUBTASKS}: the run's input ended iff both are equal in the {@link JobExecutionResult} ({@link
 * #inputEnded}).
 */
public final class SkipCommitted extends AbstractStreamOperator<KafkaRecord>
        implements OneInputStreamOperator<KafkaRecord, KafkaRecord> {
    private static final long serialVersionUID = 1L;

    /** The operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "skip-committed";

    public static final String END_OF_INPUT = "batchscore.end-of-input-subtasks";
    public static final String SUBTASKS = "batchscore.skip-committed-subtasks";
    public static final String SKIPPED = "batchscore.skipped-committed-records";

    private final CommittedPositions committed;

    private transient IntCounter endOfInput;
    private transient LongCounter skipped;

    public SkipCommitted(CommittedPositions committed) {
        this.committed = committed;
    }

    @Override
    public void open() throws Exception {
        super.open();
        IntCounter subtasks = new IntCounter();
        endOfInput = new IntCounter();
        skipped = new LongCounter();
        getRuntimeContext().addAccumulator(SUBTASKS, subtasks);
        getRuntimeContext().addAccumulator(END_OF_INPUT, endOfInput);
        getRuntimeContext().addAccumulator(SKIPPED, skipped);
        subtasks.add(1);
    }

    @Override
    public void processElement(StreamRecord<KafkaRecord> element) {
        KafkaRecord r = element.getValue();
        if (!committed.isEmpty() && committed.contains(r.topic, r.partition, r.offset)) {
            skipped.add(1);
            return;
        }
        output.collect(element);
    }

    @Override
    public void processWatermark(Watermark mark) throws Exception {
        if (mark.getTimestamp() == Long.MAX_VALUE) {
            endOfInput.add(1);
        }
        super.processWatermark(mark);
    }

    /** Whether every subtask of the finished job saw the end of its input. */
    public static boolean inputEnded(JobExecutionResult result) {
        Integer ended = result.getAccumulatorResult(END_OF_INPUT);
        Integer subtasks = result.getAccumulatorResult(SUBTASKS);
        return ended != null && subtasks != null && subtasks > 0 && ended.equals(subtasks);
    }

    /** Records dropped because the pipeline had already committed them. */
    public static long skipped(JobExecutionResult result) {
        Long n = result.getAccumulatorResult(SKIPPED);
        return n == null ? 0 : n;
    }

    /**
     * Records the {@code score} operator dropped because the pipeline had already committed them:
     * micro-batches restored from a savepoint that an earlier resume of it committed. Not part of
     * the read / scored / dead-lettered / skipped counts.
     */
    public static long droppedAtScoring(JobExecutionResult result) {
        Object n = result.getAccumulatorResult(ScoringFunction.ACC_ALREADY_COMMITTED);
        return n instanceof Number number ? number.longValue() : 0;
    }
}
