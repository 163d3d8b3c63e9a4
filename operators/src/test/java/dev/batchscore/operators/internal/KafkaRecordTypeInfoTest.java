package dev.batchscore.operators.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.KafkaRecord;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
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

    /**
     * What the build before this type (d7ecf18, Flink's own POJO serializer) wrote for KafkaRecord:
     * the versioned snapshot a savepoint holds, and the bytes of {@code RECORDS.get(0)}.
     */
    private static final String SNAPSHOT_BEFORE =
            "AEJvcmcuYXBhY2hlLmZsaW5rLmFwaS5qYXZhLnR5cGV1dGlscy5ydW50aW1lLlBvam9TZXJpYWxpemVy"
                    + "U25hcHNob3QAAAACACRkZXYuYmF0Y2hzY29yZS5vcGVyYXRvcnMuS2Fma2FSZWNvcmQAAATyxpo9cAAA"
                    + "AAUABm9mZnNldAEAAAAuACRkZXYuYmF0Y2hzY29yZS5vcGVyYXRvcnMuS2Fma2FSZWNvcmQABm9mZnNl"
                    + "dAEAAABWAFBvcmcuYXBhY2hlLmZsaW5rLmFwaS5jb21tb24udHlwZXV0aWxzLmJhc2UuTG9uZ1Nlcmlh"
                    + "bGl6ZXIkTG9uZ1NlcmlhbGl6ZXJTbmFwc2hvdAAAAAMACXBhcnRpdGlvbgEAAAAxACRkZXYuYmF0Y2hz"
                    + "Y29yZS5vcGVyYXRvcnMuS2Fma2FSZWNvcmQACXBhcnRpdGlvbgEAAABUAE5vcmcuYXBhY2hlLmZsaW5r"
                    + "LmFwaS5jb21tb24udHlwZXV0aWxzLmJhc2UuSW50U2VyaWFsaXplciRJbnRTZXJpYWxpemVyU25hcHNo"
                    + "b3QAAAADAAl0aW1lc3RhbXABAAAAMQAkZGV2LmJhdGNoc2NvcmUub3BlcmF0b3JzLkthZmthUmVjb3Jk"
                    + "AAl0aW1lc3RhbXABAAAAVgBQb3JnLmFwYWNoZS5mbGluay5hcGkuY29tbW9uLnR5cGV1dGlscy5iYXNl"
                    + "LkxvbmdTZXJpYWxpemVyJExvbmdTZXJpYWxpemVyU25hcHNob3QAAAADAAV0b3BpYwEAAAAtACRkZXYu"
                    + "YmF0Y2hzY29yZS5vcGVyYXRvcnMuS2Fma2FSZWNvcmQABXRvcGljAQAAAFoAVG9yZy5hcGFjaGUuZmxp"
                    + "bmsuYXBpLmNvbW1vbi50eXBldXRpbHMuYmFzZS5TdHJpbmdTZXJpYWxpemVyJFN0cmluZ1NlcmlhbGl6"
                    + "ZXJTbmFwc2hvdAAAAAMABXZhbHVlAQAAAC0AJGRldi5iYXRjaHNjb3JlLm9wZXJhdG9ycy5LYWZrYVJl"
                    + "Y29yZAAFdmFsdWUBAAAAeAByb3JnLmFwYWNoZS5mbGluay5hcGkuY29tbW9uLnR5cGV1dGlscy5iYXNl"
                    + "LmFycmF5LkJ5dGVQcmltaXRpdmVBcnJheVNlcmlhbGl6ZXIkQnl0ZVByaW1pdGl2ZUFycmF5U2VyaWFs"
                    + "aXplclNuYXBzaG90AAAAAwAABPLGmj1wAAAAAAAABPLGmj1wAAAAAA==";

    private static final String RECORD_BEFORE =
            "AgAAAAAAAAAAKgAAAAADAAAAAYvP5Wh7AA90YWJ1bGFyLTYwMDAwMAAAAAAIeyJpZCI6MX0=";

    @Test
    void writesWhatTheBuildBeforeItWroteAndRestoresItsSnapshotAsIs() throws IOException {
        byte[] snapshot = Base64.getDecoder().decode(SNAPSHOT_BEFORE);
        DataOutputSerializer now = new DataOutputSerializer(256);
        TypeSerializerSnapshot.writeVersionedSnapshot(now, ours().snapshotConfiguration());
        assertThat(now.getCopyOfBuffer()).isEqualTo(snapshot);
        TypeSerializerSnapshot<KafkaRecord> before =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(snapshot), getClass().getClassLoader());
        assertThat(ours().snapshotConfiguration().resolveSchemaCompatibility(before))
                .satisfies(c -> assertThat(c.isCompatibleAsIs()).isTrue());

        byte[] record = Base64.getDecoder().decode(RECORD_BEFORE);
        assertThat(write(ours(), RECORDS.get(0))).isEqualTo(record);
        assertThat(read(ours(), record)).isEqualTo(RECORDS.get(0));
    }
}
