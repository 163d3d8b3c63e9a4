package dev.batchscore.examples;

import java.util.List;
import java.util.Properties;
import java.util.function.LongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Fills the topics of the demo and the bench on their embedded broker. */
public final class Topics {
    private Topics() {}

    /**
     * Creates {@code topic} with {@code partitions} partitions (replication 1) and sends {@code
     * count} records, the i-th made by {@code record}, in producer batches of {@code batchBytes}.
     */
    public static void fill(
            String bootstrap,
            String topic,
            int partitions,
            int batchBytes,
            long count,
            LongFunction<ProducerRecord<byte[], byte[]>> record)
            throws Exception {
        Properties admin = new Properties();
        admin.put("bootstrap.servers", bootstrap);
        try (Admin client = Admin.create(admin)) {
            client.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
        }
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, String.valueOf(batchBytes));
        props.put(ProducerConfig.ACKS_CONFIG, "1");
        try (KafkaProducer<byte[], byte[]> producer =
                new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long i = 0; i < count; i++) {
                producer.send(record.apply(i));
            }
            producer.flush();
        }
    }
}
