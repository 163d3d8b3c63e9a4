package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The scoring job end to end: a real KRaft broker, a Flink MiniCluster, an Iceberg Hadoop catalog
 * on disk and real TensorFlow. N records (not a multiple of the batch size) on 4 partitions,
 * parallelism 2, in both runtime modes: the table must hold exactly N rows, every (partition,
 * offset) once, and every score must equal what the model gives for that record when called
 * directly through {@code models/}.
 */
class ScoringJobITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 1003;
    private static final int BATCH_SIZE = 64;
    private static final int FEATURES = ReferenceModels.TABULAR_FEATURES;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 4);

    @TempDir static Path scratch;

    private static Path tabularModel;
    private static List<String> tabularRecords;

    @BeforeAll
    static void buildModelAndTopic() throws Exception {
        tabularModel = ReferenceModels.buildTabular(scratch.resolve("models"), 42);
        Random random = new Random(7);
        tabularRecords = new ArrayList<>();
        for (int i = 0; i < RECORDS; i++) {
            StringBuilder json =
                    new StringBuilder(
                            "{\"id\":" + i + ",\"segment\":\"s" + (i % 3) + "\",\"features\":[");
            for (int f = 0; f < FEATURES; f++) {
                json.append(f == 0 ? "" : ",")
                        .append(String.format(Locale.ROOT, "%.4f", random.nextGaussian()));
            }
            tabularRecords.add(json.append("]}").toString());
        }
        KAFKA.createTopic("tabular", PARTITIONS);
        KAFKA.produce("tabular", PARTITIONS, tabularRecords);
    }

    @ParameterizedTest(name = "{0} mode")
    @ValueSource(strings = {"batch", "streaming"})
    void scoresEveryRecordExactlyOnceWithTheModelsOwnScores(String mode) throws Exception {
        Path warehouse = scratch.resolve("warehouse-" + mode);
        JobPlan plan = runJob("tabular", tabularModel, warehouse, "it.tabular_" + mode, mode);

        List<Record> rows = ExactlyOnce.rows(plan);
        assertThat(rows).hasSize(RECORDS);
        Map<String, Record> byPosition =
                rows.stream().collect(Collectors.toMap(ExactlyOnce::position, r -> r, (a, b) -> a));
        assertThat(byPosition).as("distinct (partition, offset)").hasSize(RECORDS);
        assertThat(rows)
                .allSatisfy(
                        r -> {
                            assertThat(r.getField("_source_topic")).isEqualTo("tabular");
                            assertThat(r.getField("_model")).isEqualTo("tabular");
                            assertThat(r.getField("_model_version")).isEqualTo("1");
                            assertThat(r.getField("segment")).isNotNull();
                        });

        Map<Long, Float> expected = ExactlyOnce.scoreDirectly(tabularModel, tabularRecords);
        for (Record row : rows) {
            long id = (Long) row.getField("id");
            // Same model, same features; only the batch composition differs, which may move the
            // last bits of a float through a different matmul blocking.
            assertThat((Float) row.getField("probability"))
                    .as("probability of record %d", id)
                    .isCloseTo(expected.get(id), org.assertj.core.data.Offset.offset(1e-5f));
        }
        assertThat(errorRowCount(plan)).isZero();
        assertThat(countWithDuckDb(plan))
                .as("rows DuckDB reads from the snapshot's Parquet files")
                .isEqualTo(RECORDS);
    }

    @Test
    void tfServingHalfPlusTwoScoresExactly() throws Exception {
        Path model = TestJobs.halfPlusTwoFixture();
        List<String> records = ExactlyOnce.halfPlusTwoRecords(0, 501);
        KAFKA.createTopic("halfplustwo", PARTITIONS);
        KAFKA.produce("halfplustwo", PARTITIONS, records);

        JobPlan plan =
                runJob(
                        "halfplustwo",
                        model,
                        scratch.resolve("warehouse-hp2"),
                        "it.half_plus_two",
                        "streaming");

        List<Record> rows = ExactlyOnce.rows(plan);
        assertThat(rows).hasSize(501);
        assertThat(rows.stream().map(ExactlyOnce::position).distinct()).hasSize(501);
        for (Record row : rows) {
            ExactlyOnce.assertHalfPlusTwo(row);
            assertThat(row.getField("_model_version")).isEqualTo("123");
        }
    }

    private static JobPlan runJob(
            String topic, Path model, Path warehouse, String table, String mode) throws Exception {
        List<String> args = TestJobs.jobArgs(KAFKA, topic, model, warehouse, table, mode);
        args.addAll(TestJobs.checkpointsAndBatches("300 ms", 2, BATCH_SIZE));
        JobPlan plan = TestJobs.plan(args);
        TestJobs.built(plan).execute("it " + table);
        return plan;
    }

    private static long errorRowCount(JobPlan plan) throws Exception {
        Table errors = plan.catalogLoader().loadCatalog().loadTable(plan.errorsTable());
        return IcebergTables.rowsAddedSince(errors, -1);
    }

    /** DuckDB, a second engine, reads the Parquet data files of the table's current snapshot. */
    private static long countWithDuckDb(JobPlan plan) throws Exception {
        Table table = plan.catalogLoader().loadCatalog().loadTable(plan.table());
        List<String> files = new ArrayList<>();
        try (CloseableIterable<FileScanTask> tasks = table.newScan().planFiles()) {
            tasks.forEach(
                    t -> files.add("'" + Path.of(java.net.URI.create(t.file().location())) + "'"));
        }
        try (Connection duck = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duck.createStatement();
                ResultSet rs =
                        statement.executeQuery(
                                "SELECT count(*), count(DISTINCT (_source_partition, _source_offset)) FROM read_parquet(["
                                        + String.join(",", files)
                                        + "])")) {
            rs.next();
            assertThat(rs.getLong(2)).isEqualTo(rs.getLong(1));
            return rs.getLong(1);
        }
    }
}
