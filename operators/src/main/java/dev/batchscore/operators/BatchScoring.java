package dev.batchscore.operators;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.TaskInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.assigners.GlobalWindows;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The scoring core of the job, as one static method over {@link DataStream}s so tests can feed it
 * in-memory records.
 *
 * <pre>
 *  records ──keyBy(bucket)──▶ micro-batch ──▶ score ──▶ split-errors ──▶ scored RowData
 *  (KafkaRecord)              GlobalWindows    ScoringFunction   │
 *                             + BatchTrigger   (List→ScoredBatch) └──side output ERRORS──▶ error RowData
 * </pre>
 *
 * <p>Records go to {@code B} buckets (the spec's {@code buckets}, or 4 x parallelism), whose key
 * values are chosen so that every subtask owns the same number of buckets; a record's bucket
 * follows from its partition and offset, so a replay batches the same way. {@link Routing} says
 * whether a record may travel to any subtask's bucket ({@link Routing#SPREAD}, a keyBy) or is
 * batched in the subtask that read it ({@link Routing#LOCAL}: no shuffle, the whole path chains in
 * the source's slot). Both keep the same operators, uids and state, so a savepoint of either
 * restores into the other.
 */
public final class BatchScoring {

    /** Error rows, typed with {@link ScoredRows#errorRowType()}. */
    public static final OutputTag<RowData> ERRORS =
            new OutputTag<>("scoring-errors", InternalTypeInfo.of(ScoredRows.errorRowType()));

    public static final String LOCAL_BUCKETS = "local-buckets";
    public static final String MICRO_BATCH = "micro-batch";
    public static final String SCORE = "score";
    public static final String SPLIT_ERRORS = "split-errors";

    private BatchScoring() {}

    /** Where a record's micro-batch is made. */
    public enum Routing {
        /**
         * In any subtask: records are keyed by bucket and shuffled, so every subtask gets an even
         * share whatever the source's subtasks read.
         */
        SPREAD,
        /**
         * In the subtask that read it, in one of that subtask's own buckets: no serialization and
         * no network between the source and the windows, but a subtask batches only what its source
         * subtask reads, so use it when the input is spread evenly over the source's subtasks, at
         * the windows' parallelism. STREAMING mode with operator chaining only: the chosen key is
         * not serialized.
         */
        LOCAL
    }

    /**
     * Micro-batches and scores {@code records} with {@code parallelism} subtasks. The result holds
     * the scored rows ({@link ScoredRows#scoredRowType}); {@code getSideOutput(ERRORS)} the error
     * rows.
     */
    public static SingleOutputStreamOperator<RowData> score(
            DataStream<KafkaRecord> records, ScoringSpec spec, int parallelism) {
        return score(records, spec, parallelism, PositionSet.empty());
    }

    /**
     * As {@link #score(DataStream, ScoringSpec, int)}, and the {@code score} operator drops records
     * at {@code committed} positions before decoding them (micro-batches restored from a savepoint
     * come from state, not through any filter upstream of the windows).
     */
    public static SingleOutputStreamOperator<RowData> score(
            DataStream<KafkaRecord> records,
            ScoringSpec spec,
            int parallelism,
            PositionSet committed) {
        return score(records, spec, parallelism, committed, Routing.SPREAD);
    }

    /**
     * As {@link #score(DataStream, ScoringSpec, int, PositionSet)}, with the micro-batches made as
     * {@code routing} says.
     */
    public static SingleOutputStreamOperator<RowData> score(
            DataStream<KafkaRecord> records,
            ScoringSpec spec,
            int parallelism,
            PositionSet committed,
            Routing routing) {
        if (spec.outputs().isEmpty()) {
            throw new IllegalArgumentException(
                    "the scoring spec lists no model outputs, so the scored row type is unknown; resolve them"
                            + " from signature '"
                            + spec.signature()
                            + "' (ScoringSpec.Builder#outputs) before building the job");
        }
        // Fails fast, before the job starts, on a spec whose outputs cannot become columns.
        InternalTypeInfo<RowData> scoredType = InternalTypeInfo.of(ScoredRows.scoredRowType(spec));

        SingleOutputStreamOperator<ScoredBatch> scored =
                microBatches(records, spec, parallelism, routing)
                        .map(new ScoringFunction(spec, committed), ScoredBatch.typeInfo(spec))
                        .setParallelism(parallelism)
                        .uid(SCORE)
                        .name(SCORE);

        return scored.process(new SplitErrors(), scoredType)
                .setParallelism(parallelism)
                .uid(SPLIT_ERRORS)
                .name(SPLIT_ERRORS);
    }

    /**
     * The micro-batching half of {@link #score}: key into buckets, collect in {@link GlobalWindows}
     * under a {@link BatchTrigger}, emit each batch as a list.
     */
    public static SingleOutputStreamOperator<List<KafkaRecord>> microBatches(
            DataStream<KafkaRecord> records, ScoringSpec spec, int parallelism) {
        return microBatches(records, spec, parallelism, Routing.SPREAD);
    }

    /** As {@link #microBatches(DataStream, ScoringSpec, int)}, routed as {@code routing} says. */
    public static SingleOutputStreamOperator<List<KafkaRecord>> microBatches(
            DataStream<KafkaRecord> records, ScoringSpec spec, int parallelism, Routing routing) {
        if (parallelism < 1) {
            throw new IllegalArgumentException(
                    "parallelism is " + parallelism + "; it must be at least 1");
        }
        int buckets = spec.effectiveBuckets(parallelism);
        if (buckets < parallelism) {
            throw new IllegalArgumentException(
                    "buckets is "
                            + buckets
                            + " but parallelism is "
                            + parallelism
                            + "; use at least one bucket per subtask (or 0 for 4 x parallelism)");
        }
        int configured = records.getExecutionEnvironment().getConfig().getMaxParallelism();
        int maxParallelism =
                configured > 0
                        ? configured
                        : KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
        if (maxParallelism < parallelism) {
            throw new IllegalArgumentException(
                    "max parallelism " + maxParallelism + " is below parallelism " + parallelism);
        }
        TypeInformation<KafkaRecord> recordType = TypeInformation.of(KafkaRecord.class);
        KeyedStream<KafkaRecord, Integer> keyed;
        if (routing == Routing.LOCAL) {
            // Every record is keyed into its own subtask's key groups, so the forward edge that
            // reinterpretAsKeyedStream makes is a valid keyed stream and the windows chain.
            SingleOutputStreamOperator<KafkaRecord> stamped =
                    records.map(new LocalBucket(buckets / parallelism), recordType)
                            .setParallelism(parallelism)
                            .setMaxParallelism(maxParallelism)
                            .uid(LOCAL_BUCKETS)
                            .name(LOCAL_BUCKETS);
            keyed = DataStreamUtils.reinterpretAsKeyedStream(stamped, new StampedKey(), Types.INT);
        } else {
            keyed =
                    records.keyBy(
                            new BucketKeySelector(bucketKeys(buckets, parallelism, maxParallelism)),
                            Types.INT);
        }

        SingleOutputStreamOperator<List<KafkaRecord>> batches =
                keyed.window(GlobalWindows.create())
                        .trigger(BatchTrigger.of(spec.batchSize(), spec.maxDelay()))
                        .process(new CollectBatch(), new ListTypeInfo<>(recordType));
        return batches.setParallelism(parallelism)
                // Pinned: the bucket keys were chosen for exactly this key-group layout.
                .setMaxParallelism(maxParallelism)
                .uid(MICRO_BATCH)
                .name(MICRO_BATCH);
    }

    /**
     * Key values for {@code buckets} buckets such that bucket {@code i} lands on subtask {@code i %
     * parallelism}: every subtask owns the same number of buckets (give or take one).
     */
    static int[] bucketKeys(int buckets, int parallelism, int maxParallelism) {
        int[][] perSubtask = new int[parallelism][];
        for (int s = 0; s < parallelism; s++) {
            // Buckets s, s + parallelism, s + 2 x parallelism, ...
            int owned = (buckets - s + parallelism - 1) / parallelism;
            perSubtask[s] = localBucketKeys(s, owned, parallelism, maxParallelism);
        }
        int[] keys = new int[buckets];
        for (int i = 0; i < buckets; i++) {
            keys[i] = perSubtask[i % parallelism][i / parallelism];
        }
        return keys;
    }

    /** The bucket of a record: round robin over offsets, shifted per partition. */
    static int bucketOf(int partition, long offset, int buckets) {
        return (int) Math.floorMod(offset + partition, (long) buckets);
    }

    /** Maps a record to its bucket's key value. */
    static final class BucketKeySelector implements KeySelector<KafkaRecord, Integer> {
        private static final long serialVersionUID = 1L;
        private final int[] keys;

        BucketKeySelector(int[] keys) {
            this.keys = keys;
        }

        @Override
        public Integer getKey(KafkaRecord record) {
            return keys[bucketOf(record.partition, record.offset, keys.length)];
        }
    }

    /**
     * The key values of the {@code count} buckets of subtask {@code subtask}: the smallest keys in
     * its key groups ({@link #bucketKeys} deals them out the same way, so both routings use the
     * same keys).
     */
    static int[] localBucketKeys(int subtask, int count, int parallelism, int maxParallelism) {
        int[] keys = new int[count];
        int found = 0;
        for (int key = 0; found < count; key++) {
            if (KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            key, maxParallelism, parallelism)
                    == subtask) {
                keys[found++] = key;
            }
        }
        return keys;
    }

    /**
     * Stamps each record with the key of one of this subtask's own buckets ({@link
     * KafkaRecord#bucketKey}), from its partition and offset. The keys come from the running
     * subtask's index and parallelism, so they are local however the job was scheduled or rescaled.
     */
    static final class LocalBucket extends RichMapFunction<KafkaRecord, KafkaRecord> {
        private static final long serialVersionUID = 1L;
        private final int bucketsPerSubtask;
        private transient int[] keys;

        LocalBucket(int bucketsPerSubtask) {
            this.bucketsPerSubtask = Math.max(1, bucketsPerSubtask);
        }

        @Override
        public void open(OpenContext context) {
            TaskInfo task = getRuntimeContext().getTaskInfo();
            keys =
                    localBucketKeys(
                            task.getIndexOfThisSubtask(),
                            bucketsPerSubtask,
                            task.getNumberOfParallelSubtasks(),
                            task.getMaxNumberOfParallelSubtasks());
        }

        @Override
        public KafkaRecord map(KafkaRecord record) {
            record.bucketKey = keys[bucketOf(record.partition, record.offset, keys.length)];
            return record;
        }
    }

    /** The key {@link LocalBucket} stamped on a record. */
    static final class StampedKey implements KeySelector<KafkaRecord, Integer> {
        private static final long serialVersionUID = 1L;

        @Override
        public Integer getKey(KafkaRecord record) {
            if (record.bucketKey == KafkaRecord.NO_BUCKET_KEY) {
                // Serialized on the way (the key is transient): the forward edge did not chain.
                throw new IllegalStateException(
                        "record "
                                + record.coordinates()
                                + " reached "
                                + MICRO_BATCH
                                + " without its bucket key: "
                                + LOCAL_BUCKETS
                                + " must chain to it (Routing.LOCAL needs operator chaining in"
                                + " STREAMING mode)");
            }
            return record.bucketKey;
        }
    }

    /** Emits the window's contents as one batch. */
    static final class CollectBatch
            extends ProcessWindowFunction<KafkaRecord, List<KafkaRecord>, Integer, GlobalWindow> {
        private static final long serialVersionUID = 1L;

        @Override
        public void process(
                Integer key,
                Context context,
                Iterable<KafkaRecord> elements,
                Collector<List<KafkaRecord>> out) {
            List<KafkaRecord> batch = new ArrayList<>();
            for (KafkaRecord r : elements) {
                batch.add(r);
            }
            if (!batch.isEmpty()) {
                out.collect(batch);
            }
        }
    }

    /** Scored rows to the main output, error rows to {@link #ERRORS}. */
    static final class SplitErrors extends ProcessFunction<ScoredBatch, RowData> {
        private static final long serialVersionUID = 1L;

        @Override
        public void processElement(ScoredBatch batch, Context ctx, Collector<RowData> out) {
            for (RowData row : batch.scored()) {
                out.collect(row);
            }
            for (RowData row : batch.errors()) {
                ctx.output(ERRORS, row);
            }
        }
    }
}
