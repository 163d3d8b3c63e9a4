package dev.batchscore.it;

import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A Kafka consumer interceptor (a real Kafka client extension point, set through {@code
 * source.kafka.properties.interceptor.classes}) that slows every poll down so a bounded run of a
 * few hundred records lasts long enough to be stopped or to lose a TaskManager half way, and counts
 * the records the job's readers have consumed so a test can act at a chosen point of progress
 * rather than after a chosen time.
 *
 * <p>{@code batchscore.it.poll-delay-ms} (a consumer property) sets the pause per non-empty poll.
 */
public final class ThrottlingInterceptor implements ConsumerInterceptor<byte[], byte[]> {
    public static final String DELAY_KEY = "batchscore.it.poll-delay-ms";

    /** Records handed to the source readers since {@link #reset()}, across all consumers. */
    public static final AtomicLong CONSUMED = new AtomicLong();

    private long delayMs;

    /**
     * Job options that install this interceptor on the job's Kafka source: 5 records per poll and
     * {@code delayMs} per poll, so a reader's progress is slow and steady.
     */
    static List<String> jobArgs(int delayMs) {
        return List.of(
                "--source.kafka.properties.max.poll.records",
                "5",
                "--source.kafka.properties.interceptor.classes",
                ThrottlingInterceptor.class.getName(),
                "--source.kafka.properties." + DELAY_KEY,
                Integer.toString(delayMs));
    }

    public static void reset() {
        CONSUMED.set(0);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object delay = configs.get(DELAY_KEY);
        delayMs = delay == null ? 0 : Long.parseLong(delay.toString());
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        if (!records.isEmpty() && delayMs > 0) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        CONSUMED.addAndGet(records.count());
        return records;
    }

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}
}
