package dev.batchscore.pipeline.kafka;

import dev.batchscore.pipeline.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Samples the first records of the topics for the pre-flight check and passthrough inference: a few
 * records per partition, read from the beginning with a short-lived consumer that commits nothing
 * (with the job's Kafka properties, so read_committed by default: records of aborted transactions
 * are not sampled). What the values mean is the record format's business.
 */
public final class TopicSampler {
    private TopicSampler() {}

    /**
     * The values of up to {@code perPartition} records per partition from the earliest offsets
     * (tombstones left out).
     */
    public static List<byte[]> sampleRecords(
            String bootstrapServers,
            List<String> topics,
            Properties clientProperties,
            int perPartition,
            Duration timeout) {
        return sample(bootstrapServers, topics, clientProperties, perPartition, timeout);
    }

    /** Reads up to {@code perPartition} values per partition from the earliest offsets. */
    static List<byte[]> sample(
            String bootstrapServers,
            List<String> topics,
            Properties clientProperties,
            int perPartition,
            Duration timeout) {
        Properties props = new Properties();
        props.putAll(clientProperties);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(Math.max(perPartition, 10)));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        List<byte[]> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : topics) {
                List<PartitionInfo> infos;
                try {
                    infos = consumer.partitionsFor(topic, timeout);
                } catch (org.apache.kafka.common.errors.TimeoutException e) {
                    throw new ConfigException(
                            "no answer from Kafka at "
                                    + bootstrapServers
                                    + " within "
                                    + timeout.toSeconds()
                                    + " s while sampling topic '"
                                    + topic
                                    + "' for output.passthrough: check"
                                    + " source.kafka.bootstrap-servers (or set output.passthrough)",
                            e);
                }
                if (infos == null || infos.isEmpty()) {
                    throw new ConfigException(
                            "topic '"
                                    + topic
                                    + "' does not exist on "
                                    + bootstrapServers
                                    + ": check source.kafka.topic");
                }
                infos.forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions, timeout);
            Map<TopicPartition, Integer> wanted = new HashMap<>();
            for (TopicPartition tp : partitions) {
                long available = end.get(tp) - begin.get(tp);
                if (available > 0) {
                    wanted.put(tp, (int) Math.min(perPartition, available));
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!wanted.isEmpty() && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                    Integer left = wanted.get(tp);
                    if (left == null) {
                        continue;
                    }
                    if (r.value() != null) {
                        out.add(r.value());
                    }
                    if (left <= 1) {
                        wanted.remove(tp);
                        consumer.pause(List.of(tp));
                    } else {
                        wanted.put(tp, left - 1);
                    }
                }
                // Aborted records and transaction markers count in end - begin but are never
                // returned: a partition whose position reached its end has nothing more to give.
                for (TopicPartition tp : List.copyOf(wanted.keySet())) {
                    if (consumer.position(tp, timeout) >= end.get(tp)) {
                        wanted.remove(tp);
                        consumer.pause(List.of(tp));
                    }
                }
            }
        }
        return out;
    }
}
