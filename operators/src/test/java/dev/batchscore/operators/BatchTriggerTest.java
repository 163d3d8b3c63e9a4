package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.streaming.runtime.operators.windowing.WindowOperatorBuilder;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link BatchTrigger} inside Flink's real {@code WindowOperator} over {@link GlobalWindows},
 * driven by the operator test harness (which controls processing time and watermarks).
 */
class BatchTriggerTest {
    /** Elements are "key:n"; the key is the part before the colon. */
    private static final KeySelector<String, String> KEY = s -> s.substring(0, s.indexOf(':'));

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> harness;

    @AfterEach
    void closeHarness() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> open(
            int batchSize, long maxDelayMs) throws Exception {
        return open(batchSize, maxDelayMs, null);
    }

    private KeyedOneInputStreamOperatorTestHarness<String, String, String> open(
            int batchSize, long maxDelayMs, OperatorSubtaskState restore) throws Exception {
        WindowOperatorBuilder<String, String, GlobalWindow> builder =
                new WindowOperatorBuilder<>(
                        GlobalWindows.create(),
                        BatchTrigger.of(batchSize, Duration.ofMillis(maxDelayMs)),
                        new ExecutionConfig(),
                        Types.STRING,
                        KEY,
                        Types.STRING);
        OneInputStreamOperator<String, String> operator = builder.process(new JoinBatch());
        KeyedOneInputStreamOperatorTestHarness<String, String, String> h =
                new KeyedOneInputStreamOperatorTestHarness<>(operator, KEY, Types.STRING);
        h.setProcessingTime(0);
        if (restore != null) {
            h.initializeState(restore);
        }
        h.open();
        return h;
    }

    /** Emits a batch as "a:1,a:2,a:3" so that tests can see batch boundaries. */
    private static final class JoinBatch
            extends ProcessWindowFunction<String, String, String, GlobalWindow> {
        @Override
        public void process(
                String key, Context ctx, Iterable<String> elements, Collector<String> out) {
            List<String> all = new ArrayList<>();
            elements.forEach(all::add);
            out.collect(String.join(",", all));
        }
    }

    private static void feed(
            KeyedOneInputStreamOperatorTestHarness<String, String, String> h, String... elements)
            throws Exception {
        for (String e : elements) {
            h.processElement(e, 0L);
        }
    }

    @Test
    void firesAndPurgesAtBatchSize() throws Exception {
        harness = open(3, 60_000);
        feed(harness, "a:1", "a:2", "a:3", "a:4", "a:5", "a:6", "a:7");

        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2,a:3", "a:4,a:5,a:6");
    }

    @Test
    void flushesThePartialBatchOnTheFinalWatermark() throws Exception {
        harness = open(3, 60_000);
        feed(harness, "a:1", "a:2", "a:3", "a:4", "b:1");

        harness.processWatermark(Long.MAX_VALUE);

        assertThat(harness.extractOutputValues())
                .containsExactlyInAnyOrder("a:1,a:2,a:3", "a:4", "b:1");
    }

    @Test
    void emitsNothingAtEndOfInputWhenNoBatchIsPending() throws Exception {
        harness = open(2, 60_000);
        feed(harness, "a:1", "a:2");

        harness.processWatermark(Long.MAX_VALUE);

        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2");
    }

    @Test
    void firesAfterMaxDelayOfProcessingTimeSinceTheFirstPendingElement() throws Exception {
        harness = open(100, 1_000);
        harness.setProcessingTime(10);
        feed(harness, "a:1");
        harness.setProcessingTime(500);
        feed(harness, "a:2");

        harness.setProcessingTime(1_009);
        assertThat(harness.extractOutputValues()).isEmpty();

        harness.setProcessingTime(1_010);
        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2");
        assertThat(harness.numProcessingTimeTimers()).isZero();

        // The next batch gets its own deadline, counted from its own first element.
        harness.setProcessingTime(1_500);
        feed(harness, "a:3");
        harness.setProcessingTime(2_499);
        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2");
        harness.setProcessingTime(2_500);
        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2", "a:3");
    }

    @Test
    void aCountFireDeletesTheDelayTimerAndResetsTheCount() throws Exception {
        harness = open(2, 1_000);
        feed(harness, "a:1", "a:2");
        assertThat(harness.numProcessingTimeTimers()).isZero();

        feed(harness, "a:3");
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        // Were the count not reset by the fire, this element would close a batch of one.
        harness.setProcessingTime(999);
        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2");
        feed(harness, "a:4");
        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2", "a:3,a:4");
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }

    @Test
    void keepsOneEndOfInputTimerPerKeyNotOnePerBatch() throws Exception {
        harness = open(2, 60_000);
        feed(harness, "a:1", "a:2", "a:3", "a:4", "a:5", "b:1");

        assertThat(harness.numEventTimeTimers()).isEqualTo(2);
    }

    @Test
    void keysBatchIndependently() throws Exception {
        harness = open(2, 60_000);
        feed(harness, "a:1", "b:1", "a:2", "b:2", "c:1");

        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2", "b:1,b:2");
    }

    @Test
    void aPendingBatchSurvivesACheckpointAndRestore() throws Exception {
        harness = open(3, 60_000);
        feed(harness, "a:1", "a:2");
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = open(3, 60_000, snapshot);
        // The restored count is 2, so one more element completes the batch.
        feed(harness, "a:3");
        feed(harness, "a:4");
        harness.processWatermark(Long.MAX_VALUE);

        assertThat(harness.extractOutputValues()).containsExactly("a:1,a:2,a:3", "a:4");
    }

    @Test
    void rejectsNonsenseSettings() {
        assertThatThrownBy(() -> BatchTrigger.of(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batchSize is 0");
        assertThatThrownBy(() -> BatchTrigger.of(10, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxDelay");
    }
}
