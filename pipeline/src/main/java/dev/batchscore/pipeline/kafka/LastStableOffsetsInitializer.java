package dev.batchscore.pipeline.kafka;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Stopping offsets at the last stable offset (LSO) of each partition, resolved once when the
 * enumerator starts, like the connector's {@code OffsetsInitializer.latest()}.
 *
 * <p>Why not {@code latest()}: its {@code PartitionOffsetsRetriever.endOffsets} lists offsets with
 * the Admin client's default isolation, read_uncommitted, so it returns the high watermark. A
 * read_committed consumer stops at the LSO while a transaction is open, never reaches a stopping
 * offset above it, and the bounded run would wait for that transaction (forever for a producer that
 * hung). The retriever cannot be asked for another isolation level, so this initializer lists the
 * offsets itself with a short-lived {@link Admin}, from the job's Kafka properties.
 */
final class LastStableOffsetsInitializer implements OffsetsInitializer {
    private static final long serialVersionUID = 1L;

    private final String bootstrapServers;
    private final Properties clientProperties;

    LastStableOffsetsInitializer(String bootstrapServers, Properties clientProperties) {
        this.bootstrapServers = bootstrapServers;
        this.clientProperties = new Properties();
        this.clientProperties.putAll(clientProperties);
    }

    @Override
    public Map<TopicPartition, Long> getPartitionOffsets(
            Collection<TopicPartition> partitions,
            PartitionOffsetsRetriever partitionOffsetsRetriever) {
        if (partitions.isEmpty()) {
            return Map.of();
        }
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        partitions.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
        try (Admin admin = Admin.create(props)) {
            return KafkaOffsets.offsets(
                    admin, specs, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing last stable offsets", e);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "could not list the last stable offsets of "
                            + partitions
                            + " from "
                            + bootstrapServers
                            + ": "
                            + e.getMessage(),
                    e);
        }
    }

    @Override
    @SuppressWarnings("deprecation") // the connector's interface still takes the old enum
    public OffsetResetStrategy getAutoOffsetResetStrategy() {
        return OffsetResetStrategy.LATEST;
    }
}
