package dev.batchscore.pipeline.kafka;

import static dev.batchscore.pipeline.BatchscoreOptions.*;

import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.pipeline.JobConfig;

import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

import java.util.Locale;
import java.util.Properties;

/** Builds the job's {@link KafkaSource} from the {@code source.kafka.*} options. */
public final class KafkaSources {
    /** The source operator's uid; part of savepoint compatibility, never change it. */
    public static final String UID = "kafka-source";

    private KafkaSources() {}

    public static KafkaSource<KafkaRecord> create(JobConfig config) {
        KafkaSourceBuilder<KafkaRecord> builder =
                KafkaSource.<KafkaRecord>builder()
                        .setBootstrapServers(config.get(SOURCE_KAFKA_BOOTSTRAP_SERVERS))
                        .setTopics(config.get(SOURCE_KAFKA_TOPIC))
                        .setGroupId(config.get(SOURCE_KAFKA_GROUP_ID))
                        .setStartingOffsets(
                                startingOffsets(config.get(SOURCE_KAFKA_STARTING_OFFSETS)))
                        .setDeserializer(new KafkaRecordDeserializer())
                        .setProperties(clientProperties(config));
        if (config.get(SOURCE_KAFKA_BOUNDED)) {
            // "latest" is resolved once when the enumerator starts: records produced later are
            // left for the next run, which is what makes the job finish.
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    /** {@code source.kafka.properties.*} as Kafka client properties. */
    public static Properties clientProperties(JobConfig config) {
        Properties props = new Properties();
        props.putAll(config.prefixed(SOURCE_KAFKA_PROPERTIES));
        return props;
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
            default:
                return OffsetsInitializer.timestamp(
                        Long.parseLong(value.substring("timestamp:".length()).trim()));
        }
    }
}
