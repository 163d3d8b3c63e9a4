package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.Set;

/**
 * The {@code source.*} options: which topics a run reads, from where, how far, and in which record
 * format ({@code source.format}).
 *
 * <pre>{@code
 * SourceSettings source = SourceSettings.kafka("broker:9092", List.of("reviews"))
 *         .withStartingOffsets(StartingOffsets.RESUME);
 * }</pre>
 *
 * @param properties Kafka consumer properties as the user gave them ({@link #clientProperties()}
 *     adds the defaults)
 */
public record SourceSettings(
        String bootstrapServers,
        List<String> topics,
        String groupId,
        StartingOffsets startingOffsets,
        boolean bounded,
        OnMissingOffsets onMissingOffsets,
        OnTopicRecreated onTopicRecreated,
        Map<String, String> properties,
        RecordFormat format) {

    /** The Kafka consumer property that decides whether transactions are honoured. */
    public static final String ISOLATION_LEVEL = "isolation.level";

    private static final String READ_COMMITTED = "read_committed";

    /** {@code source.kafka.on-missing-offsets}. */
    public enum OnMissingOffsets {
        FAIL,
        SKIP;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** {@code source.kafka.on-topic-recreated}. */
    public enum OnTopicRecreated {
        FAIL,
        EARLIEST;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SourceSettings {
        Objects.requireNonNull(bootstrapServers, SOURCE_KAFKA_BOOTSTRAP_SERVERS.key());
        topics = List.copyOf(topics);
        Objects.requireNonNull(groupId, SOURCE_KAFKA_GROUP_ID.key());
        Objects.requireNonNull(startingOffsets, SOURCE_KAFKA_STARTING_OFFSETS.key());
        Objects.requireNonNull(onMissingOffsets, SOURCE_KAFKA_ON_MISSING_OFFSETS.key());
        Objects.requireNonNull(onTopicRecreated, SOURCE_KAFKA_ON_TOPIC_RECREATED.key());
        properties = Map.copyOf(properties);
        Objects.requireNonNull(format, RecordFormats.SOURCE_FORMAT.key());
        if (topics.isEmpty()) {
            throw ConfigException.invalid(SOURCE_KAFKA_TOPIC, "", "name at least one topic");
        }
        if (startingOffsets.kind() == StartingOffsets.Kind.RESUME && !bounded) {
            throw new ConfigException(
                    "source.kafka.starting-offsets 'resume' reads up to the offsets seen when the"
                            + " run starts, but source.kafka.bounded is false: set"
                            + " source.kafka.bounded: true");
        }
        String isolation = properties.get(ISOLATION_LEVEL);
        if (isolation != null
                && !Set.of(READ_COMMITTED, "read_uncommitted")
                        .contains(isolation.trim().toLowerCase(Locale.ROOT))) {
            throw new ConfigException(
                    "option '"
                            + SOURCE_KAFKA_PROPERTIES.key()
                            + "."
                            + ISOLATION_LEVEL
                            + "' is '"
                            + isolation
                            + "': expected read_committed (the default) or read_uncommitted");
        }
    }

    /** A bounded read of {@code topics} from the earliest offsets, with the defaults. */
    public static SourceSettings kafka(String bootstrapServers, List<String> topics) {
        return new SourceSettings(
                bootstrapServers,
                topics,
                SOURCE_KAFKA_GROUP_ID.defaultValue(),
                StartingOffsets.parse(SOURCE_KAFKA_STARTING_OFFSETS.defaultValue()),
                SOURCE_KAFKA_BOUNDED.defaultValue(),
                SOURCE_KAFKA_ON_MISSING_OFFSETS.defaultValue(),
                SOURCE_KAFKA_ON_TOPIC_RECREATED.defaultValue(),
                Map.of(),
                RecordFormats.json());
    }

    static SourceSettings from(JobConfig config) {
        return new SourceSettings(
                config.get(SOURCE_KAFKA_BOOTSTRAP_SERVERS),
                config.get(SOURCE_KAFKA_TOPIC),
                config.get(SOURCE_KAFKA_GROUP_ID),
                StartingOffsets.parse(config.get(SOURCE_KAFKA_STARTING_OFFSETS)),
                config.get(SOURCE_KAFKA_BOUNDED),
                config.get(SOURCE_KAFKA_ON_MISSING_OFFSETS),
                config.get(SOURCE_KAFKA_ON_TOPIC_RECREATED),
                config.prefixed(SOURCE_KAFKA_PROPERTIES),
                config.recordFormat());
    }

    public SourceSettings withGroupId(String id) {
        return new Copy(this).edit(c -> c.groupId = id);
    }

    public SourceSettings withStartingOffsets(StartingOffsets offsets) {
        return new Copy(this).edit(c -> c.startingOffsets = offsets);
    }

    public SourceSettings withBounded(boolean isBounded) {
        return new Copy(this).edit(c -> c.bounded = isBounded);
    }

    public SourceSettings withOnMissingOffsets(OnMissingOffsets onMissing) {
        return new Copy(this).edit(c -> c.onMissingOffsets = onMissing);
    }

    public SourceSettings withOnTopicRecreated(OnTopicRecreated onRecreated) {
        return new Copy(this).edit(c -> c.onTopicRecreated = onRecreated);
    }

    /** Kafka consumer properties ({@code source.kafka.properties.*}), passed to the client. */
    public SourceSettings withProperties(Map<String, String> props) {
        return new Copy(this).edit(c -> c.properties = props);
    }

    /** How record values are read ({@code source.format} and its options). */
    public SourceSettings withFormat(RecordFormat recordFormat) {
        return new Copy(this).edit(c -> c.format = recordFormat);
    }

    /**
     * The Kafka client properties: {@link #properties()} with {@code isolation.level} {@code
     * read_committed} unless set, so records of aborted transactions are never scored.
     */
    public Properties clientProperties() {
        Properties props = new Properties();
        props.put(ISOLATION_LEVEL, READ_COMMITTED);
        props.putAll(new LinkedHashMap<>(properties));
        return props;
    }

    /** The fields of these settings, for the {@code withX} methods. */
    private static final class Copy extends SettingsCopy<SourceSettings, Copy> {
        String bootstrapServers;
        List<String> topics;
        String groupId;
        StartingOffsets startingOffsets;
        boolean bounded;
        OnMissingOffsets onMissingOffsets;
        OnTopicRecreated onTopicRecreated;
        Map<String, String> properties;
        RecordFormat format;

        Copy(SourceSettings s) {
            bootstrapServers = s.bootstrapServers;
            topics = s.topics;
            groupId = s.groupId;
            startingOffsets = s.startingOffsets;
            bounded = s.bounded;
            onMissingOffsets = s.onMissingOffsets;
            onTopicRecreated = s.onTopicRecreated;
            properties = s.properties;
            format = s.format;
        }

        @Override
        SourceSettings settings() {
            return new SourceSettings(
                    bootstrapServers,
                    topics,
                    groupId,
                    startingOffsets,
                    bounded,
                    onMissingOffsets,
                    onTopicRecreated,
                    properties,
                    format);
        }
    }
}
