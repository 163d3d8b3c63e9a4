package dev.batchscore.it;

import dev.batchscore.examples.demo.Demo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real KRaft Kafka broker per test class (the same in-process broker the demo runs), with
 * helpers to create topics and write records to chosen partitions.
 */
public final class KafkaBroker implements BeforeAllCallback, AfterAllCallback {
    private KafkaClusterTestKit kafka;
    private Path dir;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        dir = Files.createTempDirectory("batchscore-it-kafka");
        kafka = Demo.startKafka(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public void createTopic(String topic, int partitions) throws Exception {
        try (Admin admin = Admin.create(clientProperties())) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
    }

    /** Writes {@code values.get(i)}, as UTF-8, to partition {@code i % partitions}, in order. */
    public void produce(String topic, int partitions, List<String> values) {
        produceBytes(
                topic,
                partitions,
                values.stream().map(v -> v.getBytes(StandardCharsets.UTF_8)).toList());
    }

    /**
     * Writes {@code values.get(i)} (raw bytes; {@code null} is a tombstone) to partition {@code i %
     * partitions}, once each and in order. The timeouts are long because the broker, MiniClusters
     * and TensorFlow share two cores: a request that timed out on the client while the broker
     * appended it made the idempotent producer reset its sequence and retry forever
     * (OutOfOrderSequenceException).
     */
    public void produceBytes(String topic, int partitions, List<byte[]> values) {
        Properties props = producerProperties();
        props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < values.size(); i++) {
                producer.send(new ProducerRecord<>(topic, i % partitions, null, values.get(i)));
            }
            producer.flush();
        }
    }

    /**
     * A transactional producer ({@code initTransactions} done) with {@code transactionalId}; the
     * caller begins, commits or aborts transactions and closes it. Timeouts as in {@link
     * #produceBytes}.
     */
    public KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
        Properties props = producerProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "600000");
        KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    /** An Admin client for this broker; the caller closes it. */
    /** Retention, as {@code deleteRecords} does it: every partition's log now starts at its end. */
    public void deleteAllRecords(String topic, int partitions) throws Exception {
        try (Admin admin = admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, RecordsToDelete> delete = new HashMap<>();
            admin.listOffsets(latest)
                    .all()
                    .get()
                    .forEach(
                            (tp, info) ->
                                    delete.put(tp, RecordsToDelete.beforeOffset(info.offset())));
            admin.deleteRecords(delete).all().get();
        }
    }

    public Admin admin() {
        return Admin.create(clientProperties());
    }

    /**
     * An idempotent producer's settings, with timeouts long enough for the shared machine (see
     * {@link #produceBytes}).
     */
    private Properties producerProperties() {
        Properties props = clientProperties();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "120000");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        return props;
    }

    private Properties clientProperties() {
        Properties props = new Properties();
        props.put("bootstrap.servers", bootstrapServers());
        return props;
    }
}
