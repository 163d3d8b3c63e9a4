package dev.batchscore.pipeline.kafka;

import dev.batchscore.pipeline.ConfigException;
import dev.batchscore.pipeline.runs.SourcePositions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;

/**
 * The earliest and latest offsets of every partition of some topics, read once by the client with a
 * short-lived {@link Admin}, so a run can be planned as an exact range of positions.
 */
public final class KafkaOffsets {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    /** Earliest (log start) and latest (next offset to be written) offsets, per partition. */
    public record Range(SourcePositions earliest, SourcePositions latest) {}

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
            for (TopicDescription d : described.values()) {
                for (TopicPartitionInfo p : d.partitions()) {
                    TopicPartition tp = new TopicPartition(d.name(), p.partition());
                    earliest.put(tp, OffsetSpec.earliest());
                    latest.put(tp, OffsetSpec.latest());
                }
            }
            return new Range(offsets(admin, earliest), offsets(admin, latest));
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

    private static SourcePositions offsets(Admin admin, Map<TopicPartition, OffsetSpec> specs)
            throws Exception {
        Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> result =
                admin.listOffsets(specs).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> out = new HashMap<>();
        result.forEach((tp, info) -> out.put(tp, info.offset()));
        return SourcePositions.of(out);
    }
}
