package dev.batchscore.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.KafkaRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * KafkaRecord's serializer writes exactly what Flink's POJO serializer writes, reads what it wrote,
 * and snapshots as it does: savepoints from before and after it are interchangeable.
 */
class KafkaRecordTypeInfoTest {
    private static final SerializerConfigImpl CONFIG = new SerializerConfigImpl();

    private static final List<KafkaRecord> RECORDS =
            Arrays.asList(
                    new KafkaRecord(
                            "tabular-600000",
                            3,
                            42L,
                            1_700_000_000_123L,
                            "{\"id\":1}".getBytes(StandardCharsets.UTF_8)),
                    new KafkaRecord("tópico-ü-😀", -1, Long.MIN_VALUE, Long.MAX_VALUE, new byte[0]),
                    new KafkaRecord("tombstones", 0, 7L, 0L, null),
                    new KafkaRecord(null, 1, 2L, 3L, new byte[] {1, 2, 3}),
                    new KafkaRecord(),
                    null);

    /** The POJO serializer Flink made for KafkaRecord before it had a type of its own. */
    private static PojoSerializer<KafkaRecord> pojo() {
        return new KafkaRecordTypeInfo().createPojoSerializer(CONFIG);
    }

    private static TypeSerializer<KafkaRecord> ours() {
        return TypeInformation.of(KafkaRecord.class).createSerializer(CONFIG);
    }

    private static byte[] write(TypeSerializer<KafkaRecord> s, KafkaRecord r) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(r, out);
        return out.getCopyOfBuffer();
    }

    private static KafkaRecord read(TypeSerializer<KafkaRecord> s, byte[] bytes)
            throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(bytes);
        KafkaRecord r = s.deserialize(in);
        assertThat(in.available()).as("bytes left").isZero();
        return r;
    }

    @Test
    void theTypeIsThePojoTypeWithItsOwnSerializer() {
        TypeInformation<KafkaRecord> type = TypeInformation.of(KafkaRecord.class);
        assertThat(type).isInstanceOf(KafkaRecordTypeInfo.class).isInstanceOf(PojoTypeInfo.class);
        assertThat(((PojoTypeInfo<KafkaRecord>) type).getFieldNames())
                .containsExactly("offset", "partition", "timestamp", "topic", "value");
        assertThat(ours()).isInstanceOf(KafkaRecordTypeInfo.Serializer.class);
    }

    @Test
    void writesThePojoSerializersBytesAndReadsThemBothWays() throws IOException {
        for (KafkaRecord r : RECORDS) {
            byte[] expected = write(pojo(), r);
            assertThat(write(ours(), r)).as("bytes of %s", r).isEqualTo(expected);
            assertThat(read(ours(), expected)).as("ours reading %s", r).isEqualTo(r);
            assertThat(read(pojo(), write(ours(), r))).as("POJO reading %s", r).isEqualTo(r);
        }
    }

    @Test
    void copiesDeeply() {
        KafkaRecord r = RECORDS.get(0);
        KafkaRecord copy = ours().copy(r);
        assertThat(copy).isEqualTo(r).isNotSameAs(r);
        assertThat(copy.value).isNotSameAs(r.value);
        assertThat(ours().copy((KafkaRecord) null)).isNull();
    }

    @Test
    void snapshotsAsThePojoSerializerAndRestoresItsSnapshotAsIs() throws IOException {
        DataOutputSerializer before = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(before, pojo().snapshotConfiguration());
        DataOutputSerializer after = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(after, ours().snapshotConfiguration());
        assertThat(after.getCopyOfBuffer()).isEqualTo(before.getCopyOfBuffer());

        // A savepoint taken before this serializer: its snapshot against the one registered now.
        TypeSerializerSnapshot<KafkaRecord> restored =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(before.getCopyOfBuffer()),
                        getClass().getClassLoader());
        assertThat(ours().snapshotConfiguration().resolveSchemaCompatibility(restored))
                .satisfies(c -> assertThat(c.isCompatibleAsIs()).isTrue());
        // And an earlier build reading a savepoint taken with it: the same snapshot class.
        assertThat(restored.restoreSerializer()).isInstanceOf(PojoSerializer.class);
    }
}
