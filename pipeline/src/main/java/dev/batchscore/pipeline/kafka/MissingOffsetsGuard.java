package dev.batchscore.pipeline.kafka;

import static dev.batchscore.pipeline.config.BatchscoreOptions.SOURCE_KAFKA_ON_MISSING_OFFSETS;

import java.io.Serializable;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.runtime.throwable.ThrowableAnnotation;
import org.apache.flink.runtime.throwable.ThrowableType;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * No silent jumps: a reader that must read from an offset Kafka no longer has fails the run with
 * one line, instead of jumping to the log start.
 *
 * <p>Where it happens: a split restored from a checkpoint (a failover) or a savepoint (a resume
 * after {@code batchscore stop}) carries the offset its reader had reached; retention may have
 * deleted it since. The connector sets the consumer's {@code auto.offset.reset} from the starting
 * offsets initializer ({@code KafkaSourceBuilder} overrides any user value), and with the default
 * {@code earliest} the consumer moves to the log start without a trace: the records in between are
 * never scored and the run still completes. {@link #startingAt} makes that strategy {@code none},
 * so the consumer throws {@link OffsetOutOfRangeException}; {@link #wrap} turns it into {@link
 * MissingOffsetsException}, which names the partition, the offset and the log start now, and which
 * Flink does not restart (the restore would fail the same way each time).
 */
public final class MissingOffsetsGuard implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String bootstrapServers;
    private final Properties clientProperties;

    public MissingOffsetsGuard(String bootstrapServers, Properties clientProperties) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = new Properties();
        this.clientProperties.putAll(clientProperties);
    }

    /**
     * {@code initializer}'s starting offsets, with a consumer that fails rather than resets when an
     * offset is out of range. Not for committed offsets: there the reset strategy is what picks the
     * start of a partition the group never committed.
     */
    static OffsetsInitializer startingAt(OffsetsInitializer initializer) {
        return new NoResetOffsetsInitializer(initializer);
    }

    /** {@code reader}, failing with {@link MissingOffsetsException} for an out-of-range offset. */
    public <T, SplitT extends SourceSplit> SourceReader<T, SplitT> wrap(
            SourceReader<T, SplitT> reader) {
        return new GuardedReader<>(reader, this);
    }

    /** The failure to report for {@code e}, or {@code e} itself if no offset was out of range. */
    Exception translate(Exception e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof OffsetOutOfRangeException out) {
                Map<TopicPartition, Long> needed = out.offsetOutOfRangePartitions();
                return new MissingOffsetsException(needed, logStarts(needed), e);
            }
        }
        return e;
    }

    /** The log start offset of each partition, or an empty map if Kafka cannot say. */
    private Map<TopicPartition, Long> logStarts(Map<TopicPartition, Long> partitions) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.keySet().forEach(tp -> specs.put(tp, OffsetSpec.earliest()));
        try (Admin admin = Admin.create(props)) {
            return KafkaOffsets.offsets(admin, specs, new ListOffsetsOptions());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        } catch (Exception e) {
            return Map.of();
        }
    }

    /**
     * A run's reader needed offsets that Kafka had deleted (by retention, or deleteRecords). Not
     * restarted by Flink: a restore from the same checkpoint would need the same offsets.
     */
    @ThrowableAnnotation(ThrowableType.NonRecoverableError)
    public static final class MissingOffsetsException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingOffsetsException(
                Map<TopicPartition, Long> needed,
                Map<TopicPartition, Long> logStarts,
                Throwable e) {
            super(message(needed, logStarts), e);
        }

        private static String message(
                Map<TopicPartition, Long> needed, Map<TopicPartition, Long> logStarts) {
            StringBuilder where = new StringBuilder();
            needed.forEach(
                    (tp, offset) -> {
                        if (where.length() > 0) {
                            where.append(", nor ");
                        }
                        Long start = logStarts.get(tp);
                        where.append("offset ")
                                .append(offset)
                                .append(" of partition ")
                                .append(tp)
                                .append(
                                        start == null
                                                ? " (its log start is unknown)"
                                                : " (its log now starts at " + start + ")");
                    });
            return "Kafka no longer has "
                    + where
                    + ", which the run must read next: deleted (by retention or deleteRecords)"
                    + " after the run planned, checkpointed or saved it. The run stops here and is"
                    + " not complete; nothing was skipped silently. To go on without those"
                    + " records, start a new run (without --resume-from) with"
                    + " --source.kafka.starting-offsets resume --"
                    + SOURCE_KAFKA_ON_MISSING_OFFSETS.key()
                    + " skip: it records the gap as batchscore.missing-positions";
        }
    }

    /** Starting offsets as {@code delegate}'s; out-of-range offsets fail the consumer. */
    private static final class NoResetOffsetsInitializer implements OffsetsInitializer {
        private static final long serialVersionUID = 1L;

        private final OffsetsInitializer delegate;

        NoResetOffsetsInitializer(OffsetsInitializer delegate) {
            this.delegate = delegate;
        }

        @Override
        public Map<TopicPartition, Long> getPartitionOffsets(
                Collection<TopicPartition> partitions,
                PartitionOffsetsRetriever partitionOffsetsRetriever) {
            return delegate.getPartitionOffsets(partitions, partitionOffsetsRetriever);
        }

        @Override
        @SuppressWarnings("deprecation") // the connector's interface still takes the old enum
        public OffsetResetStrategy getAutoOffsetResetStrategy() {
            return OffsetResetStrategy.NONE;
        }
    }

    /** Delegates everything; translates a failure of {@link #pollNext}. */
    private static final class GuardedReader<T, SplitT extends SourceSplit>
            implements SourceReader<T, SplitT> {
        private final SourceReader<T, SplitT> delegate;
        private final MissingOffsetsGuard guard;

        GuardedReader(SourceReader<T, SplitT> delegate, MissingOffsetsGuard guard) {
            this.delegate = delegate;
            this.guard = guard;
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            try {
                return delegate.pollNext(output);
            } catch (Exception e) {
                throw guard.translate(e);
            }
        }

        @Override
        public void start() {
            delegate.start();
        }

        @Override
        public List<SplitT> snapshotState(long checkpointId) {
            return delegate.snapshotState(checkpointId);
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            return delegate.isAvailable();
        }

        @Override
        public void addSplits(List<SplitT> splits) {
            delegate.addSplits(splits);
        }

        @Override
        public void notifyNoMoreSplits() {
            delegate.notifyNoMoreSplits();
        }

        @Override
        public void handleSourceEvents(SourceEvent sourceEvent) {
            delegate.handleSourceEvents(sourceEvent);
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) throws Exception {
            delegate.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void notifyCheckpointAborted(long checkpointId) throws Exception {
            delegate.notifyCheckpointAborted(checkpointId);
        }

        @Override
        public void pauseOrResumeSplits(
                Collection<String> splitsToPause, Collection<String> splitsToResume) {
            delegate.pauseOrResumeSplits(splitsToPause, splitsToResume);
        }

        @Override
        public void close() throws Exception {
            delegate.close();
        }
    }
}
