package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.TupleTypeInfo;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
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
                            .setNumberSlotsPerTaskManager(PARALLELISM)
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
