package dev.batchscore.pipeline.kafka;

import static dev.batchscore.pipeline.BatchscoreOptions.*;

import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.pipeline.JobConfig;
import dev.batchscore.pipeline.runs.Run;
import java.util.Locale;
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

/** Builds the job's {@link KafkaSource} from the {@code source.kafka.*} options. */
public final class KafkaSources {
    /** The source operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "kafka-source";

    private static final String READ_COMMITTED = "read_committed";

    private KafkaSources() {}

    /**
     * The job's source: the KafkaSource, wrapped so that a bounded run resumed from a savepoint or
     * restarted from a checkpoint still finishes (see {@link BoundedRestoreSource}).
     */
    public static Source<KafkaRecord, KafkaPartitionSplit, KafkaSourceEnumState> create(
            JobConfig config) {
        return create(config, null);
    }

    /** As {@link #create(JobConfig)}, reading exactly the run's positions when it has them. */
    public static Source<KafkaRecord, KafkaPartitionSplit, KafkaSourceEnumState> create(
            JobConfig config, Run run) {
        return new BoundedRestoreSource<>(kafkaSource(config, run));
    }

    /** The plain KafkaSource built from the {@code source.kafka.*} options. */
    public static KafkaSource<KafkaRecord> kafkaSource(JobConfig config) {
        return kafkaSource(config, null);
    }

    /**
     * The plain KafkaSource; a {@code run} with explicit positions ({@code resume}, bounded {@code
     * earliest}) reads exactly from its start to its end positions.
     */
    public static KafkaSource<KafkaRecord> kafkaSource(JobConfig config, Run run) {
        KafkaSourceBuilder<KafkaRecord> builder =
                KafkaSource.<KafkaRecord>builder()
                        .setBootstrapServers(config.get(SOURCE_KAFKA_BOOTSTRAP_SERVERS))
                        .setTopics(config.get(SOURCE_KAFKA_TOPIC))
                        .setGroupId(config.get(SOURCE_KAFKA_GROUP_ID))
                        .setStartingOffsets(
                                run != null && run.start() != null
                                        ? OffsetsInitializer.offsets(run.start().asMap())
                                        : startingOffsets(
                                                config.get(SOURCE_KAFKA_STARTING_OFFSETS)))
                        .setDeserializer(new KafkaRecordDeserializer())
                        .setProperties(clientProperties(config));
        if (config.get(SOURCE_KAFKA_BOUNDED)) {
            // "latest" is resolved once when the enumerator starts: records produced later are
            // left for the next run, which is what makes the job finish.
            builder.setBounded(
                    run != null && run.end() != null
                            ? OffsetsInitializer.offsets(run.end().asMap())
                            : stoppingAtLatest(config));
        }
        return builder.build();
    }

    /**
     * Where a bounded run without planned end positions stops. The connector's {@code
     * OffsetsInitializer.latest()} asks the Admin client for the high watermark, whatever the
     * consumer's isolation level; a {@code read_committed} reader never gets past the last stable
     * offset, so with a transaction open it would wait for that transaction forever. Those runs
     * stop at the last stable offset instead.
     */
    static OffsetsInitializer stoppingAtLatest(JobConfig config) {
        Properties props = clientProperties(config);
        return isolationLevel(props) == IsolationLevel.READ_COMMITTED
                ? new LastStableOffsetsInitializer(
                        config.get(SOURCE_KAFKA_BOOTSTRAP_SERVERS), props)
                : OffsetsInitializer.latest();
    }

    /**
     * {@code source.kafka.properties.*} as Kafka client properties, with {@code isolation.level}
     * {@code read_committed} unless the user set it: records of aborted transactions are never
     * scored.
     */
    public static Properties clientProperties(JobConfig config) {
        Properties props = new Properties();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, READ_COMMITTED);
        props.putAll(config.prefixed(SOURCE_KAFKA_PROPERTIES));
        return props;
    }

    /** The isolation level {@code props} ask for (Kafka's default, read_uncommitted, if none). */
    public static IsolationLevel isolationLevel(Properties props) {
        String value = props.getProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_uncommitted");
        return value.trim().equalsIgnoreCase(READ_COMMITTED)
                ? IsolationLevel.READ_COMMITTED
                : IsolationLevel.READ_UNCOMMITTED;
    }

    /**
     * Parses earliest | latest | committed | timestamp:&lt;ms&gt; (already validated by JobConfig).
     */
    @SuppressWarnings("deprecation") // the connector's committedOffsets still takes the old enum
    public static OffsetsInitializer startingOffsets(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "earliest":
                return OffsetsInitializer.earliest();
            case "latest":
                return OffsetsInitializer.latest();
            case "committed":
                return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            case "resume":
                throw new IllegalArgumentException(
                        "starting offsets 'resume' are planned per run (JobPlan.create): build the"
                                + " source with KafkaSources.create(config, plan.run())");
            default:
                return OffsetsInitializer.timestamp(
                        Long.parseLong(value.substring("timestamp:".length()).trim()));
        }
    }
}
