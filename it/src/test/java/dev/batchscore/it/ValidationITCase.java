package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.pipeline.cli.Main;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.Schema;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every validation failure of {@code ./batchscore run}, through {@link Main#run} as users meet it:
 * a non-zero exit, one line on stderr naming the key or input, the value seen and the fix, and
 * nothing written to the warehouse (no table, no metadata, no probe left behind).
 */
class ValidationITCase {
    private static final String TOPIC = "validation";

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @TempDir static Path shared;
    @TempDir Path scratch;

    private static Path model;
    private Path warehouse;

    @BeforeAll
    static void modelAndTopic() throws Exception {
        model = BadInputModel.build(shared.resolve("model"));
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            records.add(
                    "{\"id\":"
                            + i
                            + ",\"x\":"
                            + i
                            + ",\"n\":1,\"v\":[1,2,3],\"s\":\"1\",\"label\":\"l"
                            + i
                            + "\"}");
        }
        KAFKA.createTopic(TOPIC, 2);
        KAFKA.produce(TOPIC, 2, records);
    }

    @BeforeEach
    void freshWarehouse() {
        warehouse = scratch.resolve("warehouse");
    }

    /** {@link #valid} with {@code key} set to {@code value}: the one thing a test breaks. */
    private Map<String, String> validWith(String key, String value) {
        Map<String, String> args = valid();
        args.put(key, value);
        return args;
    }

    /** A valid configuration; each test breaks one thing. */
    private Map<String, String> valid() {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("source.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        args.put("source.kafka.topic", TOPIC);
        args.put("model.path", model.toString());
        args.put("sink.iceberg.catalog.warehouse", warehouse.toUri().toString());
        args.put("sink.iceberg.table", "it.scored");
        args.put("execution.checkpointing.interval", "300 ms");
        return args;
    }

    @Test
    void unknownKeyNamesTheClosestKnownKey() throws Exception {
        assertRefused(
                validWith("batch.sise", "16"),
                "unknown option 'batch.sise' (from --batch.sise); did you mean 'batch.size'?");
    }

    @Test
    void missingRequiredOptionNamesTheKeyAndHowToSetIt() throws Exception {
        Map<String, String> args = valid();
        args.remove("sink.iceberg.table");
        assertRefused(
                args,
                "missing required option 'sink.iceberg.table': set it in the config file or pass"
                        + " --sink.iceberg.table <value>");
    }

    @Test
    void invalidErrorsModeNamesTheChoices() throws Exception {
        assertRefused(
                validWith("errors.mode", "deadletter"),
                "option 'errors.mode' is 'deadletter': expected dead-letter, skip or fail");
    }

    @Test
    void unreachableBrokerNamesTheServers() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort(); // closed again: nothing listens there
        }
        assertRefused(
                validWith("source.kafka.bootstrap-servers", "localhost:" + port),
                "source.kafka.bootstrap-servers 'localhost:"
                        + port
                        + "': no Kafka broker answered within 10 s",
                "check the host:port list and that the brokers are running");
    }

    @Test
    void missingTopicIsNamedWithTheExistingOnes() throws Exception {
        assertRefused(
                validWith("source.kafka.topic", "validaton"),
                "source.kafka.topic 'validaton' does not exist on "
                        + KAFKA.bootstrapServers()
                        + "; existing topics: ",
                TOPIC,
                "fix the name or create the topic");
    }

    @Test
    void missingModelDirectory() throws Exception {
        assertRefused(
                validWith("model.path", scratch.resolve("no-such-model").toString()),
                "model.path '" + scratch.resolve("no-such-model") + "' does not exist");
    }

    @Test
    void directoryWithoutASavedModel() throws Exception {
        Path empty = Files.createDirectories(scratch.resolve("empty-model"));
        assertRefused(validWith("model.path", empty.toString()), empty.toString());
    }

    @Test
    void badModelTag() throws Exception {
        assertRefused(validWith("model.tags", "gpu"), "gpu", "serve");
    }

    @Test
    void badSignatureListsTheSignaturesFound() throws Exception {
        assertRefused(
                validWith("model.signature", "predict"),
                "signature 'predict' not found",
                "signatures found: serving_default");
    }

    @Test
    void mappingToAFieldOfTheWrongTypeNamesInputFieldAndValue() throws Exception {
        assertRefused(
                validWith("model.input.x", "label"),
                "model input 'x' (model.input.x is 'label') expects DT_FLOAT but every one of the",
                "holds a string there, e.g. \"l",
                "set model.input.x to a field of that type");
    }

    @Test
    void mappingToAFieldNoRecordHas() throws Exception {
        assertRefused(
                validWith("model.input.x", "lable"),
                "model.input.x is 'lable', but none of the",
                "fields seen: [id, label, n, s, v, x]");
    }

    @Test
    void existingTableWithAnIncompatibleSchemaIsNotTouched() throws Exception {
        HadoopCatalog catalog =
                new HadoopCatalog(new Configuration(), warehouse.toUri().toString());
        catalog.createNamespace(Namespace.of("it"));
        catalog.createTable(
                TableIdentifier.of("it", "scored"),
                new Schema(Types.NestedField.required(1, "y", Types.StringType.get())));
        catalog.close();
        Set<Path> before = files(warehouse);
        assertThat(before).isNotEmpty();

        assertRefused(
                before,
                valid(),
                "existing Iceberg table it.scored does not fit the job's output: column 'y' is"
                        + " string but the job writes float");
    }

    @Test
    void warehouseThatCannotBeWritten() throws Exception {
        // A path under a regular file: no directory can ever be made there, whoever runs the test.
        Path file = Files.writeString(scratch.resolve("not-a-dir"), "x");
        warehouse = file.resolve("warehouse");
        assertRefused(
                Set.of(),
                valid(),
                "sink.iceberg.catalog.warehouse '" + warehouse.toUri() + "' cannot be written (",
                "point it at a writable directory or fix its permissions");
        assertThat(Files.readString(file)).isEqualTo("x");
    }

    /**
     * Not a refusal before the run but its counterpart after it: the run command prints the counts
     * and fails on errors.max-ratio over the whole run. Here, not in BadInputITCase, because the
     * run command starts its own MiniCluster, which a MiniClusterExtension in the class forbids.
     */
    @Test
    void theRunCommandPrintsTheCountsAndFailsOnTheWholeRunsShare() throws Exception {
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            records.add(
                    i % 4 == 3
                            ? "{\"id\":" + i + ",\"x\":\"bad\"}"
                            : "{\"id\":"
                                    + i
                                    + ",\"x\":"
                                    + i
                                    + ",\"n\":1,\"v\":[1,2,3],\"s\":\"1\"}");
        }
        KAFKA.createTopic("mixed", 2);
        KAFKA.produce("mixed", 2, records);
        Map<String, String> args = valid();
        args.put("source.kafka.topic", "mixed");
        args.put("output.passthrough", "id:long");
        args.put("parallelism", "2");
        args.put("batch.size", "8");
        args.put("errors.max-ratio", "0.2");
        // Above what a subtask reads: only the end-of-input check over the whole run sees 25 %.
        args.put("errors.min-records", "100000");
        CliRun run = run(args);
        assertThat(run.stdout())
                .as("stdout; stderr: %s", run.stderr())
                .contains("wrote 30 rows to it.scored and 10 errors to it.scored_errors")
                .contains("read 40 records: 30 scored, 10 dead-lettered, 0 skipped");
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.stderr().lines().toList())
                .singleElement()
                .asString()
                .isEqualTo(
                        "batchscore run: errors.max-ratio exceeded: 10 of the 40 records the run read were bad"
                                + " (0.250 > 0.2); the rows are committed, but check source.kafka.topic and the producer,"
                                + " or raise errors.max-ratio");
    }

    // ---------------------------------------------------------------- helpers

    private void assertRefused(Map<String, String> args, String... fragments) throws Exception {
        assertRefused(Set.of(), args, fragments);
    }

    private void assertRefused(Set<Path> filesBefore, Map<String, String> args, String... fragments)
            throws Exception {
        CliRun run = run(args);
        String stderr = run.stderr();
        assertThat(run.exit()).as("exit code; stderr: %s", stderr).isNotZero();
        List<String> lines = stderr.lines().collect(Collectors.toList());
        assertThat(lines).as("stderr").hasSize(1);
        assertThat(lines.get(0)).startsWith("batchscore run: ");
        for (String fragment : fragments) {
            assertThat(lines.get(0)).contains(fragment);
        }
        assertThat(files(warehouse))
                .as("files in the warehouse after the refused run")
                .isEqualTo(filesBefore);
        assertThat(run.stdout()).as("stdout").doesNotContain("wrote");
    }

    /** {@code ./batchscore run --key value ...}, as a user calls it. */
    private static CliRun run(Map<String, String> args) {
        List<String> argv = new ArrayList<>(List.of("run"));
        args.forEach(
                (k, v) -> {
                    argv.add("--" + k);
                    argv.add(v);
                });
        return CliRun.of(argv);
    }

    /**
     * Every file and directory under {@code dir} (none when it does not exist or is not a
     * directory).
     */
    private static Set<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return Set.of();
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> !p.equals(dir)).collect(Collectors.toSet());
        }
    }
}
