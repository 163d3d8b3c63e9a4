package dev.batchscore.operators.format.protobuf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtobufFormatTest {
    private static final List<Long> SCALAR = List.of();
    private static final List<Long> VECTOR = List.of(-1L);
    private static final LogicalType STRING = new VarCharType(VarCharType.MAX_LENGTH);

    @TempDir Path dir;
    private Path descriptorFile;
    private ProtobufFormat format;
    private Descriptor review;

    @BeforeEach
    void setUp() throws Exception {
        descriptorFile = ProtobufFixtures.writeDescriptorSet(dir);
        format = (ProtobufFormat) ProtobufFixtures.format(descriptorFile, false, "acme.Review");
        review = format.descriptor();
    }

    private static ReaderSpec spec(List<FieldSpec> fields, Map<String, String> mapping) {
        return new ReaderSpec(fields, mapping, List.of(), null);
    }

    private static Map<String, Object> read(RecordReader reader, byte[] value)
            throws DecodeException {
        Map<String, Object> input = new HashMap<>();
        reader.read(value, input, new Object[0]);
        return input;
    }

    @Test
    void readsModelInputsAsBatchScorerTakesThem() throws Exception {
        ReaderSpec spec =
                spec(
                        List.of(
                                new FieldSpec("score", DType.FLOAT, SCALAR),
                                new FieldSpec("id", DType.INT64, SCALAR),
                                new FieldSpec("text", DType.STRING, SCALAR),
                                new FieldSpec("verified", DType.BOOL, SCALAR),
                                new FieldSpec("color", DType.STRING, SCALAR),
                                new FieldSpec("embedding", DType.FLOAT, VECTOR),
                                new FieldSpec("weights", DType.DOUBLE, VECTOR),
                                new FieldSpec("weights_f", DType.FLOAT, VECTOR),
                                new FieldSpec("author_name", DType.STRING, SCALAR),
                                new FieldSpec("stars", DType.INT32, SCALAR),
                                new FieldSpec("blob", DType.STRING, SCALAR),
                                new FieldSpec("votes", DType.INT64, SCALAR),
                                new FieldSpec("tags", DType.STRING, VECTOR)),
                        Map.of("author_name", "author.name", "weights_f", "weights"));
        format.checkInputs(spec, List.of());
        Map<String, Object> input =
                read(format.reader(spec), ProtobufFixtures.review(review).toByteArray());

        assertThat(input)
                .containsEntry("score", 4.5f)
                .containsEntry("id", 1234567890123L)
                .containsEntry("text", "great")
                .containsEntry("verified", true)
                .containsEntry("color", "GREEN")
                .containsEntry("author_name", "ann")
                .containsEntry("votes", 4294967295L)
                .containsEntry("tags", List.of("a", "b"))
                .doesNotContainKey("stars"); // proto3 optional, unset: missing
        assertThat(input.get("embedding")).isEqualTo(new float[] {0.25f, -1.5f, 3f});
        assertThat(input.get("weights")).isEqualTo(new double[] {0.5, 2.0}); // unpacked
        assertThat(input.get("weights_f")).isEqualTo(new float[] {0.5f, 2f});
        assertThat(input.get("blob")).isEqualTo(new byte[] {1, 2, 3});
    }

    @Test
    void unsetProto3ScalarsAreTheirDefaultsAndUnsetMessagesMissing() throws Exception {
        ReaderSpec spec =
                spec(
                        List.of(
                                new FieldSpec("score", DType.FLOAT, SCALAR),
                                new FieldSpec("verified", DType.BOOL, SCALAR),
                                new FieldSpec("color", DType.STRING, SCALAR),
                                new FieldSpec("embedding", DType.FLOAT, VECTOR),
                                new FieldSpec("author_name", DType.STRING, SCALAR),
                                new FieldSpec("stars", DType.INT32, SCALAR)),
                        Map.of("author_name", "author.name"));
        DynamicMessage m =
                DynamicMessage.newBuilder(review)
                        .setField(review.findFieldByName("stars"), 0) // set to 0: present
                        .build();
        Map<String, Object> input = read(format.reader(spec), m.toByteArray());

        assertThat(input)
                .containsEntry("score", 0f)
                .containsEntry("verified", false)
                .containsEntry("color", "COLOR_UNSPECIFIED")
                .containsEntry("stars", 0)
                .doesNotContainKey("author_name");
        assertThat(input.get("embedding")).isEqualTo(new float[0]);
    }

    @Test
    void anEmptyValueIsAMessageOfDefaults() throws Exception {
        ReaderSpec spec = spec(List.of(new FieldSpec("id", DType.INT64, SCALAR)), Map.of());
        assertThat(read(format.reader(spec), new byte[0])).containsEntry("id", 0L);
    }

    @Test
    void passthroughColumnsTakeTheDescriptorsTypesAndInternalValues() throws Exception {
        List<PassthroughField> inferred = format.inferPassthrough(List.of(), Set.of("embedding"));
        RowType author =
                new RowType(
                        List.of(
                                new RowType.RowField("name", STRING),
                                new RowType.RowField("age", new IntType())));
        assertThat(inferred)
                .extracting(PassthroughField::name)
                .containsExactly(
                        "score",
                        "id",
                        "text",
                        "verified",
                        "color",
                        "author",
                        "counts",
                        "created",
                        "stars",
                        "blob",
                        "weights",
                        "votes",
                        "tags");
        Map<String, LogicalType> types = new HashMap<>();
        inferred.forEach(p -> types.put(p.name(), p.columnType()));
        assertThat(types)
                .containsEntry("score", new FloatType())
                .containsEntry("id", new BigIntType())
                .containsEntry("text", STRING)
                .containsEntry("verified", new BooleanType())
                .containsEntry("color", STRING)
                .containsEntry("author", author)
                .containsEntry("counts", new MapType(STRING.copy(false), new BigIntType()))
                .containsEntry("created", new LocalZonedTimestampType(6))
                .containsEntry("stars", new IntType())
                .containsEntry("blob", new VarBinaryType(VarBinaryType.MAX_LENGTH))
                .containsEntry("weights", new ArrayType(new DoubleType(false)))
                .containsEntry("votes", new BigIntType())
                .containsEntry("tags", new ArrayType(STRING.copy(false)));

        ReaderSpec spec = new ReaderSpec(List.of(), Map.of(), inferred, null);
        Object[] row = new Object[inferred.size()];
        format.reader(spec)
                .read(ProtobufFixtures.review(review).toByteArray(), new HashMap<>(), row);

        assertThat(row[0]).isEqualTo(4.5f);
        assertThat(row[1]).isEqualTo(1234567890123L);
        assertThat(row[2]).isEqualTo(StringData.fromString("great"));
        assertThat(row[3]).isEqualTo(true);
        assertThat(row[4]).isEqualTo(StringData.fromString("GREEN"));
        assertThat(row[5]).isEqualTo(GenericRowData.of(StringData.fromString("ann"), 41));
        assertThat(((GenericMapData) row[6]).size()).isEqualTo(1);
        assertThat(((GenericMapData) row[6]).get(StringData.fromString("likes"))).isEqualTo(7L);
        assertThat(row[7]).isEqualTo(TimestampData.fromEpochMillis(1_700_000_000_123L, 456_000));
        assertThat(row[8]).isNull(); // optional, unset
        assertThat(row[9]).isEqualTo(new byte[] {1, 2, 3});
        assertThat(((GenericArrayData) row[10]).toObjectArray()).containsExactly(0.5, 2.0);
        assertThat(row[11]).isEqualTo(4294967295L);
        assertThat(((GenericArrayData) row[12]).toObjectArray())
                .containsExactly(StringData.fromString("a"), StringData.fromString("b"));
    }

    @Test
    void resolvePassthroughGivesTheDescriptorsTypeAndRefusesUnknownFields() {
        assertThat(
                        format.resolvePassthrough(
                                List.of(
                                        new PassthroughField("id", PassthroughField.Type.STRING),
                                        new PassthroughField(
                                                "created", PassthroughField.Type.STRING))))
                .extracting(PassthroughField::columnType)
                .containsExactly(new BigIntType(), new LocalZonedTimestampType(6));
        assertThatThrownBy(
                        () ->
                                format.resolvePassthrough(
                                        List.of(
                                                new PassthroughField(
                                                        "nope", PassthroughField.Type.LONG))))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "passthrough field 'nope' is not a field of protobuf message acme.Review"
                                + " (fields: [score, id, text, verified, color, embedding, author,"
                                + " counts, created, stars, blob, weights, votes, tags]): set"
                                + " output.passthrough to some of them");
    }

    @Test
    void checkInputsRefusesMissingFieldsByTheDescriptor() {
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                List.of(new FieldSpec("x", DType.FLOAT, SCALAR)),
                                                Map.of("x", "author.height")),
                                        List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model.input.x is 'author.height', but protobuf message acme.Review.Author"
                                + " (at 'author') has no field 'height' (fields: [name, age]): map"
                                + " model.input.x to one of them");
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                List.of(new FieldSpec("x", DType.FLOAT, SCALAR)),
                                                Map.of()),
                                        List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model input 'x' is unmapped and reads 'x', but protobuf message acme.Review"
                                + " has no field 'x' (fields: [score, id, text, verified, color,"
                                + " embedding, author, counts, created, stars, blob, weights, votes,"
                                + " tags]): map model.input.x to one of them");
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                List.of(new FieldSpec("x", DType.FLOAT, SCALAR)),
                                                Map.of("x", "tags.length")),
                                        List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model.input.x is 'tags.length', but protobuf field 'tags' of acme.Review is"
                                + " repeated string, not a singular message a path can go into: map"
                                + " model.input.x to one of them");
    }

    @Test
    void checkInputsRefusesATypeThatCannotFeedTheTensor() {
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                List.of(new FieldSpec("x", DType.FLOAT, VECTOR)),
                                                Map.of("x", "tags")),
                                        List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model input 'x' (model.input.x is 'tags') expects DT_FLOAT [-1] but protobuf"
                                + " field 'tags' of acme.Review is repeated string: set model.input.x"
                                + " to a field of float or double");
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                List.of(
                                                        new FieldSpec(
                                                                "author", DType.STRING, SCALAR)),
                                                Map.of()),
                                        List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model input 'author' (unmapped, it reads 'author') expects DT_STRING scalar"
                                + " but protobuf field 'author' of acme.Review is message"
                                + " acme.Review.Author: set model.input.author to a field of string,"
                                + " bytes or enum");
    }

    @Test
    void describesWhatEachModelFieldReads() {
        assertThat(
                        format.describeInputs(
                                spec(
                                        List.of(
                                                new FieldSpec("x", DType.FLOAT, VECTOR),
                                                new FieldSpec("n", DType.STRING, SCALAR)),
                                        Map.of("n", "author.name"))))
                .containsExactly(
                        "Protobuf field 'x': repeated float or double (for DT_FLOAT [-1])",
                        "Protobuf field 'author.name': string, bytes or enum (for DT_STRING scalar)");
    }

    @Test
    void decodesForDisplayAsPlainJavaValues() {
        List<Map<String, Object>> shown =
                format.decodeForDisplay(
                        List.of(
                                ProtobufFixtures.review(review).toByteArray(),
                                new byte[] {(byte) 0xff}));
        assertThat(shown).hasSize(1);
        Map<String, Object> m = shown.get(0);
        assertThat(m)
                .containsEntry("id", 1234567890123L)
                .containsEntry("color", "GREEN")
                .containsEntry("author", Map.of("name", "ann", "age", 41))
                .containsEntry("counts", Map.of("likes", 7L))
                .containsEntry("created", "2023-11-14T22:13:20.123456789Z")
                .containsEntry("weights", List.of(0.5, 2.0))
                .doesNotContainKey("stars");
    }

    @Test
    void badValuesAreDecodeExceptionsNamingTheMessageType() {
        RecordReader reader =
                format.reader(spec(List.of(new FieldSpec("id", DType.INT64, SCALAR)), Map.of()));
        byte[] good = ProtobufFixtures.review(review).toByteArray();
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 2); // mid-field: "b" of tags
        assertThatThrownBy(() -> read(reader, null))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value is null (a tombstone?); expected a protobuf acme.Review"
                                + " message");
        assertThatThrownBy(() -> read(reader, truncated))
                .isInstanceOf(DecodeException.class)
                .hasMessageStartingWith(
                        "record value is not a valid protobuf acme.Review message (While parsing a"
                                + " protocol message, the input ended unexpectedly");
        // Field 1 (float, fixed32) with wire type 7, which does not exist.
        assertThatThrownBy(() -> read(reader, new byte[] {0x0f, 1, 2}))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value is not a valid protobuf acme.Review message (Protocol message"
                                + " tag had invalid wire type.)");
        assertThatThrownBy(() -> read(reader, new byte[] {0x0c})) // an end-group tag
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value is not a valid protobuf acme.Review message (Protocol message"
                                + " end-group tag did not match expected tag.)");
        assertThatThrownBy(() -> read(reader, "{\"id\": 1}".getBytes()))
                .isInstanceOf(DecodeException.class)
                .hasMessageStartingWith(
                        "record value is not a valid protobuf acme.Review message (")
                .hasMessageNotContaining("\n");
    }

    @Test
    void confluentFramingWithTheIndexShorthandAndAnExplicitList() throws Exception {
        RecordFormat confluent = ProtobufFixtures.format(descriptorFile, true, "acme.Review");
        ReaderSpec spec = spec(List.of(new FieldSpec("text", DType.STRING, SCALAR)), Map.of());
        RecordReader reader = confluent.reader(spec);
        byte[] message = ProtobufFixtures.review(review).toByteArray();

        assertThat(read(reader, ProtobufFixtures.confluent(new byte[] {0}, message)))
                .containsEntry("text", "great");
        // count 1 (zigzag 2), index 0
        assertThat(read(reader, ProtobufFixtures.confluent(new byte[] {2, 0}, message)))
                .containsEntry("text", "great");

        // acme.Review.Author is [0, 0]: count 2 (zigzag 4), 0, 0
        RecordFormat nested = ProtobufFixtures.format(descriptorFile, true, "acme.Review.Author");
        Descriptor author = ((ProtobufFormat) nested).descriptor();
        byte[] ann =
                DynamicMessage.newBuilder(author)
                        .setField(author.findFieldByName("name"), "ann")
                        .build()
                        .toByteArray();
        assertThat(
                        read(
                                nested.reader(
                                        spec(
                                                List.of(
                                                        new FieldSpec(
                                                                "name", DType.STRING, SCALAR)),
                                                Map.of())),
                                ProtobufFixtures.confluent(new byte[] {4, 0, 0}, ann)))
                .containsEntry("name", "ann");
    }

    @Test
    void badConfluentFramingIsADecodeException() {
        RecordFormat confluent = ProtobufFixtures.format(descriptorFile, true, "acme.Review");
        RecordReader reader =
                confluent.reader(
                        spec(List.of(new FieldSpec("text", DType.STRING, SCALAR)), Map.of()));
        byte[] message = ProtobufFixtures.review(review).toByteArray();

        assertThatThrownBy(() -> read(reader, new byte[0]))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value is empty; expected Confluent's framing (magic byte 0, schema"
                                + " id, message indexes) before a protobuf acme.Review message");
        assertThatThrownBy(() -> read(reader, message))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value starts with byte 0x0d, not Confluent's magic byte 0; expected"
                                + " a Confluent-framed protobuf acme.Review message (source.format"
                                + " protobuf reads unframed values)");
        assertThatThrownBy(() -> read(reader, new byte[] {0, 0, 0, 0, 42}))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value is 5 bytes, too short for Confluent's header (magic byte,"
                                + " 4-byte schema id, message indexes) before a protobuf acme.Review"
                                + " message");
        // count 1 (zigzag 2), index 1: acme.Other
        assertThatThrownBy(
                        () -> read(reader, ProtobufFixtures.confluent(new byte[] {2, 2}, message)))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value's Confluent message indexes [1] name message acme.Other in"
                                + " acme/review.proto, not acme.Review [0]: set"
                                + " source.protobuf.message to the records' message type");
        assertThatThrownBy(
                        () -> read(reader, ProtobufFixtures.confluent(new byte[] {2, 10}, message)))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value's Confluent message indexes [5] name no message in"
                                + " acme/review.proto, not acme.Review [0]: set"
                                + " source.protobuf.message to the records' message type");
        assertThatThrownBy(() -> read(reader, ProtobufFixtures.confluent(new byte[] {1}, message)))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value's Confluent message indexes are corrupt (a count of -1);"
                                + " expected the indexes of protobuf acme.Review [0]");
        assertThatThrownBy(
                        () ->
                                read(
                                        reader,
                                        ProtobufFixtures.confluent(
                                                new byte[] {(byte) 0x80}, new byte[0])))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value's Confluent message indexes are truncated or corrupt;"
                                + " expected the indexes of protobuf acme.Review [0]");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(format);
        }
        Files.delete(descriptorFile); // tasks need no file
        RecordFormat copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (RecordFormat) in.readObject();
        }
        assertThat(copy).isEqualTo(format).hasSameHashCodeAs(format);
        ReaderSpec spec = spec(List.of(new FieldSpec("id", DType.INT64, SCALAR)), Map.of());
        assertThat(read(copy.reader(spec), ProtobufFixtures.review(review).toByteArray()))
                .containsEntry("id", 1234567890123L);
    }

    @Test
    void badOptionsAreFormatExceptionsNamingTheKey() throws Exception {
        Configuration conf = new Configuration();
        conf.setString("source.format", "protobuf");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "option 'source.protobuf.message' is not set, and source.format protobuf"
                                + " needs it: set it to e.g. acme.Review");
        conf.setString("source.protobuf.message", "acme.Review");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "option 'source.protobuf.descriptor' is not set, and source.format protobuf"
                                + " needs it: set it to a descriptor set written by 'protoc"
                                + " --include_imports --descriptor_set_out=FILE'");
        Path missing = dir.resolve("missing.desc");
        conf.setString("source.protobuf.descriptor", missing.toString());
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith(
                        "option 'source.protobuf.descriptor' is '"
                                + missing
                                + "', which cannot be read (")
                .hasMessageEndingWith(
                        "): point it at a descriptor set written by 'protoc --include_imports"
                                + " --descriptor_set_out=FILE'");
        Path garbage = Files.write(dir.resolve("garbage.desc"), new byte[] {(byte) 0xff, 1});
        conf.setString("source.protobuf.descriptor", garbage.toString());
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith(
                        "option 'source.protobuf.descriptor' is '"
                                + garbage
                                + "', which is not a usable FileDescriptorSet (")
                .hasMessageEndingWith(
                        "): write it with 'protoc --include_imports --descriptor_set_out=FILE'");
        conf.setString("source.protobuf.descriptor", descriptorFile.toString());
        conf.setString("source.protobuf.message", "acme.Nope");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "option 'source.protobuf.message' is 'acme.Nope', which descriptor set '"
                                + descriptorFile
                                + "' does not have: set it to one of [acme.Other, acme.Review,"
                                + " acme.Review.Author]");
    }

    @Test
    void aDescriptorSetWithoutTheWellKnownImportsStillWorks() throws Exception {
        var set = ProtobufFixtures.descriptorSet().toBuilder().removeFile(0).build();
        Path file = Files.write(dir.resolve("no-imports.desc"), set.toByteArray());
        ProtobufFormat f = (ProtobufFormat) ProtobufFixtures.format(file, false, ".acme.Review");
        assertThat(
                        f.resolvePassthrough(
                                List.of(
                                        new PassthroughField(
                                                "created", PassthroughField.Type.STRING))))
                .extracting(PassthroughField::columnType)
                .containsExactly(new LocalZonedTimestampType(6));
    }

    @Test
    void bothFormatsAreRegisteredAndTheirOptionsListedOnce() {
        assertThat(RecordFormats.factories()).containsKeys("protobuf", "protobuf-confluent");
        assertThat(RecordFormats.options())
                .extracting(ConfigOption::key)
                .containsOnlyOnce("source.protobuf.message", "source.protobuf.descriptor");
        assertThat(ProtobufOptions.MESSAGE.description().toString()).isNotBlank();
    }
}
