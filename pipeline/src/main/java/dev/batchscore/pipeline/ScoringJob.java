package dev.batchscore.pipeline;

import dev.batchscore.operators.BatchScoring;
import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.pipeline.kafka.KafkaSources;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.IcebergSink;

import java.util.Map;

/**
 * The batchscore job: Kafka records scored in micro-batches into an Iceberg table, with records
 * that fail into a second (dead-letter) table.
 *
 * <pre>
 *   kafka-source ──keyBy(bucket)──> micro-batch ──> score ──> split-errors ──> IcebergSink iceberg-scored
 *   (KafkaRecord)                   (GlobalWindows              │  (RowData)
 *                                    + BatchTrigger)            └─ side output ERRORS ──> IcebergSink iceberg-errors
 * </pre>
 *
 * <p>{@link #main} is the job jar's entry point ({@code flink run batchscore.jar --config job.yaml
 * [--<key> <value>...]}); it only wires. {@link #wire} takes any {@code DataStream<KafkaRecord>},
 * so tests can feed in-memory records.
 */
public final class ScoringJob {
    /** Sink uid suffixes; part of savepoint compatibility, never change them. */
    public static final String SCORED_SINK_UID = "iceberg-scored";

    public static final String ERRORS_SINK_UID = "iceberg-errors";

    private ScoringJob() {}

    public static void main(String[] args) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
        JobPlan plan = JobPlan.create(config);
        build(env, plan);
        env.execute(jobName(plan));
    }

    /** Adds the Kafka source and the rest of the job to {@code env}. */
    public static Sinks build(StreamExecutionEnvironment env, JobPlan plan) {
        DataStream<KafkaRecord> records =
                env.fromSource(
                                KafkaSources.create(plan.config()),
                                WatermarkStrategy.noWatermarks(),
                                KafkaSources.UID)
                        .uid(KafkaSources.UID);
        return wire(records, plan, plan.parallelism(env.getParallelism()));
    }

    /** Scores {@code records} and writes rows and errors to the plan's two Iceberg tables. */
    public static Sinks wire(DataStream<KafkaRecord> records, JobPlan plan, int parallelism) {
        SingleOutputStreamOperator<RowData> scored =
                BatchScoring.score(records, plan.spec(), parallelism);
        DataStream<RowData> errors = scored.getSideOutput(BatchScoring.ERRORS);
        Map<String, String> snapshotProps = Map.of("batchscore.model", plan.spec().modelName());
        DataStreamSink<RowData> scoredSink =
                icebergSink(
                        scored,
                        plan,
                        plan.table(),
                        plan.scoredRowType(),
                        SCORED_SINK_UID,
                        snapshotProps);
        DataStreamSink<RowData> errorsSink =
                icebergSink(
                        errors,
                        plan,
                        plan.errorsTable(),
                        plan.errorRowType(),
                        ERRORS_SINK_UID,
                        snapshotProps);
        return new Sinks(scoredSink, errorsSink);
    }

    private static DataStreamSink<RowData> icebergSink(
            DataStream<RowData> rows,
            JobPlan plan,
            TableIdentifier table,
            RowType rowType,
            String uidSuffix,
            Map<String, String> snapshotProps) {
        // The v2 IcebergSink, not FlinkSink: the v1 sink was seen losing rows in bounded STREAMING
        // runs. resolvedSchema makes the writer read RowData by our row type's positions.
        return IcebergSink.forRowData(rows)
                .tableLoader(TableLoader.fromCatalog(plan.catalogLoader(), table))
                .resolvedSchema(FlinkSchemaUtil.toResolvedSchema(rowType))
                .uidSuffix(uidSuffix)
                .snapshotProperties(snapshotProps)
                .append();
    }

    static String jobName(JobPlan plan) {
        return "batchscore " + plan.spec().modelName() + " -> " + plan.table();
    }

    /** The two sinks, for callers that tune them further. */
    public record Sinks(DataStreamSink<RowData> scored, DataStreamSink<RowData> errors) {}
}
