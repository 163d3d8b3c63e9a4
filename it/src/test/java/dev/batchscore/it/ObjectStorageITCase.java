package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.cli.RunCommand;
import dev.batchscore.pipeline.cli.StopCommand;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model, warehouse, checkpoints and savepoints on object storage: a real S3-compatible server
 * (s3proxy, {@link S3Store}) on loopback, Flink's {@code flink-s3-fs-hadoop} loaded as a plugin,
 * Iceberg's {@code S3FileIO}. Nothing the jobs read or write is on local disk except the local copy
 * of the model and the JDBC catalog's SQLite file.
 *
 * <ul>
 *   <li>A JDBC catalog whose warehouse is on S3, the model a TF Serving base directory on S3 and
 *       checkpoints on S3: the run is stopped with a savepoint on S3 and resumed from it, and every
 *       record is in the table once, with half_plus_two's score.
 *   <li>Iceberg's REST catalog (its own {@code RESTCatalogServlet}, {@link RestCatalogServer})
 *       whose warehouse is on S3: a bounded run commits every record once and marks its run
 *       complete.
 *   <li>{@code ./batchscore run}'s code path (RunCommand, LocalRunner's own MiniCluster) with the
 *       model and checkpoints on S3 and the s3.* keys as {@code flink.*} job options: a bounded run
 *       commits every record once.
 * </ul>
 *
 * Both runs plan (the client) and score (two slots, two jobs) with one local copy of the model.
 */
class ObjectStorageITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 2000;
    private static final String MODEL_KEY = "models/saved_model_half_plus_two_cpu";

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final S3Store S3 = new S3Store();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 2);

    @TempDir static Path scratch;

    private static Path modelCache;

    @BeforeAll
    static void uploadModel() throws Exception {
        S3.upload(TestJobs.halfPlusTwo(scratch.resolve("build")), MODEL_KEY);
        modelCache = scratch.resolve("model-cache");
    }

    @Test
    void jdbcCatalogOnS3StopsWithASavepointOnS3AndResumes(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String topic = "s3-jdbc";
        newTopic(topic, RECORDS);
        List<String> args =
                jobArgs(
                        topic,
                        "it.s3_jdbc",
                        "jdbc",
                        "jdbc:sqlite:" + scratch.resolve("catalog.db"),
                        "checkpoints/jdbc");
        args.addAll(List.of("--sink.iceberg.catalog.warehouse", S3.uri("warehouse")));
        // 5 records per poll, 40 ms each: the run lasts long enough to be stopped half way.
        args.addAll(ThrottlingInterceptor.jobArgs(40));

        JobPlan plan = TestJobs.plan(args);
        assertThat(plan.spec().modelPath())
                .as("the TF Serving version pinned when the run was planned")
                .isEqualTo(S3.uri(MODEL_KEY + "/00000123"));
        JobClient first = TestJobs.submit(plan, "s3 jdbc first");
        boolean checkpointOnS3 = false;
        while (ExactlyOnce.dataCommits(plan) < 2 || !checkpointOnS3) {
            assertThat(first.getJobStatus().get().isGloballyTerminalState())
                    .as("the job ended before it could be stopped")
                    .isFalse();
            checkpointOnS3 =
                    checkpointOnS3
                            || S3.list("checkpoints/jdbc").stream()
                                    .anyMatch(f -> f.endsWith("/_metadata"));
            Thread.sleep(100);
        }

        String savepoint =
                StopCommand.stop(
                        cluster.getRestAddress().get(),
                        first.getJobID(),
                        S3.uri("savepoints/jdbc"),
                        false);
        first.getJobExecutionResult().get(1, TimeUnit.MINUTES);
        assertThat(savepoint).startsWith(S3.uri("savepoints/jdbc/"));
        assertThat(S3.list(savepoint.substring(("s3://" + S3Store.BUCKET + "/").length())))
                .as("the savepoint's files on S3")
                .anyMatch(f -> f.endsWith("/_metadata"));
        int committedAtStop = ExactlyOnce.rows(plan).size();
        assertThat(committedAtStop).as("rows committed before the stop").isBetween(1, RECORDS - 1);

        args.addAll(List.of("--resume-from", savepoint));
        JobPlan resumed = TestJobs.plan(args);
        assertThat(resumed.run().runId()).isEqualTo(plan.run().runId());
        JobClient second = TestJobs.built(resumed).executeAsync("it s3 jdbc resumed");
        assertThat(second.getJobExecutionResult().get(3, TimeUnit.MINUTES)).isNotNull();
        assertThat(ScoringRun.isComplete(resumed)).as("the resumed run completed").isTrue();
        assertThat(second.getJobStatus().get()).isEqualTo(JobStatus.FINISHED);

        assertEveryRecordOnce(resumed, RECORDS, S3.uri("warehouse/"));
        assertOneLocalModelCopy();
    }

    @Test
    void restCatalogWithItsWarehouseOnS3() throws Exception {
        String topic = "s3-rest";
        int records = 200;
        newTopic(topic, records);
        Map<String, String> backend = new java.util.HashMap<>();
        backend.put("catalog-impl", "org.apache.iceberg.inmemory.InMemoryCatalog");
        backend.put("warehouse", S3.uri("rest-warehouse"));
        List<String> s3Args = S3.icebergArgs();
        for (int i = 0; i < s3Args.size(); i += 2) {
            backend.put(
                    s3Args.get(i).substring("--sink.iceberg.catalog.properties.".length()),
                    s3Args.get(i + 1));
        }
        try (RestCatalogServer rest = RestCatalogServer.start(backend)) {
            List<String> args =
                    jobArgs(topic, "it.s3_rest", "rest", rest.uri(), "checkpoints/rest");
            JobPlan plan = TestJobs.plan(args);
            TestJobs.run(plan);
            assertThat(ScoringRun.isComplete(plan)).as("the run completed").isTrue();
            assertEveryRecordOnce(plan, records, S3.uri("rest-warehouse/"));
        }
        assertOneLocalModelCopy();
    }

    /**
     * {@code ./batchscore run}'s code path: the CLI's RunCommand plans on this JVM and runs on
     * LocalRunner's own MiniCluster, which sets up Flink's filesystems itself, with the plugins in
     * FLINK_PLUGINS_DIR (set by the build) and the s3.* keys given as flink.* job options.
     */
    @Test
    void batchscoreRunReadsTheModelAndCheckpointsOnS3() throws Exception {
        String topic = "s3-local-run";
        int records = 300;
        newTopic(topic, records);
        List<String> args =
                jobArgs(
                        topic,
                        "it.s3_local_run",
                        "jdbc",
                        "jdbc:sqlite:" + scratch.resolve("local-run-catalog.db"),
                        "checkpoints/local-run");
        args.addAll(
                List.of(
                        "--sink.iceberg.catalog.warehouse",
                        S3.uri("local-run-warehouse"),
                        "--flink.s3.endpoint",
                        S3.endpoint(),
                        "--flink.s3.path.style.access",
                        "true",
                        "--flink.s3.access-key",
                        S3Store.ACCESS_KEY,
                        "--flink.s3.secret-key",
                        S3Store.SECRET_KEY));
        String[] argv = args.toArray(new String[0]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            exit = RunCommand.run(argv, o, e);
        }
        assertThat(exit).as("exit code; stdout:%n%s%nstderr:%n%s", out, err).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("wrote " + records + " rows to it.s3_local_run");

        // Exit 0: the run marked itself complete. Read the table without planning another run.
        Table table =
                IcebergTables.catalogLoader(JobConfig.fromArgs(argv).settings().sink())
                        .loadCatalog()
                        .loadTable(TableIdentifier.parse("it.s3_local_run"));
        assertEveryRecordOnce(table, records, S3.uri("local-run-warehouse/"));
        assertOneLocalModelCopy();
    }

    private static List<String> jobArgs(
            String topic, String table, String catalogType, String catalogUri, String checkpoints) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--source.kafka.bootstrap-servers",
                                KAFKA.bootstrapServers(),
                                "--source.kafka.topic",
                                topic,
                                "--model.path",
                                S3.uri(MODEL_KEY),
                                "--model.local-dir",
                                modelCache.toString(),
                                "--sink.iceberg.catalog.type",
                                catalogType,
                                "--sink.iceberg.catalog.uri",
                                catalogUri,
                                "--sink.iceberg.table",
                                table,
                                "--execution.checkpointing.dir",
                                S3.uri(checkpoints)));
        args.addAll(TestJobs.checkpointsAndBatches("300 ms", 2, 16, "100 ms"));
        args.addAll(S3.icebergArgs());
        return args;
    }

    /** A topic of {@code records} half_plus_two records, ids 0 on. */
    private static void newTopic(String topic, int records) throws Exception {
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, records));
    }

    /** Rows = records, each source position once, half_plus_two's score, files on S3. */
    private static void assertEveryRecordOnce(JobPlan plan, int records, String warehouse)
            throws Exception {
        assertEveryRecordOnce(
                plan.catalogLoader().loadCatalog().loadTable(plan.table()), records, warehouse);
    }

    private static void assertEveryRecordOnce(Table table, int records, String warehouse)
            throws Exception {
        List<Record> rows = ExactlyOnce.rows(table);
        ExactlyOnce.assertHalfPlusTwoOnce(rows, records);
        ExactlyOnce.assertEveryRow(rows, ScoredRows.MODEL_VERSION, "123");

        assertThat(table.location()).startsWith(warehouse);
        List<String> dataFiles = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            tasks.forEach(t -> dataFiles.add(t.file().location()));
        }
        assertThat(dataFiles).isNotEmpty().allSatisfy(f -> assertThat(f).startsWith(warehouse));
        String key = dataFiles.get(0).substring(("s3://" + S3Store.BUCKET + "/").length());
        assertThat(S3.list(key)).as("a data file is an object in the bucket").hasSize(1);
    }

    /** Planning and every scoring slot of every job used one local copy of the model. */
    private static void assertOneLocalModelCopy() throws Exception {
        try (Stream<Path> entries = Files.list(modelCache)) {
            assertThat(entries.map(p -> p.getFileName().toString()).toList())
                    .as("local copies of the model in model.local-dir")
                    .hasSize(1)
                    .noneMatch(name -> name.startsWith(".tmp-"));
        }
    }
}
