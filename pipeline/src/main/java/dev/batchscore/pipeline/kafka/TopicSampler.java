package dev.batchscore.pipeline.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchscore.operators.JsonRecordDecoder;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.pipeline.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Infers the passthrough columns from the first records of the topics: a few records per partition,
 * read from the beginning with a short-lived consumer that commits nothing (with the job's Kafka
 * properties, so read_committed by default: records of aborted transactions are not sampled). A
 * field is LONG when every sample holds an integral number, DOUBLE for numbers, BOOLEAN for
 * booleans and STRING otherwise (including objects, arrays and mixed types).
 */
public final class TopicSampler {
    private static final Logger LOG = LoggerFactory.getLogger(TopicSampler.class);

    private TopicSampler() {}

    /**
     * The top-level JSON fields of the sampled records ({@link #sampleRecords}), in order of first
     * appearance, except {@code exclude}.
     */
    public static List<PassthroughField> inferPassthrough(
            List<JsonNode> samples, Set<String> exclude) {
        Map<String, PassthroughField.Type> types = new LinkedHashMap<>();
        for (JsonNode node : samples) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (exclude.contains(f.getKey())) {
                    continue;
                }
                PassthroughField.Type seen = typeOf(f.getValue());
                String name = f.getKey();
                if (!types.containsKey(name)) {
                    types.put(name, seen); // null: only JSON nulls seen so far
                } else if (seen != null) {
                    PassthroughField.Type before = types.get(name);
                    types.put(name, before == null ? seen : merge(before, seen));
                }
            }
        }
        List<PassthroughField> out = new ArrayList<>();
        types.forEach(
                (name, type) ->
                        out.add(
                                new PassthroughField(
                                        name, type == null ? PassthroughField.Type.STRING : type)));
        LOG.info("Inferred passthrough fields from {} sampled records: {}", samples.size(), out);
        return out;
    }

    static PassthroughField.Type typeOf(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber()) {
            return PassthroughField.Type.LONG;
        }
        if (value.isNumber()) {
            return PassthroughField.Type.DOUBLE;
        }
        if (value.isBoolean()) {
            return PassthroughField.Type.BOOLEAN;
        }
        return PassthroughField.Type.STRING;
    }

    static PassthroughField.Type merge(PassthroughField.Type a, PassthroughField.Type b) {
        if (a == b) {
            return a;
        }
        if ((a == PassthroughField.Type.LONG && b == PassthroughField.Type.DOUBLE)
                || (a == PassthroughField.Type.DOUBLE && b == PassthroughField.Type.LONG)) {
            return PassthroughField.Type.DOUBLE;
        }
        return PassthroughField.Type.STRING;
    }

    /**
     * Up to {@code perPartition} records per partition from the earliest offsets, those that parse
     * as JSON objects (bad records are skipped: they are the decoder's business).
     */
    public static List<JsonNode> sampleRecords(
            String bootstrapServers,
            List<String> topics,
            Properties clientProperties,
            int perPartition,
            Duration timeout) {
        return sample(bootstrapServers, topics, clientProperties, perPartition, timeout);
    }

    /** Reads up to {@code perPartition} JSON objects per partition from the earliest offsets. */
    static List<JsonNode> sample(
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
        List<JsonNode> out = new ArrayList<>();
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
                    parse(r.value()).ifPresent(out::add);
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

    /** Decoded as the job decodes it, so the sample sees what the job will (NaN included). */
    static java.util.Optional<JsonNode> parse(byte[] value) {
        try {
            return java.util.Optional.of(JsonRecordDecoder.get().decode(value));
        } catch (JsonRecordDecoder.DecodeException e) {
            return java.util.Optional.empty(); // bad records are the decoder's business, not ours
        }
    }
}
