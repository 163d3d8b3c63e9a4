package dev.batchscore.operators.internal;

import dev.batchscore.operators.KafkaRecord;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.PojoField;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;
import org.apache.flink.types.StringValue;

/**
 * {@link KafkaRecord}'s type: Flink's POJO type with a serializer that writes and reads the POJO
 * serializer's bytes without its reflection.
 *
 * <p>Every record crosses the keyBy to the micro-batch windows, and Flink's {@link PojoSerializer}
 * creates each one with {@code Class.newInstance} and sets its fields through {@code Field.set}:
 * under the launcher's C1-only JIT that was a third of deserializing a record. {@link Serializer}
 * writes the same bytes field by field with plain field access.
 *
 * <p>Savepoints do not change: {@link Serializer#snapshotConfiguration()} is the POJO serializer's
 * own {@code PojoSerializerSnapshot}, so a savepoint written with this serializer is the same as
 * one written before it (an earlier build restores it), and restoring an earlier savepoint resolves
 * the POJO snapshot against the POJO snapshot: compatible as is, and read with this serializer,
 * whose bytes are the POJO serializer's ({@code KafkaRecordTypeInfoTest} checks both).
 */
public final class KafkaRecordTypeInfo extends PojoTypeInfo<KafkaRecord> {
    private static final long serialVersionUID = 1L;

    // PojoSerializer's flags byte, written before every record.
    private static final byte IS_NULL = 1;
    private static final byte NO_SUBCLASS = 2;

    public KafkaRecordTypeInfo() {
        super(KafkaRecord.class, fields());
    }

    private static List<PojoField> fields() {
        try {
            // The order is PojoTypeInfo's (it sorts fields by name); the serializer relies on it.
            return List.of(
                    new PojoField(KafkaRecord.class.getField("offset"), Types.LONG),
                    new PojoField(KafkaRecord.class.getField("partition"), Types.INT),
                    new PojoField(KafkaRecord.class.getField("timestamp"), Types.LONG),
                    new PojoField(KafkaRecord.class.getField("topic"), Types.STRING),
                    new PojoField(
                            KafkaRecord.class.getField("value"), TypeInformation.of(byte[].class)));
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("KafkaRecord's fields changed: update " + e, e);
        }
    }

    @Override
    public TypeSerializer<KafkaRecord> createSerializer(SerializerConfig config) {
        if (config.isForceKryoEnabled() || config.isForceAvroEnabled()) {
            return super.createSerializer(config);
        }
        return new Serializer(createPojoSerializer(config));
    }

    /** The factory {@link KafkaRecord}'s {@code @TypeInfo} names. */
    public static final class Factory extends TypeInfoFactory<KafkaRecord> {
        @Override
        public TypeInformation<KafkaRecord> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> genericParameters) {
            return new KafkaRecordTypeInfo();
        }
    }

    /**
     * The POJO serializer's format for a {@link KafkaRecord}: a flags byte, then per field in name
     * order a null marker and the value. A subclass of KafkaRecord (none exists) is left to the
     * POJO serializer when written; reading one is refused.
     */
    public static final class Serializer extends TypeSerializer<KafkaRecord> {
        private static final long serialVersionUID = 1L;

        private final PojoSerializer<KafkaRecord> pojo;

        Serializer(PojoSerializer<KafkaRecord> pojo) {
            this.pojo = pojo;
        }

        @Override
        public boolean isImmutableType() {
            return false;
        }

        @Override
        public TypeSerializer<KafkaRecord> duplicate() {
            PojoSerializer<KafkaRecord> copy = pojo.duplicate();
            return copy == pojo ? this : new Serializer(copy);
        }

        @Override
        public KafkaRecord createInstance() {
            return pojo.createInstance();
        }

        @Override
        public KafkaRecord copy(KafkaRecord from) {
            if (from == null || from.getClass() != KafkaRecord.class) {
                return pojo.copy(from);
            }
            KafkaRecord copy =
                    new KafkaRecord(
                            from.topic,
                            from.partition,
                            from.offset,
                            from.timestamp,
                            from.value == null ? null : from.value.clone());
            // Not serialized, but a copy between chained operators keeps it.
            copy.bucketKey = from.bucketKey;
            return copy;
        }

        @Override
        public KafkaRecord copy(KafkaRecord from, KafkaRecord reuse) {
            return copy(from);
        }

        @Override
        public int getLength() {
            return -1;
        }

        @Override
        public void serialize(KafkaRecord record, DataOutputView target) throws IOException {
            if (record == null || record.getClass() != KafkaRecord.class) {
                pojo.serialize(record, target);
                return;
            }
            target.writeByte(NO_SUBCLASS);
            target.writeBoolean(false);
            target.writeLong(record.offset);
            target.writeBoolean(false);
            target.writeInt(record.partition);
            target.writeBoolean(false);
            target.writeLong(record.timestamp);
            if (record.topic == null) {
                target.writeBoolean(true);
            } else {
                target.writeBoolean(false);
                StringValue.writeString(record.topic, target);
            }
            if (record.value == null) {
                target.writeBoolean(true);
            } else {
                target.writeBoolean(false);
                target.writeInt(record.value.length);
                target.write(record.value);
            }
        }

        @Override
        public KafkaRecord deserialize(DataInputView source) throws IOException {
            byte flags = source.readByte();
            if (flags == IS_NULL) {
                return null;
            }
            if (flags != NO_SUBCLASS) {
                throw new IOException(
                        "a KafkaRecord serialized as a subclass (POJO flags "
                                + flags
                                + "); batchscore writes KafkaRecord itself only");
            }
            KafkaRecord r = new KafkaRecord();
            if (!source.readBoolean()) {
                r.offset = source.readLong();
            }
            if (!source.readBoolean()) {
                r.partition = source.readInt();
            }
            if (!source.readBoolean()) {
                r.timestamp = source.readLong();
            }
            if (!source.readBoolean()) {
                r.topic = StringValue.readString(source);
            }
            if (!source.readBoolean()) {
                byte[] value = new byte[source.readInt()];
                source.readFully(value);
                r.value = value;
            }
            return r;
        }

        @Override
        public KafkaRecord deserialize(KafkaRecord reuse, DataInputView source) throws IOException {
            return deserialize(source);
        }

        @Override
        public void copy(DataInputView source, DataOutputView target) throws IOException {
            serialize(deserialize(source), target);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Serializer s && pojo.equals(s.pojo);
        }

        @Override
        public int hashCode() {
            return pojo.hashCode();
        }

        /** The POJO serializer's snapshot: savepoints stay what they were (see the class doc). */
        @Override
        public TypeSerializerSnapshot<KafkaRecord> snapshotConfiguration() {
            return pojo.snapshotConfiguration();
        }
    }
}
