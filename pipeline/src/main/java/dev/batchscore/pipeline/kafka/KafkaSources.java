package dev.batchscore.pipeline.kafka;

import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.pipeline.config.BatchscoreOptions;
import dev.batchscore.pipeline.config.SourceSettings;
import dev.batchscore.pipeline.config.StartingOffsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.KafkaSourceEnumState;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.split.KafkaPartitionSplit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/** Builds the job's {@link KafkaSource} from the {@code source.kafka.*} settings. */
public final class KafkaSources {
    /** The source operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "kafka-source";

    /** How far above the mean the busiest reader's share may be for {@link #evenOverReaders}. */
    static final double EVEN_SPREAD = 1.1;

    private static final String READ_COMMITTED = "read_committed";

    private KafkaSources() {}

    /**
     * The job's source: the KafkaSource, wrapped so that a bounded run resumed from a savepoint or
     * restarted from a checkpoint still finishes (see {@link BoundedRestoreSource}). {@code start}
     * and {@code end}, when not null, are the exact positions a planned run reads (a {@code resume}
     * or bounded {@code earliest} run); else the settings' starting offsets and the latest offsets
     * at start apply. A reader that finds the offset it must read deleted fails the run (see {@link
     * MissingOffsetsGuard}) rather than jump to the log start. {@code lifetime} (or null) lasts as
     * long as the job's split enumerator.
     */
    public static Source<KafkaRecord, KafkaPartitionSplit, KafkaSourceEnumState> create(
            SourceSettings source,
            Map<TopicPartition, Long> start,
            Map<TopicPartition, Long> end,
            BoundedRestoreSource.EnumeratorLifetime lifetime) {
        return new BoundedRestoreSource<>(
                kafkaSource(source, start, end),
                new MissingOffsetsGuard(source.bootstrapServers(), source.clientProperties()),
                lifetime);
    }

    /** The plain KafkaSource; see {@link #create}. */
    public static KafkaSource<KafkaRecord> kafkaSource(
            SourceSettings source, Map<TopicPartition, Long> start, Map<TopicPartition, Long> end) {
        KafkaSourceBuilder<KafkaRecord> builder =
                KafkaSource.<KafkaRecord>builder()
                        .setBootstrapServers(source.bootstrapServers())
                        .setTopics(source.topics())
                        .setGroupId(source.groupId())
                        .setStartingOffsets(
                                start != null
                                        ? MissingOffsetsGuard.startingAt(
                                                OffsetsInitializer.offsets(start))
                                        : startingOffsets(source.startingOffsets()))
                        .setDeserializer(new KafkaRecordDeserializer())
                        .setProperties(readerProperties(source));
        if (source.bounded()) {
            // "latest" is resolved once when the enumerator starts: records produced later are
            // left for the next run, which is what makes the job finish.
            builder.setBounded(
                    end != null ? OffsetsInitializer.offsets(end) : stoppingAtLatest(source));
        }
        return builder.build();
    }

    /**
     * The source's consumer properties: the user's ({@link SourceSettings#clientProperties}) over
     * the defaults that suit a job reading a topic from end to end ({@link
     * BatchscoreOptions#MAX_POLL_RECORDS}, {@link BatchscoreOptions#RECEIVE_BUFFER_BYTES}, and in a
     * bounded run {@link BatchscoreOptions#BOUNDED_FETCH_MAX_WAIT}, since a reader with records to
     * fetch never waits and this wait is the end of every run).
     */
    static Properties readerProperties(SourceSettings source) {
        Properties props = new Properties();
        props.setProperty(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG,
                Integer.toString(BatchscoreOptions.MAX_POLL_RECORDS));
        props.setProperty(
                ConsumerConfig.RECEIVE_BUFFER_CONFIG,
                Integer.toString(BatchscoreOptions.RECEIVE_BUFFER_BYTES));
        if (source.bounded()) {
            props.setProperty(
                    ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG,
                    Long.toString(BatchscoreOptions.BOUNDED_FETCH_MAX_WAIT.toMillis()));
        }
        props.putAll(source.clientProperties());
        return props;
    }

    /**
     * Where a bounded run without planned end positions stops. The connector's {@code
     * OffsetsInitializer.latest()} asks the Admin client for the high watermark, whatever the
     * consumer's isolation level; a {@code read_committed} reader never gets past the last stable
     * offset, so with a transaction open it would wait for that transaction forever. Those runs
     * stop at the last stable offset instead.
     */
    static OffsetsInitializer stoppingAtLatest(SourceSettings source) {
        return stoppingAtLatest(source.bootstrapServers(), source.clientProperties());
    }

    /** {@link #stoppingAtLatest(SourceSettings)} for a client with these properties. */
    static OffsetsInitializer stoppingAtLatest(String bootstrapServers, Properties props) {
        return isolationLevel(props) == IsolationLevel.READ_COMMITTED
                ? new LastStableOffsetsInitializer(bootstrapServers, props)
                : OffsetsInitializer.latest();
    }

    /** The isolation level {@code props} ask for (Kafka's default, read_uncommitted, if none). */
    public static IsolationLevel isolationLevel(Properties props) {
        String value = props.getProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return value.trim().equalsIgnoreCase(READ_COMMITTED)
                ? IsolationLevel.READ_COMMITTED
                : IsolationLevel.READ_UNCOMMITTED;
    }

    /**
     * The connector's initializer for earliest | latest | committed | timestamp. Except for
     * committed (where the reset strategy starts a partition the group never committed), a restored
     * reader whose offset was deleted fails instead of jumping ({@link MissingOffsetsGuard}).
     */
    @SuppressWarnings("deprecation") // the connector's committedOffsets still takes the old enum
    public static OffsetsInitializer startingOffsets(StartingOffsets offsets) {
        return switch (offsets.kind()) {
            case EARLIEST -> MissingOffsetsGuard.startingAt(OffsetsInitializer.earliest());
            case LATEST -> MissingOffsetsGuard.startingAt(OffsetsInitializer.latest());
            case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case TIMESTAMP ->
                    MissingOffsetsGuard.startingAt(
                            OffsetsInitializer.timestamp(offsets.timestamp()));
            case RESUME ->
                    throw new IllegalArgumentException(
                            "starting offsets 'resume' are planned per run (JobPlan.create): build"
                                    + " the source with the run's start and end positions");
        };
    }

    /**
     * Whether the records from {@code start} to {@code end} spread over {@code readers} source
     * readers evenly enough (the busiest within {@link #EVEN_SPREAD} of the mean) for each reader's
     * records to be scored where they are read. The connector gives a topic's partitions to readers
     * round robin from a start reader of its own (KafkaTopicPartitionAssigner's contract), so the
     * busiest reader gets at most, per topic, the largest sum over the partitions congruent modulo
     * {@code readers}, whatever the start readers are. Null positions (a range not planned): false.
     */
    public static boolean evenOverReaders(
            Map<TopicPartition, Long> start, Map<TopicPartition, Long> end, int readers) {
        if (readers == 1) {
            return true;
        }
        if (start == null || end == null) {
            return false;
        }
        Map<String, long[]> perResidue = new HashMap<>();
        long total = 0;
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            TopicPartition tp = e.getKey();
            Long from = start.get(tp);
            long records = Math.max(0, e.getValue() - (from == null ? e.getValue() : from));
            perResidue
                            .computeIfAbsent(tp.topic(), t -> new long[readers])[
                            tp.partition() % readers] +=
                    records;
            total += records;
        }
        long busiest = 0;
        for (long[] residues : perResidue.values()) {
            busiest += Arrays.stream(residues).max().orElse(0);
        }
        return busiest <= EVEN_SPREAD * total / readers;
    }
}
