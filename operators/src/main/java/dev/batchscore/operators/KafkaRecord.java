package dev.batchscore.operators;

import dev.batchscore.operators.internal.KafkaRecordTypeInfo;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One Kafka record with all the metadata batchscore keeps. A Flink POJO (public no-arg constructor,
 * public mutable fields) so Flink serializes it with its POJO serializer, never Kryo. The
 * pipeline's Kafka deserializer produces it; {@code value} may be {@code null} for a tombstone.
 *
 * <p>Its type is the POJO type with a serializer that writes the POJO serializer's bytes without
 * reflection ({@link KafkaRecordTypeInfo}); savepoints hold the same bytes and snapshot as before.
 */
@TypeInfo(KafkaRecordTypeInfo.Factory.class)
public class KafkaRecord {
    public String topic;
    public int partition;
    public long offset;

    /** The Kafka record timestamp, epoch milliseconds. */
    public long timestamp;

    public byte[] value;

    /**
     * The key of the micro-batch bucket it goes to when batched where it was read ({@link
     * BatchScoring.Routing#LOCAL}); set on the way to the windows and never serialized (a bucket
     * key is valid only in the subtask that chose it).
     */
    public transient int bucketKey = NO_BUCKET_KEY;

    /** {@link #bucketKey} before a bucket was chosen (bucket keys are never negative). */
    public static final int NO_BUCKET_KEY = -1;

    public KafkaRecord() {}

    public KafkaRecord(String topic, int partition, long offset, long timestamp, byte[] value) {
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.timestamp = timestamp;
        this.value = value;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof KafkaRecord)) {
            return false;
        }
        KafkaRecord that = (KafkaRecord) o;
        return partition == that.partition
                && offset == that.offset
                && timestamp == that.timestamp
                && Objects.equals(topic, that.topic)
                && Arrays.equals(value, that.value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(topic, partition, offset);
    }

    /** {@code topic-3@42}: how logs and error messages name a record. */
    public String coordinates() {
        return topic + "-" + partition + "@" + offset;
    }

    @Override
    public String toString() {
        return "KafkaRecord{"
                + coordinates()
                + ", timestamp="
                + timestamp
                + ", value="
                + (value == null ? "null" : value.length + " bytes")
                + '}';
    }
}
