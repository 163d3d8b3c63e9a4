package dev.batchscore.operators.format.avro;

import static dev.batchscore.operators.format.avro.AvroFormatTest.REVIEW;
import static dev.batchscore.operators.format.avro.AvroFormatTest.field;
import static dev.batchscore.operators.format.avro.AvroFormatTest.review;
import static dev.batchscore.operators.format.avro.AvroFormatTest.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code source.format: avro-confluent} against {@link FakeSchemaRegistry}. */
class AvroConfluentFormatTest {

    static final String USER_V1 =
            """
            {"type": "record", "name": "User", "namespace": "com.acme", "fields": [
              {"name": "name", "type": "string"},
              {"name": "score", "type": "float"}
            ]}
            """;
    // v2 adds a field with a default, as a compatible evolution does
    static final String USER_V2 =
            """
            {"type": "record", "name": "User", "namespace": "com.acme", "fields": [
              {"name": "name", "type": "string"},
              {"name": "score", "type": "float"},
              {"name": "age", "type": "int", "default": -1}
            ]}
            """;

    private FakeSchemaRegistry registry;
    private int savedTries;
    private long savedBackoff;
    private Duration savedTimeout;

    @BeforeEach
    void start() throws Exception {
        registry = new FakeSchemaRegistry();
        SchemaRegistry.clearCache();
        savedTries = SchemaRegistry.tries;
        savedBackoff = SchemaRegistry.firstBackoffMillis;
        savedTimeout = SchemaRegistry.requestTimeout;
        SchemaRegistry.firstBackoffMillis = 1;
    }

    @AfterEach
    void stop() {
        registry.close();
        SchemaRegistry.clearCache();
        SchemaRegistry.tries = savedTries;
        SchemaRegistry.firstBackoffMillis = savedBackoff;
        SchemaRegistry.requestTimeout = savedTimeout;
    }

    /** The Confluent wire format: magic byte 0, the id big-endian, the Avro binary. */
    static byte[] framed(int id, GenericRecord record) {
        byte[] avro = write(record);
        return ByteBuffer.allocate(5 + avro.length).put((byte) 0).putInt(id).put(avro).array();
    }

    static GenericRecord user(String schemaJson, String name, float score, Integer age) {
        Schema schema = new Schema.Parser().parse(schemaJson);
        GenericRecord r = new GenericData.Record(schema);
        r.put("name", name);
        r.put("score", score);
        if (age != null) {
            r.put("age", age);
        }
        return r;
    }

    private static final ReaderSpec USER_SPEC =
            new ReaderSpec(
                    List.of(field("score", DType.FLOAT), field("age", DType.INT64)),
                    Map.of(),
                    List.of(new PassthroughField("name", PassthroughField.Type.STRING)),
                    null);

    @Test
    void fetchesTheWriterSchemaOnceWithBasicAuth() throws Exception {
        registry.register(1, REVIEW);
        AvroFormat format = AvroFormat.confluent(registry.url(), "ann:s3cret", null);
        RecordReader reader =
                format.reader(
                        new ReaderSpec(
                                List.of(field("text", DType.STRING)), Map.of(), List.of(), null));
        for (int i = 0; i < 3; i++) {
            Map<String, Object> input = new HashMap<>();
            reader.read(framed(1, review(i, "text " + i)), input, new Object[0]);
            assertThat(input).containsEntry("text", "text " + i);
        }
        // another reader in the same TaskManager: the schema is cached
        format.reader(USER_SPEC);
        format.decodeForDisplay(List.of(framed(1, review(9, "x"))));

        assertThat(registry.requests)
                .containsExactly(
                        new FakeSchemaRegistry.Request(
                                "GET",
                                "/schemas/ids/1",
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString(
                                                        "ann:s3cret"
                                                                .getBytes(
                                                                        StandardCharsets.UTF_8))));
    }

    @Test
    void recordsOfTwoSchemaVersionsResolveToTheReaderSchema() throws Exception {
        registry.register(1, USER_V1).register(2, USER_V2);
        AvroFormat format = AvroFormat.confluent(registry.url(), null, USER_V2);
        RecordReader reader = format.reader(USER_SPEC);

        Map<String, Object> old = new HashMap<>();
        Object[] oldRow = new Object[1];
        reader.read(framed(1, user(USER_V1, "ann", 0.5f, null)), old, oldRow);
        Map<String, Object> current = new HashMap<>();
        Object[] currentRow = new Object[1];
        reader.read(framed(2, user(USER_V2, "bob", 1.5f, 33)), current, currentRow);

        assertThat(old).containsExactlyInAnyOrderEntriesOf(Map.of("score", 0.5f, "age", -1));
        assertThat(oldRow).containsExactly(StringData.fromString("ann"));
        assertThat(current).containsExactlyInAnyOrderEntriesOf(Map.of("score", 1.5f, "age", 33));
        assertThat(currentRow).containsExactly(StringData.fromString("bob"));
        assertThat(registry.requests).extracting(r -> r.authorization()).containsOnlyNulls();
    }

    @Test
    void withoutAReaderSchemaEachRecordIsReadAsWritten() throws Exception {
        registry.register(1, USER_V1).register(2, USER_V2);
        AvroFormat format = AvroFormat.confluent(registry.url(), null, null);
        List<byte[]> samples =
                List.of(new byte[] {1, 2}, framed(2, user(USER_V2, "bob", 1.5f, 33)));

        // planning judges by the first decodable sample's writer schema
        assertThat(format.inferPassthrough(samples, Set.of("score")))
                .containsExactly(
                        new PassthroughField("name", PassthroughField.Type.STRING),
                        new PassthroughField("age", new IntType()));
        format.checkInputs(USER_SPEC, samples);
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        new ReaderSpec(
                                                List.of(field("name", DType.FLOAT)),
                                                Map.of(),
                                                List.of(),
                                                null),
                                        samples))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model input 'name' (unmapped, it reads 'name') expects DT_FLOAT but field"
                                + " 'name' of the Avro schema com.acme.User is string: set"
                                + " model.input.name to a field of type float or double");
        format.checkInputs(USER_SPEC, List.of()); // nothing to judge by

        RecordReader reader = format.reader(USER_SPEC);
        Map<String, Object> old = new HashMap<>();
        reader.read(framed(1, user(USER_V1, "ann", 0.5f, null)), old, new Object[1]);
        assertThat(old).containsOnlyKeys("score"); // age missing: the runtime says so
    }

    @Test
    void badValuesAreDecodeExceptions() throws Exception {
        registry.register(1, USER_V1).register(7, "\"string\"");
        AvroFormat format = AvroFormat.confluent(registry.url(), null, null);
        RecordReader reader = format.reader(USER_SPEC);
        String wire = "the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)";

        assertThat(reason(reader, null)).isEqualTo("record value is null: expected " + wire);
        assertThat(reason(reader, new byte[0]))
                .isEqualTo("record value is empty: expected " + wire);
        assertThat(reason(reader, "{\"a\":1}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(
                        "record value starts with byte 0x7b, not the Confluent magic byte 0:"
                                + " expected "
                                + wire);
        assertThat(reason(reader, new byte[] {0, 0, 1}))
                .isEqualTo(
                        "record value is 3 bytes, shorter than the Confluent wire format's 5-byte"
                                + " header: expected "
                                + wire);
        assertThat(reason(reader, framed(99, user(USER_V1, "a", 1f, null))))
                .isEqualTo("schema id 99 is not in the registry at " + registry.url());
        assertThat(reason(reader, framed(7, user(USER_V1, "a", 1f, null))))
                .isEqualTo("schema id 7 is string, not a record: only records can be scored");
        byte[] good = framed(1, user(USER_V1, "ann", 0.5f, null));
        assertThat(reason(reader, java.util.Arrays.copyOf(good, good.length - 2)))
                .isEqualTo(
                        "record value is not Avro binary of schema com.acme.User (id 1):"
                                + " truncated: its 6 bytes end inside the record");
    }

    @Test
    void anIncompatibleWriterSchemaIsABadRecord() throws Exception {
        String other =
                """
                {"type": "record", "name": "User", "namespace": "com.acme", "fields": [
                  {"name": "name", "type": "long"}, {"name": "score", "type": "float"}]}
                """;
        registry.register(3, other);
        AvroFormat format = AvroFormat.confluent(registry.url(), null, USER_V2);
        GenericRecord r = new GenericData.Record(new Schema.Parser().parse(other));
        r.put("name", 5L);
        r.put("score", 1f);
        assertThat(reason(format.reader(USER_SPEC), framed(3, r)))
                .startsWith(
                        "writer schema com.acme.User (id 3) cannot be read as the reader schema"
                                + " com.acme.User (source.avro.schema): ")
                .doesNotContain("\n");
    }

    @Test
    void retriesAServerErrorThenReads() throws Exception {
        registry.register(1, USER_V1);
        registry.failuresLeft.set(2);
        AvroFormat format = AvroFormat.confluent(registry.url(), null, null);
        Map<String, Object> input = new HashMap<>();
        format.reader(USER_SPEC)
                .read(framed(1, user(USER_V1, "a", 2f, null)), input, new Object[1]);
        assertThat(input).containsEntry("score", 2f);
        assertThat(registry.requests).hasSize(3);
    }

    @Test
    void anUnreachableRegistryFailsTheRunNamingTheUrl() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        SchemaRegistry.tries = 3;
        String url = "http://127.0.0.1:" + port;
        AvroFormat format = AvroFormat.confluent(url, "ann:s3cret", null);
        RecordReader reader = format.reader(USER_SPEC);
        assertThatThrownBy(
                        () ->
                                reader.read(
                                        framed(1, user(USER_V1, "a", 1f, null)),
                                        new HashMap<>(),
                                        new Object[1]))
                .isInstanceOf(SchemaRegistry.UnavailableException.class)
                .isNotInstanceOf(DecodeException.class)
                .hasMessageStartingWith(
                        "the Schema Registry at "
                                + url
                                + " did not answer for schema id 1 after 3 tries (last: ")
                .hasMessageEndingWith(
                        "): check source.avro-confluent.url and that the registry is up")
                .message()
                .doesNotContain("\n")
                .doesNotContain("s3cret");

        registry.failuresLeft.set(10);
        registry.register(1, USER_V1);
        AvroFormat failing = AvroFormat.confluent(registry.url(), null, null);
        assertThatThrownBy(
                        () ->
                                failing.reader(USER_SPEC)
                                        .read(
                                                framed(1, user(USER_V1, "a", 1f, null)),
                                                new HashMap<>(),
                                                new Object[1]))
                .hasMessage(
                        "the Schema Registry at "
                                + registry.url()
                                + " did not answer for schema id 1 after 3 tries (last: HTTP"
                                + " 500): check source.avro-confluent.url and that the registry is"
                                + " up");
    }

    @Test
    void optionsAndSerializationKeepTheUserInfoOutOfSight() throws Exception {
        Configuration conf = new Configuration();
        conf.setString("source.format", "avro-confluent");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "source.format is avro-confluent but option 'source.avro-confluent.url' is"
                                + " unset: set it to the Schema Registry's URL, e.g."
                                + " https://registry:8081");
        conf.setString("source.avro-confluent.url", registry.url());
        conf.setString("source.avro-confluent.basic-auth.user-info", "ann:s3cret");
        conf.setString("source.avro.schema", USER_V2);
        RecordFormat format = RecordFormats.create(conf);
        assertThat(format).isEqualTo(AvroFormat.confluent(registry.url(), "ann:s3cret", USER_V2));
        assertThat(format.toString())
                .isEqualTo(
                        "avro-confluent("
                                + registry.url()
                                + ", reader schema com.acme.User, basic auth)")
                .doesNotContain("s3cret");

        RecordFormat copy =
                InstantiationUtil.deserializeObject(
                        InstantiationUtil.serializeObject(format), getClass().getClassLoader());
        assertThat(copy).isEqualTo(format);
        registry.register(1, USER_V1);
        Map<String, Object> input = new HashMap<>();
        copy.reader(USER_SPEC).read(framed(1, user(USER_V1, "a", 1f, null)), input, new Object[1]);
        assertThat(input).containsEntry("age", -1);
        assertThat(registry.requests.get(0).authorization()).startsWith("Basic ");
    }

    @Test
    void theResolvingPathReadsWhatTheDirectPathReads() throws Exception {
        // a reader schema other than the writer's sends records through Avro's resolving reader
        String readerSchema =
                REVIEW.replace(
                        "{\"name\": \"id\", \"type\": \"long\"},",
                        "{\"name\": \"id\", \"type\": \"long\"}, {\"name\": \"extra\","
                                + " \"type\": \"string\", \"default\": \"\"},");
        assertThat(readerSchema).contains("extra");
        registry.register(1, REVIEW);
        AvroFormat resolving = AvroFormat.confluent(registry.url(), null, readerSchema);
        AvroFormat direct = AvroFormat.confluent(registry.url(), null, REVIEW);
        List<PassthroughField> columns =
                AvroFormat.avro(REVIEW).inferPassthrough(List.of(), Set.of());
        ReaderSpec spec =
                new ReaderSpec(
                        List.of(
                                field("embedding", DType.FLOAT, -1L),
                                field("weights", DType.DOUBLE, -1L),
                                field("tags", DType.STRING, -1L),
                                field("age", DType.INT64)),
                        Map.of("age", "author.age"),
                        columns,
                        null);
        byte[] value = framed(1, review(5, "same"));
        Map<String, Object> a = new HashMap<>();
        Object[] rowA = new Object[columns.size()];
        resolving.reader(spec).read(value, a, rowA);
        Map<String, Object> b = new HashMap<>();
        Object[] rowB = new Object[columns.size()];
        direct.reader(spec).read(value, b, rowB);

        assertThat(a).hasSize(4);
        assertThat(a.get("embedding")).isEqualTo(new float[] {1f, 2f, 3f});
        assertThat(a.get("weights")).isEqualTo(new double[] {0.5, 0.25});
        assertThat(b.get("embedding")).isEqualTo(a.get("embedding"));
        assertThat(b.get("weights")).isEqualTo(a.get("weights"));
        assertThat(b.get("tags")).isEqualTo(a.get("tags")).isEqualTo(List.of("a", "b"));
        assertThat(b.get("age")).isEqualTo(a.get("age")).isEqualTo(42);
        assertThat(rowB).isEqualTo(rowA);
    }

    @Test
    void withoutTheOptionTheUserInfoComesFromTheEnvironment() throws Exception {
        registry.register(1, USER_V1);
        var saved = SchemaRegistry.environment;
        SchemaRegistry.environment =
                name -> name.equals("BATCHSCORE_SCHEMA_REGISTRY_USER_INFO") ? "env:pw" : null;
        try {
            AvroFormat.confluent(registry.url(), null, null)
                    .reader(USER_SPEC)
                    .read(framed(1, user(USER_V1, "a", 1f, null)), new HashMap<>(), new Object[1]);
        } finally {
            SchemaRegistry.environment = saved;
        }
        assertThat(registry.requests.get(0).authorization())
                .isEqualTo(
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString("env:pw".getBytes(StandardCharsets.UTF_8)));
    }

    private static String reason(RecordReader reader, byte[] value) {
        try {
            reader.read(value, new HashMap<>(), new Object[1]);
        } catch (DecodeException e) {
            return e.getMessage();
        }
        throw new AssertionError("read it");
    }
}
