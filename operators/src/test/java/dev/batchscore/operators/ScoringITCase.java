package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.testing.HalfPlusTwo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link BatchScoring#score} end to end on a MiniCluster (parallelism 2) with real TensorFlow and a
 * half_plus_two model ({@link HalfPlusTwo#build}, TF Serving's {@code
 * saved_model_half_plus_two_cpu} rebuilt): every good record gets {@code y = 0.5 x + 2}, every bad
 * record becomes exactly one error row with the right stage, none is lost.
 */
@Timeout(180)
class ScoringITCase {
    private static final int PARALLELISM = 2;
    private static final int GOOD = 601;
    private static final int BATCH_SIZE = 32;

    /** Keeps the metrics of finished tasks, so they can be read after the job. */
    private static final InMemoryReporter METRICS = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(METRICS.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(PARALLELISM)
                            .build());

    private static Path modelDir;

    /** Held for the whole class, as the pipeline holds it while validating, so TF loads once. */
    private static SavedModel model;

    @TempDir static Path scratch;

    @BeforeAll
    static void loadModel() {
        // TF Serving's layout, as the fixture has it: a base directory with version 123.
        modelDir = scratch.resolve("saved_model_half_plus_two_cpu");
        HalfPlusTwo.build(modelDir.resolve("00000123"));
        model =
                ModelRegistry.acquire(
                        modelDir,
                        ScoringSpec.builder()
                                .modelPath(modelDir.toString())
                                .build()
                                .modelOptions());
    }

    @AfterAll
    static void releaseModel() {
        if (model != null) {
            model.close();
        }
    }

    /** What each bad record is and the stage its error row must carry. */
    private static final Map<String, String> BAD = new HashMap<>();

    private static List<KafkaRecord> records() {
        List<KafkaRecord> records = new ArrayList<>();
        long[] nextOffset = new long[2];
        for (int i = 0; i < GOOD; i++) {
            int partition = i % 2;
            String json =
                    "{\"id\":\"r"
                            + i
                            + "\",\"feature\":"
                            + (i - 300) * 0.25
                            + ",\"n\":"
                            + i
                            + ",\"meta\":{\"k\":"
                            + i
                            + "}}";
            records.add(
                    new KafkaRecord(
                            "events",
                            partition,
                            nextOffset[partition]++,
                            1_700_000_000_000L + i,
                            json.getBytes(StandardCharsets.UTF_8)));
        }
        addBad(records, nextOffset, "{\"id\":\"broken\",", "decode");
        addBad(records, nextOffset, "[1,2,3]", "decode");
        records.add(new KafkaRecord("events", 0, nextOffset[0]++, 0L, null));
        BAD.put("events-0@" + (nextOffset[0] - 1), "decode");
        KafkaRecord latin1 =
                new KafkaRecord(
                        "events",
                        1,
                        nextOffset[1]++,
                        0L,
                        "{\"id\":\"caf\u00e9\",\"feature\":1}"
                                .getBytes(StandardCharsets.ISO_8859_1));
        records.add(latin1);
        BAD.put(latin1.coordinates(), "decode");
        addBad(records, nextOffset, "{\"id\":\"no-feature\"}", "encode");
        addBad(records, nextOffset, "{\"id\":\"text-feature\",\"feature\":\"abc\"}", "encode");
        return records;
    }

    private static void addBad(
            List<KafkaRecord> records, long[] nextOffset, String json, String stage) {
        int partition = records.size() % 2;
        KafkaRecord r =
                new KafkaRecord(
                        "events",
                        partition,
                        nextOffset[partition]++,
                        0L,
                        json.getBytes(StandardCharsets.UTF_8));
        records.add(r);
        BAD.put(r.coordinates(), stage);
    }

    @ParameterizedTest
    @EnumSource(
            value = RuntimeExecutionMode.class,
            names = {"BATCH", "STREAMING"})
    void scoresEveryRecordOrReportsWhyNot(RuntimeExecutionMode mode) throws Exception {
        Configuration config = BoundedJobs.configuration(mode);
        config.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(PARALLELISM);

        ScoringSpec spec =
                ScoringSpec.builder()
                        .modelPath(modelDir.toString())
                        .modelName("half_plus_two")
                        .inputMapping(Map.of("x", "feature"))
                        .passthrough(
                                List.of(
                                        new PassthroughField("id", PassthroughField.Type.STRING),
                                        new PassthroughField("n", PassthroughField.Type.LONG),
                                        new PassthroughField("meta", PassthroughField.Type.STRING)))
                        .batchSize(BATCH_SIZE)
                        .maxDelay(Duration.ofMinutes(10))
                        .outputs(model.scorer("serving_default").signature().outputs())
                        .build();
        List<KafkaRecord> input = records();
        Map<String, KafkaRecord> byCoordinates = new HashMap<>();
        input.forEach(r -> byCoordinates.put(r.coordinates(), r));

        DataStream<KafkaRecord> records = env.fromData(input, TypeInformationHolder.KAFKA_RECORD);
        SingleOutputStreamOperator<RowData> scored = BatchScoring.score(records, spec, PARALLELISM);
        CloseableIterator<RowData> scoredRows = scored.collectAsync();
        CloseableIterator<RowData> errorRows =
                scored.getSideOutput(BatchScoring.ERRORS).collectAsync();
        JobClient job = env.executeAsync("scoring-" + mode);

        // Columns: id, n, meta, y, then the metadata columns.
        Set<String> seen = new HashSet<>();
        int good = 0;
        try (scoredRows) {
            while (scoredRows.hasNext()) {
                RowData row = scoredRows.next();
                String coordinates = row.getString(4) + "-" + row.getInt(5) + "@" + row.getLong(6);
                assertThat(seen.add(coordinates)).as("%s scored once", coordinates).isTrue();
                KafkaRecord source = byCoordinates.get(coordinates);
                int i = Integer.parseInt(row.getString(0).toString().substring(1));
                float x = (float) ((i - 300) * 0.25);
                assertThat(row.getFloat(3))
                        .as("y of record %d (x=%s)", i, x)
                        .isCloseTo(0.5f * x + 2f, within(1e-5f));
                assertThat(row.getLong(1)).isEqualTo(i);
                assertThat(row.getString(2).toString()).isEqualTo("{\"k\":" + i + "}");
                assertThat(row.getTimestamp(7, 3).getMillisecond()).isEqualTo(source.timestamp);
                assertThat(row.getString(8).toString()).isEqualTo("half_plus_two");
                assertThat(row.getString(9).toString()).isEqualTo("123");
                assertThat(row.getTimestamp(10, 6).getMillisecond()).isPositive();
                good++;
            }
        }
        Map<String, String> stages = new HashMap<>();
        try (errorRows) {
            while (errorRows.hasNext()) {
                RowData row = errorRows.next();
                String coordinates = row.getString(0) + "-" + row.getInt(1) + "@" + row.getLong(2);
                assertThat(seen.add(coordinates)).as("%s reported once", coordinates).isTrue();
                stages.put(coordinates, row.getString(5).toString());
                byte[] raw = row.isNullAt(4) ? null : row.getBinary(4);
                assertThat(raw).isEqualTo(byCoordinates.get(coordinates).value);
                assertThat(row.getString(6).toString()).isNotBlank();
                assertThat(row.getString(7).toString()).isEqualTo("half_plus_two");
                assertThat(row.getString(8).toString()).isEqualTo("123");
            }
        }
        job.getJobExecutionResult().get();

        assertThat(good).isEqualTo(GOOD);
        assertThat(stages).isEqualTo(BAD);
        assertThat(seen).hasSize(input.size());

        assertThat(counterSum(job, "recordsScored")).isEqualTo(GOOD);
        assertThat(counterSum(job, "recordsDeadLettered")).isEqualTo(BAD.size());
        assertThat(counterSum(job, "recordsSkipped")).isZero();
        assertThat(counterSum(job, "recordsRead")).isEqualTo(input.size());
        long batches = counterSum(job, "batchesScored");
        assertThat(batches)
                .isGreaterThanOrEqualTo((long) Math.ceil(input.size() / (double) BATCH_SIZE));
        long histogramCount = 0;
        for (Metric m : METRICS.findMetrics(job.getJobID(), "batchSize").values()) {
            histogramCount += ((Histogram) m).getCount();
            assertThat(((Histogram) m).getStatistics().getMax()).isLessThanOrEqualTo(BATCH_SIZE);
        }
        assertThat(histogramCount).isEqualTo(batches);
        assertThat(METRICS.findMetrics(job.getJobID(), "inferenceLatencyMs")).hasSize(PARALLELISM);
        assertThat(METRICS.findMetrics(job.getJobID(), "modelLoadTimeMs").values())
                .hasSize(PARALLELISM)
                .allSatisfy(
                        g ->
                                assertThat(((Number) ((Gauge<?>) g).getValue()).longValue())
                                        .isNotNegative());
    }

    private static long counterSum(JobClient job, String name) {
        Map<String, Metric> found = METRICS.findMetrics(job.getJobID(), name);
        assertThat(found).as("metric %s", name).hasSize(PARALLELISM);
        return found.values().stream().mapToLong(m -> ((Counter) m).getCount()).sum();
    }

    /** Keeps the POJO type explicit for {@code fromData}. */
    private static final class TypeInformationHolder {
        static final org.apache.flink.api.common.typeinfo.TypeInformation<KafkaRecord>
                KAFKA_RECORD =
                        org.apache.flink.api.common.typeinfo.TypeInformation.of(KafkaRecord.class);
    }
}
