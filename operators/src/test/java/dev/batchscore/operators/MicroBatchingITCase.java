package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The micro-batching half of {@link BatchScoring} on a real MiniCluster (parallelism 2), in BATCH
 * mode and in STREAMING mode with checkpoints every 100 ms: every record comes out exactly once, in
 * a batch no larger than the batch size, from the subtask that owns its bucket.
 */
@Timeout(120)
class MicroBatchingITCase {
    private static final int PARALLELISM = 2;
    private static final int RECORDS = 2_011;
    private static final int PARTITIONS = 3;
    private static final int BATCH_SIZE = 16;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            // One more than the jobs' parallelism: a restore may scale up.
                            .setNumberSlotsPerTaskManager(PARALLELISM + 1)
                            .build());

    @ParameterizedTest
    @EnumSource(
            value = RuntimeExecutionMode.class,
            names = {"BATCH", "STREAMING"})
    void everyRecordComesOutExactlyOnceInBoundedBatches(RuntimeExecutionMode mode)
            throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(BoundedJobs.configuration(mode));
        env.setParallelism(PARALLELISM);

        // Rate-limited so that checkpoints are taken while batches are pending in STREAMING mode.
        DataGeneratorSource<KafkaRecord> source =
                new DataGeneratorSource<>(
                        MicroBatchingITCase::record,
                        RECORDS,
                        RateLimiterStrategy.perSecond(5_000),
                        TypeInformation.of(KafkaRecord.class));
        DataStream<KafkaRecord> records =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "records");
        // maxDelay far beyond the test's runtime: only the count and the end of input may fire.
        ScoringSpec spec =
                ScoringSpec.builder()
                        .modelPath("/unused")
                        .batchSize(BATCH_SIZE)
                        .maxDelay(Duration.ofHours(1))
                        .build();
        int buckets = spec.effectiveBuckets(PARALLELISM);

        TupleTypeInfo<Tuple2<Integer, List<KafkaRecord>>> tagged =
                new TupleTypeInfo<>(
                        Types.INT, new ListTypeInfo<>(TypeInformation.of(KafkaRecord.class)));
        DataStream<Tuple2<Integer, List<KafkaRecord>>> batches =
                BatchScoring.microBatches(records, spec, PARALLELISM)
                        .map(new TagWithSubtask(), tagged)
                        .setParallelism(PARALLELISM);

        List<Tuple2<Integer, List<KafkaRecord>>> out = new ArrayList<>();
        try (CloseableIterator<Tuple2<Integer, List<KafkaRecord>>> it =
                batches.executeAndCollect()) {
            it.forEachRemaining(out::add);
        }

        Set<String> seen = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        Map<Integer, Integer> perSubtask = new HashMap<>();
        int partialBatches = 0;
        for (Tuple2<Integer, List<KafkaRecord>> batch : out) {
            List<KafkaRecord> rs = batch.f1;
            assertThat(rs).hasSizeBetween(1, BATCH_SIZE);
            if (rs.size() < BATCH_SIZE) {
                partialBatches++;
            }
            int bucket = BatchScoring.bucketOf(rs.get(0).partition, rs.get(0).offset, buckets);
            for (KafkaRecord r : rs) {
                assertThat(BatchScoring.bucketOf(r.partition, r.offset, buckets))
                        .as("bucket of %s in a batch of bucket %d", r, bucket)
                        .isEqualTo(bucket);
                assertThat(new String(r.value, StandardCharsets.UTF_8))
                        .isEqualTo("{\"i\":" + (r.offset * PARTITIONS + r.partition) + "}");
                if (!seen.add(r.coordinates())) {
                    duplicates.add(r.coordinates());
                }
            }
            assertThat(bucket % PARALLELISM)
                    .as("subtask owning bucket %d", bucket)
                    .isEqualTo(batch.f0);
            perSubtask.merge(batch.f0, rs.size(), Integer::sum);
        }

        assertThat(duplicates).as("records seen twice").isEmpty();
        assertThat(seen).hasSize(RECORDS);
        // At most one partial batch per bucket: the one flushed at end of input.
        assertThat(partialBatches).isLessThanOrEqualTo(buckets);
        assertThat(out).hasSizeGreaterThanOrEqualTo(RECORDS / BATCH_SIZE);
        assertThat(perSubtask.keySet()).containsExactlyInAnyOrder(0, 1);
    }

    /**
     * {@link BatchScoring.Routing#LOCAL}: the windows chain to the source, and every batch holds
     * only records its own subtask read, each exactly once.
     */
    @Test
    void localRoutingBatchesEveryRecordOnceWhereItWasRead() throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        BoundedJobs.configuration(RuntimeExecutionMode.STREAMING));
        env.setParallelism(PARALLELISM);
        DataStream<KafkaRecord> records =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        MicroBatchingITCase::record,
                                        RECORDS,
                                        RateLimiterStrategy.perSecond(5_000),
                                        TypeInformation.of(KafkaRecord.class)),
                                WatermarkStrategy.noWatermarks(),
                                "records")
                        // The reading subtask, in a field the batching leaves alone.
                        .map(new StampReader(), TypeInformation.of(KafkaRecord.class));
        TupleTypeInfo<Tuple2<Integer, List<KafkaRecord>>> tagged =
                new TupleTypeInfo<>(
                        Types.INT, new ListTypeInfo<>(TypeInformation.of(KafkaRecord.class)));
        DataStream<Tuple2<Integer, List<KafkaRecord>>> batches =
                BatchScoring.microBatches(
                                records, hourLongBatches(), PARALLELISM, BatchScoring.Routing.LOCAL)
                        .map(new TagWithSubtask(), tagged)
                        .setParallelism(PARALLELISM);
        JobGraph graph = env.getStreamGraph(false).getJobGraph();

        List<Tuple2<Integer, List<KafkaRecord>>> out = new ArrayList<>();
        try (CloseableIterator<Tuple2<Integer, List<KafkaRecord>>> it =
                batches.executeAndCollect()) {
            it.forEachRemaining(out::add);
        }

        Set<String> seen = new HashSet<>();
        Set<Integer> subtasks = new HashSet<>();
        for (Tuple2<Integer, List<KafkaRecord>> batch : out) {
            assertThat(batch.f1).hasSizeBetween(1, BATCH_SIZE);
            for (KafkaRecord r : batch.f1) {
                assertThat(r.timestamp).as("reader of %s", r).isEqualTo((long) batch.f0);
                assertThat(seen.add(r.coordinates())).as("%s seen once", r).isTrue();
            }
            subtasks.add(batch.f0);
        }
        assertThat(seen).hasSize(RECORDS);
        assertThat(subtasks).containsExactlyInAnyOrder(0, 1);
        // One vertex from the source to the windows: nothing crossed a network edge.
        assertThat(graph.getVertices())
                .anySatisfy(
                        v ->
                                assertThat(v.getName())
                                        .contains("records")
                                        .contains(BatchScoring.MICRO_BATCH));
    }

    /**
     * A job stopped with a savepoint while its windows hold records restores into a job of the
     * other {@link BatchScoring.Routing}, or of local routing at another parallelism (the restored
     * buckets' keys are the old subtasks', the new records' keys the new subtask's): the pending
     * batches come out of the restored state and every record is batched exactly once over the two
     * jobs.
     */
    @ParameterizedTest(name = "{0} -> {1} at parallelism {2}")
    @CsvSource({"SPREAD, LOCAL, 2", "LOCAL, SPREAD, 2", "LOCAL, LOCAL, 1", "LOCAL, LOCAL, 3"})
    void aSavepointRestoresIntoTheOtherRoutingAndAnotherParallelism(
            BatchScoring.Routing first,
            BatchScoring.Routing second,
            int secondParallelism,
            @TempDir Path savepoints)
            throws Exception {
        int records = 20_000;
        Seen.RECORDS.clear();

        JobClient job =
                savepointJob(new Configuration(), first, PARALLELISM, records).executeAsync();
        while (Seen.RECORDS.size() < records / 8) {
            Thread.sleep(20);
        }
        String savepoint =
                job.stopWithSavepoint(
                                false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                        .get(1, TimeUnit.MINUTES);
        int beforeStop = Seen.RECORDS.size();
        assertThat(beforeStop % BATCH_SIZE)
                .as("records out before the stop come in whole batches")
                .isZero();

        Configuration restore = new Configuration();
        restore.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        savepointJob(restore, second, secondParallelism, records).execute();

        Map<String, Integer> counts = new HashMap<>();
        for (String coordinates : Seen.RECORDS) {
            counts.merge(coordinates, 1, Integer::sum);
        }
        assertThat(counts).hasSize(records);
        assertThat(counts.values()).containsOnly(1);
        assertThat(beforeStop).isLessThan(records);
    }

    /** A rate-limited job of {@code records} whose batched records land in {@link Seen}. */
    private static StreamExecutionEnvironment savepointJob(
            Configuration extra, BatchScoring.Routing routing, int parallelism, int records) {
        Configuration config = BoundedJobs.configuration(RuntimeExecutionMode.STREAMING);
        config.addAll(extra);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(parallelism);
        DataStream<KafkaRecord> source =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        MicroBatchingITCase::record,
                                        records,
                                        RateLimiterStrategy.perSecond(4_000),
                                        TypeInformation.of(KafkaRecord.class)),
                                WatermarkStrategy.noWatermarks(),
                                "records")
                        .uid("records");
        BatchScoring.microBatches(source, hourLongBatches(), parallelism, routing)
                .map(new Seen(), Types.INT)
                .setParallelism(parallelism)
                .uid("seen")
                .sinkTo(new DiscardingSink<>())
                .uid("discard");
        return env;
    }

    /** Batches of {@link #BATCH_SIZE}; only the count and the end of input fire them. */
    private static ScoringSpec hourLongBatches() {
        return ScoringSpec.builder()
                .modelPath("/unused")
                .batchSize(BATCH_SIZE)
                .maxDelay(Duration.ofHours(1))
                .build();
    }

    /** Records every batched record's coordinates in this JVM (the MiniCluster's). */
    private static final class Seen implements MapFunction<List<KafkaRecord>, Integer> {
        static final Queue<String> RECORDS = new ConcurrentLinkedQueue<>();

        @Override
        public Integer map(List<KafkaRecord> batch) {
            batch.forEach(r -> RECORDS.add(r.coordinates()));
            return batch.size();
        }
    }

    /** Puts the reading subtask's index in the record's timestamp. */
    private static final class StampReader extends RichMapFunction<KafkaRecord, KafkaRecord> {
        private transient int subtask;

        @Override
        public void open(OpenContext openContext) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public KafkaRecord map(KafkaRecord record) {
            record.timestamp = subtask;
            return record;
        }
    }

    private static KafkaRecord record(long i) {
        return new KafkaRecord(
                "events",
                (int) (i % PARTITIONS),
                i / PARTITIONS,
                1_700_000_000_000L + i,
                ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** Chained to the window operator, so its subtask index is the one that built the batch. */
    private static final class TagWithSubtask
            extends RichMapFunction<List<KafkaRecord>, Tuple2<Integer, List<KafkaRecord>>> {
        private transient int subtask;

        @Override
        public void open(OpenContext openContext) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public Tuple2<Integer, List<KafkaRecord>> map(List<KafkaRecord> batch) {
            return Tuple2.of(subtask, batch);
        }
    }
}
