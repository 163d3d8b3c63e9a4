package dev.batchscore.operators.format.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Conversions;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code source.format: avro}: records written by Avro's own writer, read as the job reads them.
 */
class AvroFormatTest {

    static final String REVIEW =
            """
            {"type": "record", "name": "Review", "namespace": "com.acme", "fields": [
              {"name": "id", "type": "long"},
              {"name": "text", "type": "string"},
              {"name": "score", "type": "float"},
              {"name": "embedding", "type": {"type": "array", "items": "float"}},
              {"name": "weights", "type": {"type": "array", "items": "double"}},
              {"name": "tags", "type": {"type": "array", "items": "string"}},
              {"name": "verified", "type": "boolean"},
              {"name": "rating", "type": ["null", "int"], "default": null},
              {"name": "lang", "type": {"type": "enum", "name": "Lang", "symbols": ["EN", "DE"]}},
              {"name": "raw", "type": "bytes"},
              {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
              {"name": "at_us", "type": {"type": "long", "logicalType": "timestamp-micros"}},
              {"name": "day", "type": {"type": "int", "logicalType": "date"}},
              {"name": "price", "type": {"type": "bytes", "logicalType": "decimal",
                                         "precision": 10, "scale": 2}},
              {"name": "uid", "type": {"type": "string", "logicalType": "uuid"}},
              {"name": "author", "type": {"type": "record", "name": "Author", "fields": [
                {"name": "name", "type": "string"},
                {"name": "age", "type": ["null", "int"], "default": null}]}},
              {"name": "attrs", "type": {"type": "map", "values": "long"}}
            ]}
            """;

    static final Schema SCHEMA = new Schema.Parser().parse(REVIEW);
    static final long AT = 1_767_225_600_123L; // 2026-01-01T00:00:00.123Z

    static GenericRecord review(long id, String text) {
        GenericRecord r = new GenericData.Record(SCHEMA);
        r.put("id", id);
        r.put("text", text);
        r.put("score", 4.5f);
        r.put("embedding", List.of(1f, 2f, 3f));
        r.put("weights", List.of(0.5, 0.25));
        r.put("tags", List.of("a", "b"));
        r.put("verified", true);
        r.put("rating", null);
        r.put("lang", new GenericData.EnumSymbol(SCHEMA.getField("lang").schema(), "DE"));
        r.put("raw", ByteBuffer.wrap(new byte[] {1, 2, 3}));
        r.put("at", AT);
        r.put("at_us", AT * 1000 + 456);
        r.put("day", 20_454);
        Schema price = SCHEMA.getField("price").schema();
        r.put(
                "price",
                new Conversions.DecimalConversion()
                        .toBytes(new BigDecimal("19.99"), price, price.getLogicalType()));
        r.put("uid", "6f1c1a3e-7d44-4a2b-9a5e-0c0ffee00001");
        GenericRecord author = new GenericData.Record(SCHEMA.getField("author").schema());
        author.put("name", "ann");
        author.put("age", 42);
        r.put("author", author);
        Map<String, Long> attrs = new LinkedHashMap<>();
        attrs.put("likes", 3L);
        r.put("attrs", attrs);
        return r;
    }

    static byte[] write(GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    static FieldSpec field(String name, DType dtype, Long... shape) {
        return new FieldSpec(name, dtype, List.of(shape));
    }

    private static final List<FieldSpec> FIELDS =
            List.of(
                    field("text", DType.STRING),
                    field("score", DType.FLOAT),
                    field("embedding", DType.FLOAT, -1L),
                    field("weights", DType.FLOAT, -1L),
                    field("age", DType.INT64),
                    field("rating", DType.INT32),
                    field("lang", DType.STRING),
                    field("raw", DType.STRING),
                    field("tags", DType.STRING, -1L));

    private static ReaderSpec spec(List<PassthroughField> passthrough) {
        return new ReaderSpec(FIELDS, Map.of("age", "author.age"), passthrough, null);
    }

    private final AvroFormat format = AvroFormat.avro(REVIEW);

    @Test
    void modelInputsAreWhatTheRuntimeTakes() throws Exception {
        RecordReader reader = format.reader(spec(List.of()));
        Map<String, Object> input = new HashMap<>();
        reader.read(write(review(7, "great")), input, new Object[0]);

        assertThat(input)
                .containsOnlyKeys(
                        "text",
                        "score",
                        "embedding",
                        "weights",
                        "age",
                        "rating",
                        "lang",
                        "raw",
                        "tags");
        assertThat(input.get("text")).isEqualTo("great");
        assertThat(input.get("score")).isEqualTo(4.5f);
        assertThat(input.get("embedding")).isEqualTo(new float[] {1f, 2f, 3f});
        // array<double> for a DT_FLOAT input: still a primitive float[]
        assertThat(input.get("weights")).isEqualTo(new float[] {0.5f, 0.25f});
        assertThat(input.get("age")).isEqualTo(42);
        assertThat(input).containsEntry("rating", null);
        assertThat(input.get("lang")).isEqualTo("DE");
        assertThat(input.get("raw")).isEqualTo(new byte[] {1, 2, 3});
        assertThat(input.get("tags")).isEqualTo(List.of("a", "b"));
    }

    @Test
    void floatAndDoubleArraysInManyBlocksOrCutShort() throws Exception {
        GenericRecord r = review(3, "long vectors");
        List<Float> embedding = new java.util.ArrayList<>();
        float[] expected = new float[100];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = i * 0.5f - 7.25f;
            embedding.add(expected[i]);
        }
        List<Double> weights = new java.util.ArrayList<>();
        float[] expectedWeights = new float[50];
        for (int i = 0; i < expectedWeights.length; i++) {
            weights.add(i / 8.0);
            expectedWeights[i] = (float) (i / 8.0);
        }
        r.put("embedding", embedding);
        r.put("weights", weights);
        // Blocks of at most 64 bytes: arrays in several blocks, each with its byte size.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder blocking =
                new EncoderFactory().configureBlockSize(64).blockingBinaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(SCHEMA).write(r, blocking);
        blocking.flush();
        assertThat(out.size()).as("block counts and sizes").isGreaterThan(write(r).length + 10);

        for (byte[] value : List.of(out.toByteArray(), write(r))) {
            Map<String, Object> input = new HashMap<>();
            format.reader(spec(List.of())).read(value, input, new Object[0]);
            assertThat(input.get("embedding")).isEqualTo(expected);
            assertThat(input.get("weights")).isEqualTo(expectedWeights);
        }
        byte[] whole = write(r);
        // cut inside the embedding's 400 bytes
        assertThatThrownBy(
                        () ->
                                format.reader(spec(List.of()))
                                        .read(
                                                Arrays.copyOf(whole, 60),
                                                new HashMap<>(),
                                                new Object[0]))
                .isInstanceOf(DecodeException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void reusedRecordsDoNotLeakIntoEarlierValues() throws Exception {
        RecordReader reader = format.reader(spec(format.inferPassthrough(List.of(), Set.of())));
        Map<String, Object> first = new HashMap<>();
        Object[] firstRow = new Object[SCHEMA.getFields().size()];
        reader.read(write(review(1, "first text")), first, firstRow);
        GenericRecord second = review(2, "2nd");
        second.put("embedding", List.of(9f));
        reader.read(write(second), new HashMap<>(), new Object[firstRow.length]);

        assertThat(first.get("text")).isEqualTo("first text");
        assertThat(first.get("embedding")).isEqualTo(new float[] {1f, 2f, 3f});
        assertThat(firstRow[1]).isEqualTo(StringData.fromString("first text"));
    }

    @Test
    void passthroughColumnsHaveTheSchemasTypesAndInternalValues() throws Exception {
        List<PassthroughField> columns =
                format.inferPassthrough(List.of(), Set.of("text", "score", "weights"));
        Map<String, LogicalType> types = new LinkedHashMap<>();
        columns.forEach(c -> types.put(c.name(), c.columnType()));
        VarCharType string = new VarCharType(VarCharType.MAX_LENGTH);
        assertThat(types)
                .containsExactly(
                        Map.entry("id", new BigIntType()),
                        Map.entry("embedding", new ArrayType(new FloatType())),
                        Map.entry("tags", new ArrayType(string)),
                        Map.entry(
                                "verified", new org.apache.flink.table.types.logical.BooleanType()),
                        Map.entry("rating", new IntType()),
                        Map.entry("lang", string),
                        Map.entry("raw", new VarBinaryType(VarBinaryType.MAX_LENGTH)),
                        Map.entry("at", new LocalZonedTimestampType(3)),
                        Map.entry("at_us", new LocalZonedTimestampType(6)),
                        Map.entry("day", new DateType()),
                        Map.entry("price", new DecimalType(10, 2)),
                        Map.entry("uid", string),
                        Map.entry(
                                "author",
                                new RowType(
                                        List.of(
                                                new RowType.RowField("name", string),
                                                new RowType.RowField("age", new IntType())))),
                        Map.entry("attrs", new MapType(string, new BigIntType())));

        RecordReader reader = format.reader(spec(columns));
        Object[] row = new Object[columns.size()];
        reader.read(write(review(7, "great")), new HashMap<>(), row);

        assertThat(row[0]).isEqualTo(7L);
        assertThat(row[1]).isEqualTo(new GenericArrayData(new float[] {1f, 2f, 3f}));
        assertThat(row[2])
                .isEqualTo(
                        new GenericArrayData(
                                new Object[] {
                                    StringData.fromString("a"), StringData.fromString("b")
                                }));
        assertThat(row[3]).isEqualTo(true);
        assertThat(row[4]).isNull();
        assertThat(row[5]).isEqualTo(StringData.fromString("DE"));
        assertThat(row[6]).isEqualTo(new byte[] {1, 2, 3});
        assertThat(row[7]).isEqualTo(TimestampData.fromEpochMillis(AT));
        assertThat(row[8]).isEqualTo(TimestampData.fromEpochMillis(AT, 456_000));
        assertThat(row[9]).isEqualTo(20_454);
        assertThat(row[10]).isEqualTo(DecimalData.fromBigDecimal(new BigDecimal("19.99"), 10, 2));
        assertThat(row[11])
                .isEqualTo(StringData.fromString("6f1c1a3e-7d44-4a2b-9a5e-0c0ffee00001"));
        assertThat(row[12]).isEqualTo(GenericRowData.of(StringData.fromString("ann"), 42));
        assertThat(row[13])
                .isEqualTo(new GenericMapData(Map.of(StringData.fromString("likes"), 3L)));
    }

    @Test
    void declaredPassthroughFieldsGetTheSchemasTypes() {
        assertThat(
                        format.resolvePassthrough(
                                List.of(
                                        new PassthroughField("at", PassthroughField.Type.STRING),
                                        new PassthroughField("id", PassthroughField.Type.STRING))))
                .containsExactly(
                        new PassthroughField("at", new LocalZonedTimestampType(3)),
                        new PassthroughField("id", PassthroughField.Type.LONG));
        assertThatThrownBy(
                        () ->
                                format.resolvePassthrough(
                                        List.of(
                                                new PassthroughField(
                                                        "nope", PassthroughField.Type.STRING))))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "output.passthrough field 'nope' is not in the Avro schema com.acme.Review"
                                + " (fields: [id, text, score, embedding, weights, tags, verified,"
                                + " rating, lang, raw, at, at_us, day, price, uid, author, attrs]):"
                                + " set output.passthrough to fields of the schema");
    }

    @Test
    void checkInputsRefusesMissingAndMistypedFields() {
        format.checkInputs(spec(List.of()), List.of());

        ReaderSpec missing =
                new ReaderSpec(
                        List.of(field("x", DType.FLOAT)),
                        Map.of("x", "author.height"),
                        List.of(),
                        null);
        assertThatThrownBy(() -> format.checkInputs(missing, List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith(
                        "model.input.x is 'author.height', but the Avro schema com.acme.Review has"
                                + " no such field (fields: [id, text,")
                .hasMessageEndingWith("]): map model.input.x to one of them");

        ReaderSpec mistyped =
                new ReaderSpec(List.of(field("text", DType.FLOAT)), Map.of(), List.of(), null);
        assertThatThrownBy(() -> format.checkInputs(mistyped, List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model input 'text' (unmapped, it reads 'text') expects DT_FLOAT but field"
                                + " 'text' of the Avro schema com.acme.Review is string: set"
                                + " model.input.text to a field of type float or double");

        ReaderSpec mistypedArray =
                new ReaderSpec(
                        List.of(field("v", DType.INT64, -1L)),
                        Map.of("v", "tags"),
                        List.of(),
                        null);
        assertThatThrownBy(() -> format.checkInputs(mistypedArray, List.of()))
                .hasMessage(
                        "model input 'v' (model.input.v is 'tags') expects DT_INT64 but field"
                                + " 'tags' of the Avro schema com.acme.Review is array of string:"
                                + " set model.input.v to a field of type int or long");
    }

    @Test
    void describesWhatEachModelFieldNeeds() {
        assertThat(
                        format.describeInputs(
                                new ReaderSpec(
                                        List.of(
                                                field("x", DType.FLOAT, -1L),
                                                field("text", DType.STRING),
                                                field("n", DType.INT64, 1L)),
                                        Map.of("x", "embedding"),
                                        List.of(),
                                        null)))
                .containsExactly(
                        "Avro field 'embedding': array of float or double (for DT_FLOAT [-1])",
                        "Avro field 'text': string, enum or bytes (for DT_STRING scalar)",
                        "Avro field 'n': int or long (or an array of them) (for DT_INT64 [1])");
    }

    @Test
    void decodesForDisplayAsPlainJava() {
        List<Map<String, Object>> shown =
                format.decodeForDisplay(List.of(write(review(7, "great")), new byte[] {1}));
        assertThat(shown).hasSize(1);
        Map<String, Object> r = shown.get(0);
        assertThat(r.get("text")).isEqualTo("great");
        assertThat(r.get("embedding")).isEqualTo(List.of(1f, 2f, 3f));
        assertThat(r.get("lang")).isEqualTo("DE");
        assertThat(r.get("at")).isEqualTo("2026-01-01T00:00:00.123Z");
        assertThat(r.get("day")).isEqualTo("2026-01-01");
        assertThat(r.get("price")).isEqualTo(new BigDecimal("19.99"));
        assertThat(r.get("author")).isEqualTo(Map.of("name", "ann", "age", 42));
        assertThat(r.get("attrs")).isEqualTo(Map.of("likes", 3L));
    }

    // --- bad input: each kind with its exact reason ---------------------------------------

    private static final String SMALL =
            """
            {"type": "record", "name": "Small", "namespace": "com.acme", "fields": [
              {"name": "s", "type": "string"},
              {"name": "n", "type": ["null", "int"]},
              {"name": "e", "type": {"type": "enum", "name": "E", "symbols": ["A", "B"]}},
              {"name": "v", "type": {"type": "array", "items": "float"}}
            ]}
            """;

    private static String reason(RecordFormat f, byte[] value) {
        RecordReader reader =
                f.reader(
                        new ReaderSpec(
                                List.of(field("s", DType.STRING)), Map.of(), List.of(), null));
        try {
            reader.read(value, new HashMap<>(), new Object[0]);
        } catch (DecodeException e) {
            return e.getMessage();
        }
        throw new AssertionError("read " + Arrays.toString(value));
    }

    @Test
    void badValuesAreDecodeExceptionsWithOneLineReasons() {
        AvroFormat small = AvroFormat.avro(SMALL);
        // a good one: "ab", n=1, e=B, v=[] : 04 61 62 | 02 02 | 02 | 00
        byte[] good = {4, 'a', 'b', 2, 2, 2, 0};
        assertThat(small.decodeForDisplay(List.of(good))).hasSize(1);

        String prefix = "record value is not Avro binary of schema com.acme.Small: ";
        assertThat(reason(small, null))
                .isEqualTo("record value is null: expected Avro binary of schema com.acme.Small");
        assertThat(reason(small, new byte[0]))
                .isEqualTo("record value is empty: expected Avro binary of schema com.acme.Small");
        assertThat(reason(small, Arrays.copyOf(good, 4)))
                .isEqualTo(prefix + "truncated: its 4 bytes end inside the record");
        assertThat(reason(small, new byte[] {5, 'a', 'b'}))
                .isEqualTo(prefix + "corrupt: Length is negative: -3");
        assertThat(reason(small, new byte[] {4, 'a', 'b', 8, 2, 0}))
                .isEqualTo(
                        prefix
                                + "corrupt: a union or enum index out of range (Index 4 out of bounds for length 2)");
        assertThat(reason(small, new byte[] {4, 'a', 'b', 0, 6, 0}))
                .isEqualTo(
                        prefix
                                + "corrupt: a union or enum index out of range (Index 3 out of bounds for length 2)");
        assertThat(reason(small, new byte[] {4, 'a', 'b', 0, 2, (byte) 0xfe, (byte) 0xff, 0x7f}))
                .isEqualTo(
                        prefix
                                + "truncated: its 8 bytes end inside the record (an array of 1048575 elements)");
        // a corrupt length is refused before anything that long is allocated
        assertThat(
                        reason(
                                small,
                                new byte[] {(byte) 0x80, (byte) 0xa8, (byte) 0xd6, (byte) 0xb9, 7}))
                .isEqualTo(
                        prefix
                                + "truncated: its 5 bytes end inside the record (a string of 1000000000 bytes)");
        byte[] trailing = Arrays.copyOf(good, good.length + 2);
        assertThat(reason(small, trailing))
                .isEqualTo(
                        prefix
                                + "2 bytes left after the record, which ends after 7 of 9 bytes"
                                + " (written with another schema?)");
        assertThat(reason(small, "{\"s\": \"json\"}".getBytes(StandardCharsets.UTF_8)))
                .startsWith(prefix)
                .doesNotContain("\n");
    }

    // --- options, factory, serialization ----------------------------------------------------

    @Test
    void factoryReadsTheSchemaFromAFileOrInline(@TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path file = dir.resolve("review.avsc");
        Files.writeString(file, REVIEW);
        Configuration conf = new Configuration();
        conf.setString("source.format", "avro");
        conf.setString("source.avro.schema", file.toUri().toString());
        assertThat(RecordFormats.create(conf)).isEqualTo(format);
        conf.setString("source.avro.schema", file.toString());
        assertThat(RecordFormats.create(conf)).isEqualTo(format);
        conf.setString("source.avro.schema", REVIEW);
        assertThat(RecordFormats.create(conf)).isEqualTo(format);

        assertThat(RecordFormats.options())
                .extracting(o -> o.key())
                .contains(
                        "source.avro.schema",
                        "source.avro-confluent.url",
                        "source.avro-confluent.basic-auth.user-info");
    }

    @Test
    void factoryRefusesMissingOrBadSchemas(@TempDir java.nio.file.Path dir) {
        Configuration conf = new Configuration();
        conf.setString("source.format", "avro");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "source.format is avro but option 'source.avro.schema' is unset: set it to"
                                + " the records' Avro schema (a file or its JSON text)");
        conf.setString("source.avro.schema", dir.resolve("missing.avsc").toString());
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith(
                        "option 'source.avro.schema' is '"
                                + dir.resolve("missing.avsc")
                                + "', which cannot be read (")
                .hasMessageEndingWith(
                        "): set it to an Avro schema file (any Flink filesystem URI) or the"
                                + " schema's JSON text");
        conf.setString("source.avro.schema", "{\"type\": \"record\"}");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessageStartingWith("option 'source.avro.schema' is not an Avro schema (");
        conf.setString("source.avro.schema", "\"string\"");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "option 'source.avro.schema' is string, not a record: set it to the schema"
                                + " of a record");
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        RecordFormat copy =
                InstantiationUtil.deserializeObject(
                        InstantiationUtil.serializeObject(format), getClass().getClassLoader());
        assertThat(copy).isEqualTo(format).hasToString("avro(com.acme.Review)");
        Map<String, Object> input = new HashMap<>();
        copy.reader(spec(List.of())).read(write(review(7, "great")), input, new Object[0]);
        assertThat(input.get("text")).isEqualTo("great");
    }
}
