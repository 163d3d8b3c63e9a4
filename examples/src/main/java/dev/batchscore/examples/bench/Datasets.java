package dev.batchscore.examples.bench;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.examples.Topics;
import dev.batchscore.models.testing.HalfPlusTwo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.LongFunction;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The bench's generated JSON records and how they get into a Kafka topic. */
final class Datasets {
    static final int PARTITIONS = 4;

    private Datasets() {}

    /** {@code {"id": i, "features": [64 gaussian floats]}}, for the reference tabular model. */
    static LongFunction<String> tabular(long seed) {
        return i -> {
            Random random = new Random(seed * 1_000_003L + i);
            StringBuilder sb = new StringBuilder(16 * ReferenceModels.TABULAR_FEATURES);
            sb.append("{\"id\":").append(i).append(",\"" + ReferenceModels.TABULAR_INPUT + "\":[");
            for (int j = 0; j < ReferenceModels.TABULAR_FEATURES; j++) {
                sb.append(j == 0 ? "" : ",").append((float) random.nextGaussian());
            }
            return sb.append("]}").toString();
        };
    }

    /** {@code {"id": i, "x": i / 4}}, for half_plus_two. */
    static LongFunction<String> halfPlusTwo() {
        return i -> "{\"id\":" + i + ",\"" + HalfPlusTwo.INPUT + "\":" + (i / 4.0) + "}";
    }

    static List<String> sample(LongFunction<String> records, int count) {
        List<String> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(records.apply(i));
        }
        return out;
    }

    /**
     * Creates {@code topic} with {@link #PARTITIONS} partitions and writes {@code count} records.
     */
    static void produce(String bootstrap, String topic, long count, LongFunction<String> records)
            throws Exception {
        Topics.fill(
                bootstrap,
                topic,
                PARTITIONS,
                512 * 1024,
                count,
                i ->
                        new ProducerRecord<>(
                                topic,
                                (int) (i % PARTITIONS),
                                null,
                                records.apply(i).getBytes(StandardCharsets.UTF_8)));
    }
}
