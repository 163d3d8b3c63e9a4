package dev.batchscore.pipeline.kafka;

import dev.batchscore.pipeline.config.ConfigException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The earliest and latest offsets of every partition of some topics, read once by the client with a
 * short-lived {@link Admin}, so a run can be planned as an exact range of positions. With {@code
 * isolation.level} {@code read_committed} (the default, see {@code
 * SourceSettings.clientProperties}) "latest" is the last stable offset: the first offset of the
 * oldest transaction still open, else the high watermark. A run that stops there does not wait for
 * open transactions; what they commit later is read by the next run.
 */
public final class KafkaOffsets {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /**
     * Earliest (log start) and latest offsets per partition: the next offset to be written, or for
     * read_committed the last stable offset; and each topic's id ({@code Uuid}, new each time a
     * topic is created), so positions can be tied to the topic they belong to.
     */
    public record Range(
            Map<TopicPartition, Long> earliest,
            Map<TopicPartition, Long> latest,
            Map<String, String> topicIds) {
        /** A range whose topics' ids are not known. */
        public Range(Map<TopicPartition, Long> earliest, Map<TopicPartition, Long> latest) {
            this(earliest, latest, Map.of());
        }
    }

    private KafkaOffsets() {}

    public static Range of(String bootstrapServers, List<String> topics, Properties clientProps) {
        Properties props = new Properties();
        props.putAll(clientProps);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(props)) {
            Map<String, TopicDescription> described =
                    admin.describeTopics(topics)
                            .allTopicNames()
                            .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            Map<String, String> topicIds = new HashMap<>();
            for (TopicDescription d : described.values()) {
                topicIds.put(d.name(), d.topicId().toString());
                for (TopicPartitionInfo p : d.partitions()) {
                    TopicPartition tp = new TopicPartition(d.name(), p.partition());
                    earliest.put(tp, OffsetSpec.earliest());
                    latest.put(tp, OffsetSpec.latest());
                }
            }
            ListOffsetsOptions options =
                    new ListOffsetsOptions(KafkaSources.isolationLevel(clientProps));
            return new Range(
                    offsets(admin, earliest, options), offsets(admin, latest, options), topicIds);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConfigException("interrupted while reading offsets of " + topics, e);
        } catch (Exception e) {
            throw new ConfigException(
                    "could not read the offsets of topics "
                            + topics
                            + " from source.kafka.bootstrap-servers '"
                            + bootstrapServers
                            + "': "
                            + e.getMessage()
                            + "; check that the topics exist and the brokers answer",
                    e);
        }
    }

    /** The offsets {@code specs} ask for, as {@code options} (the isolation level) mean them. */
    static Map<TopicPartition, Long> offsets(
            Admin admin, Map<TopicPartition, OffsetSpec> specs, ListOffsetsOptions options)
            throws Exception {
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
                admin.listOffsets(specs, options)
                        .all()
                        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }
}
