package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code batch.*} options: how records are grouped into model calls.
 *
 * @param size records per model call
 * @param maxDelay a batch that is not full fires this long after its first record
 * @param buckets keys records are spread over; 0 means 4 x parallelism
 */
public record BatchSettings(int size, Duration maxDelay, int buckets) {

    public BatchSettings {
        Objects.requireNonNull(maxDelay, BATCH_MAX_DELAY.key());
        if (size <= 0) {
            throw ConfigException.invalid(BATCH_SIZE, size, "expected a positive number");
        }
        if (maxDelay.isNegative() || maxDelay.isZero()) {
            throw ConfigException.invalid(
                    BATCH_MAX_DELAY,
                    maxDelay,
                    "expected a positive duration such as 500 ms or 2 s");
        }
        if (buckets < 0) {
            throw ConfigException.invalid(BATCH_BUCKETS, buckets, "expected 0 or more");
        }
    }

    /** {@code size} records per call, with the default delay and buckets. */
    public static BatchSettings of(int size) {
        return new BatchSettings(
                size, BATCH_MAX_DELAY.defaultValue(), BATCH_BUCKETS.defaultValue());
    }

    public static BatchSettings defaults() {
        return of(BATCH_SIZE.defaultValue());
    }

    static BatchSettings from(JobConfig config) {
        return new BatchSettings(
                config.get(BATCH_SIZE), config.get(BATCH_MAX_DELAY), config.get(BATCH_BUCKETS));
    }

    public BatchSettings withMaxDelay(Duration delay) {
        return new BatchSettings(size, delay, buckets);
    }

    public BatchSettings withBuckets(int n) {
        return new BatchSettings(size, maxDelay, n);
    }
}
