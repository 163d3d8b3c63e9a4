package dev.batchscore.operators;

import java.time.Duration;
import org.apache.flink.api.common.state.ReducingState;
import org.apache.flink.api.common.state.ReducingStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.windowing.triggers.Trigger;
import org.apache.flink.streaming.api.windowing.triggers.TriggerResult;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;

/**
 * Fires a {@link GlobalWindow} (FIRE_AND_PURGE) when it holds {@code batchSize} elements, when
 * {@code maxDelay} of processing time has passed since the first element of the pending batch, or
 * at the end of input.
 *
 * <p>End of input is detected through an event-time timer at {@link GlobalWindow#maxTimestamp()}:
 * the final watermark ({@code Long.MAX_VALUE}) fires it in BATCH mode and in STREAMING mode with
 * checkpoints, where {@code CountTrigger} drops the partial window and {@code
 * GlobalWindows.createWithEndOfStreamTrigger()} fails. Timers and state are reset every time the
 * trigger fires: {@code WindowOperator} never calls {@link #clear} for a global window (its cleanup
 * time never comes), so the trigger cleans up after itself.
 */
public final class BatchTrigger extends Trigger<Object, GlobalWindow> {
    private static final long serialVersionUID = 1L;

    private final int batchSize;
    private final long maxDelayMillis;

    private final ReducingStateDescriptor<Long> countDesc =
            new ReducingStateDescriptor<>("batch-count", Long::sum, Types.LONG);
    private final ValueStateDescriptor<Long> deadlineDesc =
            new ValueStateDescriptor<>("batch-deadline", Types.LONG);

    private BatchTrigger(int batchSize, Duration maxDelay) {
        if (batchSize < 1) {
            throw new IllegalArgumentException(
                    "batchSize is " + batchSize + "; it must be at least 1");
        }
        if (maxDelay == null || maxDelay.isNegative() || maxDelay.isZero()) {
            throw new IllegalArgumentException("maxDelay is " + maxDelay + "; it must be positive");
        }
        this.batchSize = batchSize;
        this.maxDelayMillis = maxDelay.toMillis() == 0 ? 1 : maxDelay.toMillis();
    }

    public static BatchTrigger of(int batchSize, Duration maxDelay) {
        return new BatchTrigger(batchSize, maxDelay);
    }

    public int batchSize() {
        return batchSize;
    }

    public Duration maxDelay() {
        return Duration.ofMillis(maxDelayMillis);
    }

    @Override
    public TriggerResult onElement(
            Object element, long timestamp, GlobalWindow window, TriggerContext ctx)
            throws Exception {
        ReducingState<Long> count = ctx.getPartitionedState(countDesc);
        count.add(1L);
        long n = count.get();
        if (n >= batchSize) {
            reset(window, ctx);
            return TriggerResult.FIRE_AND_PURGE;
        }
        if (n == 1) {
            long deadline = ctx.getCurrentProcessingTime() + maxDelayMillis;
            ctx.getPartitionedState(deadlineDesc).update(deadline);
            ctx.registerProcessingTimeTimer(deadline);
            // Same timestamp every batch, so the timer service keeps a single timer per key.
            ctx.registerEventTimeTimer(window.maxTimestamp());
        }
        return TriggerResult.CONTINUE;
    }

    @Override
    public TriggerResult onProcessingTime(long time, GlobalWindow window, TriggerContext ctx)
            throws Exception {
        Long deadline = ctx.getPartitionedState(deadlineDesc).value();
        // A timer of an already fired batch is stale when its deletion raced with its firing.
        if (deadline == null || time < deadline) {
            return TriggerResult.CONTINUE;
        }
        return fireIfPending(window, ctx);
    }

    @Override
    public TriggerResult onEventTime(long time, GlobalWindow window, TriggerContext ctx)
            throws Exception {
        if (time < window.maxTimestamp()) {
            return TriggerResult.CONTINUE;
        }
        return fireIfPending(window, ctx);
    }

    private TriggerResult fireIfPending(GlobalWindow window, TriggerContext ctx) throws Exception {
        Long n = ctx.getPartitionedState(countDesc).get();
        if (n == null || n == 0) {
            return TriggerResult.CONTINUE;
        }
        reset(window, ctx);
        return TriggerResult.FIRE_AND_PURGE;
    }

    /** Forgets the fired batch: its count and its delay timer. */
    private void reset(GlobalWindow window, TriggerContext ctx) throws Exception {
        ctx.getPartitionedState(countDesc).clear();
        ValueState<Long> deadline = ctx.getPartitionedState(deadlineDesc);
        Long t = deadline.value();
        if (t != null) {
            ctx.deleteProcessingTimeTimer(t);
            deadline.clear();
        }
    }

    @Override
    public void clear(GlobalWindow window, TriggerContext ctx) throws Exception {
        reset(window, ctx);
        ctx.deleteEventTimeTimer(window.maxTimestamp());
    }

    @Override
    public String toString() {
        return "BatchTrigger(" + batchSize + ", " + maxDelayMillis + " ms)";
    }
}
