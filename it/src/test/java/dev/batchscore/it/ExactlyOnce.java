package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.runs.RunLedger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.assertj.core.data.Offset;

/**
 * What the job ITs share about their records and tables: tabular and half_plus_two records, the
 * tabular reference model in several versions, reading a table, and the exactly-once checks of a
 * finished table (row count, distinct source positions, distinct ids, every score equal to what the
 * model gives for that record).
 */
final class ExactlyOnce {
    private ExactlyOnce() {}

    /**
     * {@code count} tabular records with ids {@code firstId...}, features drawn from {@code seed}.
     */
    static List<String> tabularRecords(int firstId, int count, long seed) {
        Random random = new Random(seed);
        List<String> records = new ArrayList<>();
        for (int i = firstId; i < firstId + count; i++) {
            StringBuilder json =
                    new StringBuilder(
                            "{\"id\":" + i + ",\"segment\":\"s" + (i % 3) + "\",\"features\":[");
            for (int f = 0; f < ReferenceModels.TABULAR_FEATURES; f++) {
                json.append(f == 0 ? "" : ",")
                        .append(String.format(Locale.ROOT, "%.4f", random.nextGaussian()));
            }
            records.add(json.append("]}").toString());
        }
        return records;
    }

    /**
     * The tabular reference model built with {@code seed} as version {@code version} of the TF
     * Serving base directory {@code parent/tabular}; returns the base directory (what model.path
     * names, so the _model column reads "tabular" for every version).
     */
    static Path tabularVersion(Path parent, long seed, int version) throws Exception {
        Path built = ReferenceModels.buildTabular(parent.resolve("build-" + version), seed);
        Path base = Files.createDirectories(parent.resolve("tabular"));
        Files.move(built, base.resolve(Integer.toString(version)));
        return base;
    }

    /** What model {@code versionDir} gives for each record, by record id. */
    static Map<Long, Float> scoreDirectly(Path versionDir, List<String> records) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<Long, Float> scores = new HashMap<>();
        try (SavedModel loaded = ModelRegistry.acquire(versionDir, ModelOptions.defaults())) {
            BatchScorer scorer = loaded.scorer(ModelOptions.DEFAULT_SIGNATURE);
            List<Map<String, Object>> inputs = new ArrayList<>();
            for (String record : records) {
                inputs.add(json.readValue(record, Map.class));
            }
            ScoreResult result = scorer.score(inputs);
            for (int i = 0; i < inputs.size(); i++) {
                assertThat(result.ok(i)).isTrue();
                scores.put(
                        ((Number) inputs.get(i).get("id")).longValue(),
                        (Float) result.outputs(i).get(ReferenceModels.TABULAR_OUTPUT));
            }
        }
        return scores;
    }

    /** The rows of the plan's scored table. */
    static List<Record> rows(JobPlan plan) throws Exception {
        return rows(plan.catalogLoader().loadCatalog().loadTable(plan.table()));
    }

    /** The rows of {@code table}. */
    static List<Record> rows(Table table) throws Exception {
        return rows(table, Expressions.alwaysTrue());
    }

    /** The rows of {@code table} that match {@code filter}. */
    static List<Record> rows(Table table, Expression filter) throws Exception {
        List<Record> rows = new ArrayList<>();
        try (CloseableIterable<Record> records =
                IcebergGenerics.read(table).where(filter).build()) {
            records.forEach(rows::add);
        }
        return rows;
    }

    /** Snapshots that added rows (the run ledger's markers add none). */
    static int dataCommits(JobPlan plan) {
        Table table = plan.catalogLoader().loadCatalog().loadTable(plan.table());
        int n = 0;
        for (var snapshot : table.snapshots()) {
            if (Long.parseLong(snapshot.summary().getOrDefault("added-records", "0")) > 0) {
                n++;
            }
        }
        return n;
    }

    /** {@code {"x": id / 4, "id": id}}: what the half_plus_two ITs produce. */
    static String halfPlusTwoRecord(long id) {
        return "{\"x\":" + (id * 0.25) + ",\"id\":" + id + "}";
    }

    /** {@link #halfPlusTwoRecord} of {@code count} ids from {@code firstId} on. */
    static List<String> halfPlusTwoRecords(long firstId, int count) {
        List<String> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(halfPlusTwoRecord(firstId + i));
        }
        return records;
    }

    /** The row's y is half_plus_two's score of its record, {@code 0.5 * id / 4 + 2}, exactly. */
    static void assertHalfPlusTwo(Record row) {
        long id = (Long) row.getField("id");
        assertThat((Float) row.getField("y"))
                .as("y of record %d", id)
                .isEqualTo((float) (0.5 * (id * 0.25) + 2));
    }

    /**
     * Asserts half_plus_two's rows are the {@code produced} records, each once: rows = {@code
     * produced}, distinct (topic, partition, offset) = rows, distinct ids = rows, and every y is
     * half_plus_two's score of its record ({@link #assertHalfPlusTwo}).
     */
    static void assertHalfPlusTwoOnce(List<Record> rows, int produced) {
        rows.forEach(ExactlyOnce::assertHalfPlusTwo);
        assertThat(rows).as("rows = records produced").hasSize(produced);
        assertThat(rows.stream().map(ExactlyOnce::position).distinct().count())
                .as("distinct (topic, partition, offset)")
                .isEqualTo(produced);
        assertThat(rows.stream().map(r -> r.getField("id")).distinct().count())
                .as("distinct ids")
                .isEqualTo(produced);
    }

    /** Asserts every row holds {@code value} in {@code column} (a run id, a model version...). */
    static void assertEveryRow(List<Record> rows, String column, Object value) {
        for (Record row : rows) {
            assertThat(row.getField(column))
                    .as("%s of record %s", column, row.getField("id"))
                    .isEqualTo(value);
        }
    }

    /**
     * Asserts run {@code runId} is complete in {@code table}'s ledger, for the pipeline of the
     * table's latest snapshot (the run's complete marker).
     */
    static void assertCompleteRun(Table table, String runId) {
        table.refresh();
        String pipelineId = table.currentSnapshot().summary().get(RunLedger.PIPELINE_ID);
        assertThat(new RunLedger(table).isComplete(pipelineId, runId))
                .as("run %s has its complete marker", runId)
                .isTrue();
    }

    /**
     * Asserts rows = {@code produced}, each (topic, partition, offset) once, and every probability
     * equal to the score of the model version the row names; returns rows per model version.
     */
    static Map<String, Long> assertExactlyOnce(
            List<Record> rows, int produced, Map<String, Map<Long, Float>> scoresByVersion) {
        assertThat(rows).as("rows = records produced").hasSize(produced);
        assertThat(rows.stream().map(ExactlyOnce::position).distinct().count())
                .as("distinct (topic, partition, offset) = rows")
                .isEqualTo(rows.size());
        assertThat(rows.stream().map(r -> (Long) r.getField("id")).distinct().count())
                .as("distinct record ids")
                .isEqualTo(produced);
        for (Record row : rows) {
            String version = (String) row.getField("_model_version");
            assertThat(scoresByVersion).as("model version of a row").containsKey(version);
            long id = (Long) row.getField("id");
            // Batch composition may move the last bits of a float (different matmul blocking).
            assertThat((Float) row.getField(ReferenceModels.TABULAR_OUTPUT))
                    .as("probability of record %d scored by version %s", id, version)
                    .isCloseTo(scoresByVersion.get(version).get(id), Offset.offset(1e-5f));
        }
        return rows.stream()
                .collect(
                        Collectors.groupingBy(
                                r -> (String) r.getField("_model_version"), Collectors.counting()));
    }

    /** The row's source position, {@code topic/partition@offset}. */
    static String position(Record row) {
        return row.getField(ScoredRows.SOURCE_TOPIC)
                + "/"
                + row.getField(ScoredRows.SOURCE_PARTITION)
                + "@"
                + row.getField(ScoredRows.SOURCE_OFFSET);
    }
}
