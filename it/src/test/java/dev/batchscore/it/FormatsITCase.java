package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.sun.net.httpserver.HttpServer;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringRun;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongFunction;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

/**
 * Every binary record format end to end: records written by the format's own library (Avro's {@code
 * GenericDatumWriter}, protobuf-java's {@code DynamicMessage} from a descriptor set, TensorFlow
 * Java's {@code Example} protos) with a bad-record corpus among them, a run stopped with a
 * savepoint half way and resumed, and then: every good record scored exactly once with
 * half_plus_two's exact score, every bad record once in the errors table with its reason, and the
 * passthrough columns typed by the format's schema. The ledger does not care about the format; this
 * proves it per format.
 */
class FormatsITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 600;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 2);

    @TempDir static Path scratch;

    private static Path model;
    private static FakeSchemaRegistry registry;

    static final Schema AVRO_V1 =
            new Schema.Parser()
                    .parse(
                            "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"it\",\"fields\":["
                                    + "{\"name\":\"id\",\"type\":\"long\"},"
                                    + "{\"name\":\"x\",\"type\":\"float\"},"
                                    + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                                    + "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\"]}}]}");

    /** Version 2 of the schema: a field added with a default (Avro's compatible evolution). */
    static final Schema AVRO_V2 =
            new Schema.Parser()
                    .parse(
                            "{\"type\":\"record\",\"name\":\"Point\",\"namespace\":\"it\",\"fields\":["
                                    + "{\"name\":\"id\",\"type\":\"long\"},"
                                    + "{\"name\":\"x\",\"type\":\"float\"},"
                                    + "{\"name\":\"at\",\"type\":{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}},"
                                    + "{\"name\":\"kind\",\"type\":{\"type\":\"enum\",\"name\":\"Kind\",\"symbols\":[\"A\",\"B\"]}},"
                                    + "{\"name\":\"channel\",\"type\":\"string\",\"default\":\"web\"}]}");

    @BeforeAll
    static void setUp() throws Exception {
        model = TestJobs.halfPlusTwo(scratch.resolve("model"));
        registry = FakeSchemaRegistry.start(Map.of(1, AVRO_V1.toString(), 2, AVRO_V2.toString()));
    }

    @AfterAll
    static void tearDown() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void avro(@InjectMiniCluster MiniCluster cluster) throws Exception {
        Path schema = scratch.resolve("point.avsc");
        Files.writeString(schema, AVRO_V1.toString());
        List<byte[]> bad = new ArrayList<>();
        byte[] good = avro(AVRO_V1, 1L);
        bad.add(java.util.Arrays.copyOf(good, good.length - 3)); // truncated
        bad.add(new byte[0]); // empty
        bad.add(null); // a tombstone
        Table t =
                stopAndResume(
                        cluster,
                        "avro",
                        id -> avro(AVRO_V1, id),
                        bad,
                        List.of(
                                "--source.format",
                                "avro",
                                "--source.avro.schema",
                                schema.toString()));
        assertThat(t.column("at")).isEqualTo(Types.TimestampType.withZone());
        assertThat(t.column("kind")).isEqualTo(Types.StringType.get());
        assertThat(t.column("id")).isEqualTo(Types.LongType.get());
    }

    /**
     * Confluent's wire format with the writer schema fetched from the registry by id; records of
     * two schema versions in one run, read with v2 as the reader schema: v1 records get v2's
     * default.
     */
    @Test
    void avroConfluentWithTwoSchemaVersions(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        List<byte[]> bad = new ArrayList<>();
        byte[] good = confluent(1, avro(AVRO_V1, 1L));
        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 7;
        bad.add(wrongMagic);
        bad.add(confluent(99, avro(AVRO_V1, 1L))); // an id the registry does not know
        bad.add(java.util.Arrays.copyOf(good, 6)); // truncated after the header
        Table t =
                stopAndResume(
                        cluster,
                        "avro-confluent",
                        id ->
                                id % 2 == 0
                                        ? confluent(1, avro(AVRO_V1, id))
                                        : confluent(2, avro(AVRO_V2, id)),
                        bad,
                        List.of(
                                "--source.format",
                                "avro-confluent",
                                "--source.avro-confluent.url",
                                registry.url(),
                                "--source.avro-confluent.basic-auth.user-info",
                                "it:secret",
                                "--source.avro.schema",
                                AVRO_V2.toString()));
        assertThat(t.column("channel")).isEqualTo(Types.StringType.get());
        assertThat(t.rows).allSatisfy(r -> assertThat(r.getField("channel")).isEqualTo("web"));
        assertThat(registry.requests)
                .as("what the job asked the registry")
                .contains("/schemas/ids/1", "/schemas/ids/2", "/schemas/ids/99");
        assertThat(registry.authorizations)
                .as("basic auth on every request")
                .allSatisfy(
                        a ->
                                assertThat(a)
                                        .isEqualTo(
                                                "Basic "
                                                        + java.util.Base64.getEncoder()
                                                                .encodeToString(
                                                                        "it:secret"
                                                                                .getBytes(
                                                                                        StandardCharsets
                                                                                                .UTF_8))));
    }

    /**
     * A registry that does not answer is not a bad record: the run fails with one line naming the
     * registry's URL, after retries, and commits nothing of the records it could not read.
     */
    @Test
    void unreachableRegistryFailsTheRunNamingItsUrl() throws Exception {
        String topic = "format-registry-down";
        KAFKA.createTopic(topic, PARTITIONS);
        List<byte[]> values = new ArrayList<>();
        for (long id = 0; id < 50; id++) {
            values.add(confluent(1, avro(AVRO_V1, id)));
        }
        KAFKA.produceBytes(topic, PARTITIONS, values);
        String down;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            down = "http://127.0.0.1:" + socket.getLocalPort(); // closed once this block ends
        }
        Path warehouse = scratch.resolve("warehouse-registry-down");
        List<String> args =
                TestJobs.jobArgs(KAFKA, topic, model, warehouse, "it.registry_down", "streaming");
        args.addAll(
                List.of(
                        "--source.format",
                        "avro-confluent",
                        "--source.avro-confluent.url",
                        down,
                        "--source.avro.schema",
                        AVRO_V1.toString(),
                        "--execution.restart.max-attempts",
                        "0"));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 16, "100 ms"));
        JobPlan plan = TestJobs.plan(args);
        Throwable failure = null;
        try {
            TestJobs.run(plan);
        } catch (Exception e) {
            failure = e;
        }
        assertThat(failure).as("the run fails").isNotNull();
        List<String> messages = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            messages.add(String.valueOf(t.getMessage()));
        }
        assertThat(messages)
                .as("the failure's causes")
                .anySatisfy(m -> assertThat(m).contains(down).doesNotContain("\n"));
        assertThat(ExactlyOnce.rows(plan)).as("rows committed").isEmpty();
        org.apache.iceberg.Table errors =
                plan.catalogLoader().loadCatalog().loadTable(plan.errorsTable());
        assertThat(ExactlyOnce.rows(errors)).as("no record was dead-lettered").isEmpty();
    }

    @Test
    void protobuf(@InjectMiniCluster MiniCluster cluster) throws Exception {
        FileDescriptorProto file =
                FileDescriptorProto.newBuilder()
                        .setName("it/point.proto")
                        .setPackage("it")
                        .setSyntax("proto3")
                        .addMessageType(
                                DescriptorProto.newBuilder()
                                        .setName("Point")
                                        .addField(
                                                field(
                                                        "id",
                                                        1,
                                                        FieldDescriptorProto.Type.TYPE_INT64))
                                        .addField(
                                                field("x", 2, FieldDescriptorProto.Type.TYPE_FLOAT))
                                        .addField(
                                                field(
                                                        "label",
                                                        3,
                                                        FieldDescriptorProto.Type.TYPE_STRING)))
                        .build();
        Path descriptorSet = scratch.resolve("point.desc");
        Files.write(
                descriptorSet, FileDescriptorSet.newBuilder().addFile(file).build().toByteArray());
        Descriptors.Descriptor point =
                Descriptors.FileDescriptor.buildFrom(file, new Descriptors.FileDescriptor[0])
                        .findMessageTypeByName("Point");
        List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}); // not a message
        bad.add(null);
        Table t =
                stopAndResume(
                        cluster,
                        "protobuf",
                        id ->
                                DynamicMessage.newBuilder(point)
                                        .setField(point.findFieldByName("id"), id)
                                        .setField(point.findFieldByName("x"), (float) (id * 0.25))
                                        .setField(point.findFieldByName("label"), "p" + id)
                                        .build()
                                        .toByteArray(),
                        bad,
                        List.of(
                                "--source.format",
                                "protobuf",
                                "--source.protobuf.descriptor",
                                descriptorSet.toString(),
                                "--source.protobuf.message",
                                "it.Point"));
        assertThat(t.column("label")).isEqualTo(Types.StringType.get());
        assertThat(t.rows)
                .allSatisfy(r -> assertThat(r.getField("label")).isEqualTo("p" + r.getField("id")));
    }

    @Test
    void tfExample(@InjectMiniCluster MiniCluster cluster) throws Exception {
        List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[] {(byte) 0x0A, (byte) 0x7F, 1}); // a length past the end
        bad.add(null);
        Table t =
                stopAndResume(
                        cluster,
                        "tf-example",
                        FormatsITCase::example,
                        bad,
                        List.of("--source.format", "tf-example"));
        assertThat(t.column("id")).isEqualTo(Types.LongType.get());
    }

    private static byte[] example(long id) {
        return Example.newBuilder()
                .setFeatures(
                        Features.newBuilder()
                                .putFeature(
                                        "x",
                                        Feature.newBuilder()
                                                .setFloatList(
                                                        FloatList.newBuilder()
                                                                .addValue((float) (id * 0.25)))
                                                .build())
                                .putFeature(
                                        "id",
                                        Feature.newBuilder()
                                                .setInt64List(Int64List.newBuilder().addValue(id))
                                                .build()))
                .build()
                .toByteArray();
    }

    private static FieldDescriptorProto.Builder field(
            String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type);
    }

    static byte[] avro(Schema schema, long id) {
        GenericRecord r = new GenericData.Record(schema);
        r.put("id", id);
        r.put("x", (float) (id * 0.25));
        r.put("at", 1_700_000_000_000L + id);
        r.put(
                "kind",
                new GenericData.EnumSymbol(
                        schema.getField("kind").schema(), id % 2 == 0 ? "A" : "B"));
        if (schema.getField("channel") != null) {
            r.put("channel", "web");
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(schema).write(r, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Confluent's framing: magic byte 0, the schema id (4 bytes, big-endian), the payload. */
    static byte[] confluent(int schemaId, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length)
                .put((byte) 0)
                .putInt(schemaId)
                .put(payload)
                .array();
    }

    /** The finished scored table's rows and schema. */
    record Table(List<Record> rows, org.apache.iceberg.Schema schema) {
        Type column(String name) {
            Types.NestedField f = schema.findField(name);
            assertThat(f).as("column %s in %s", name, schema).isNotNull();
            return f.type();
        }
    }

    /**
     * Produces {@link #RECORDS} records {@code encode(id)} with the {@code bad} values spread among
     * them, runs the job in {@code formatArgs}, stops it with a savepoint after its first commit,
     * resumes it, and checks every good record once with its exact score and every bad one once in
     * the errors table.
     */
    private static Table stopAndResume(
            MiniCluster cluster,
            String name,
            LongFunction<byte[]> encode,
            List<byte[]> bad,
            List<String> formatArgs)
            throws Exception {
        String topic = "format-" + name;
        KAFKA.createTopic(topic, PARTITIONS);
        List<byte[]> values = new ArrayList<>();
        int every = RECORDS / (bad.size() + 1);
        int nextBad = 0;
        for (long id = 0; id < RECORDS; id++) {
            values.add(encode.apply(id));
            if (nextBad < bad.size() && id == (long) every * (nextBad + 1)) {
                values.add(bad.get(nextBad++));
            }
        }
        assertThat(values).hasSize(RECORDS + bad.size());
        KAFKA.produceBytes(topic, PARTITIONS, values);
        Path warehouse = scratch.resolve("warehouse-" + name);
        String table = "it.format_" + name.replace('-', '_');

        List<String> args = TestJobs.jobArgs(KAFKA, topic, model, warehouse, table, "streaming");
        args.addAll(formatArgs);
        // 5 records per poll, 100 ms each: ~6 s per reader for 300 records, so a stop after the
        // first 200 ms checkpoint lands well before the end even on a busy machine.
        args.addAll(ThrottlingInterceptor.jobArgs(100));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 16, "100 ms"));
        JobPlan plan = TestJobs.plan(args);
        JobClient first = TestJobs.submit(plan, table + " first");
        String savepoint =
                TestJobs.stopAfterFirstCommit(
                        cluster, plan, first, scratch.resolve("savepoints-" + name));
        assertThat(ExactlyOnce.rows(plan).size())
                .as("rows committed before the stop")
                .isBetween(1, RECORDS - 1);

        List<String> resumeArgs = new ArrayList<>(args);
        resumeArgs.addAll(List.of("--resume-from", savepoint));
        JobPlan resumed = TestJobs.plan(resumeArgs);
        assertThat(resumed.run().runId()).isEqualTo(plan.run().runId());
        TestJobs.built(resumed).execute("it " + table + " resumed");
        assertThat(ScoringRun.isComplete(resumed)).as("the resumed run completed").isTrue();

        List<Record> rows = ExactlyOnce.rows(resumed);
        ExactlyOnce.assertHalfPlusTwoOnce(rows, RECORDS);
        org.apache.iceberg.Table errors =
                resumed.catalogLoader().loadCatalog().loadTable(resumed.errorsTable());
        List<Record> errorRows = ExactlyOnce.rows(errors);
        assertThat(errorRows).as("bad records in the errors table, once each").hasSize(bad.size());
        assertThat(errorRows.stream().map(ExactlyOnce::position).distinct().count())
                .isEqualTo(bad.size());
        assertThat(errorRows)
                .allSatisfy(
                        r -> {
                            assertThat(r.getField(ScoredRows.STAGE)).isEqualTo("decode");
                            assertThat((String) r.getField(ScoredRows.ERROR_MESSAGE)).isNotBlank();
                        });
        return new Table(
                rows, resumed.catalogLoader().loadCatalog().loadTable(resumed.table()).schema());
    }

    /**
     * Serves the Schema Registry REST API's {@code GET /schemas/ids/{id}} as Confluent documents it
     * (the endpoint Apicurio's Confluent-compatible API serves too): no schema registry can be
     * installed on these machines, so this test's HTTP server stands in for one, and records the
     * requests the job made (path, Authorization header) for the test to check.
     */
    static final class FakeSchemaRegistry implements AutoCloseable {
        private final HttpServer server;
        final List<String> requests = new CopyOnWriteArrayList<>();
        final List<String> authorizations = new CopyOnWriteArrayList<>();

        private FakeSchemaRegistry(HttpServer server) {
            this.server = server;
        }

        static FakeSchemaRegistry start(Map<Integer, String> schemas) throws Exception {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            FakeSchemaRegistry registry = new FakeSchemaRegistry(server);
            Map<Integer, String> byId = new ConcurrentHashMap<>(schemas);
            server.createContext(
                    "/schemas/ids/",
                    exchange -> {
                        String path = exchange.getRequestURI().getPath();
                        registry.requests.add(path);
                        String auth = exchange.getRequestHeaders().getFirst("Authorization");
                        registry.authorizations.add(auth == null ? "" : auth);
                        String schema = null;
                        try {
                            schema =
                                    byId.get(
                                            Integer.parseInt(
                                                    path.substring("/schemas/ids/".length())));
                        } catch (NumberFormatException e) {
                            // answered 404 below
                        }
                        byte[] body =
                                (schema == null
                                                ? "{\"error_code\":40403,\"message\":\"Schema not found\"}"
                                                : "{\"schema\":"
                                                        + new com.fasterxml.jackson.databind
                                                                        .ObjectMapper()
                                                                .writeValueAsString(schema)
                                                        + "}")
                                        .getBytes(StandardCharsets.UTF_8);
                        exchange.getResponseHeaders()
                                .add("Content-Type", "application/vnd.schemaregistry.v1+json");
                        exchange.sendResponseHeaders(schema == null ? 404 : 200, body.length);
                        exchange.getResponseBody().write(body);
                        exchange.close();
                    });
            server.start();
            return registry;
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
