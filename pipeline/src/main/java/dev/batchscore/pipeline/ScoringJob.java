package dev.batchscore.pipeline;

import dev.batchscore.operators.BatchScoring;
import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.pipeline.kafka.KafkaSources;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.RowType;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.flink.TableLoader;
import org.apache.iceberg.flink.sink.IcebergSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The batchscore job: Kafka records scored in micro-batches into an Iceberg table, with records
 * that fail into a second (dead-letter) table.
 *
 * <pre>
 *   kafka-source ─> skip-committed ──keyBy(bucket)──> micro-batch ──> score ──> split-errors ──> IcebergSink iceberg-scored
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

    private static final Logger LOG = LoggerFactory.getLogger(ScoringJob.class);

    private ScoringJob() {}

    public static void main(String[] args) throws Exception {
        JobConfig config = JobConfig.fromArgs(args);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(config.flinkConfiguration());
        JobPlan plan = JobPlan.create(config);
        build(env, plan);
        RunCounts counts = RunCounts.of(execute(env, plan));
        LOG.info("Run {}: {}", plan.run().runId(), counts.summary());
        // errors.max-ratio over the whole run: the subtasks only judge their own shares.
        counts.checkMaxRatio(plan.spec().errorPolicy());
    }

    /**
     * Runs the built job as one run of its pipeline: commits the run's {@code started} marker,
     * executes, and commits the {@code complete} marker if the job ended because its input ended
     * (not stopped with a savepoint). Returns the job's result.
     */
    public static JobExecutionResult execute(StreamExecutionEnvironment env, JobPlan plan)
            throws Exception {
        markStarted(plan);
        JobExecutionResult result = env.execute(jobName(plan));
        markEnded(plan, result);
        return result;
    }

    /** Commits the run's {@code started} marker to the scored table; call before submitting. */
    public static void markStarted(JobPlan plan) {
        withLedger(plan, ledger -> ledger.markStarted(plan.run()));
    }

    /**
     * Commits the run's {@code complete} marker if every source subtask reached the end of its
     * input; returns whether it did. A detached submission has no accumulators: the run is then
     * left incomplete, which costs the next {@code resume} run a longer scan, never a duplicate.
     */
    public static boolean markEnded(JobPlan plan, JobExecutionResult result) {
        boolean ended;
        try {
            ended = SkipCommitted.inputEnded(result);
        } catch (RuntimeException e) {
            LOG.warn(
                    "Cannot tell whether run {} read all its input: {}",
                    plan.run().runId(),
                    e.toString());
            return false;
        }
        if (ended) {
            withLedger(plan, ledger -> ledger.markComplete(plan.run()));
        } else {
            LOG.info(
                    "Run {} of pipeline {} ended before the end of its input (stopped with a"
                            + " savepoint?): not marked complete",
                    plan.run().runId(),
                    plan.run().pipelineId());
        }
        return ended;
    }

    private static void withLedger(JobPlan plan, java.util.function.Consumer<RunLedger> action) {
        Catalog catalog = plan.catalogLoader().loadCatalog();
        try {
            action.accept(new RunLedger(catalog.loadTable(plan.table())));
        } finally {
            if (catalog instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    LOG.debug("Closing the catalog failed", e);
                }
            }
        }
    }

    /** Adds the Kafka source and the rest of the job to {@code env}. */
    public static Sinks build(StreamExecutionEnvironment env, JobPlan plan) {
        DataStream<KafkaRecord> records =
                env.fromSource(
                                KafkaSources.create(plan.config(), plan.run()),
                                WatermarkStrategy.noWatermarks(),
                                KafkaSources.UID)
                        .uid(KafkaSources.UID)
                        // Drops what this pipeline already committed; counts the end of input.
                        .transform(
                                SkipCommitted.UID,
                                TypeInformation.of(KafkaRecord.class),
                                new SkipCommitted(plan.committed()))
                        .uid(SkipCommitted.UID);
        return wire(records, plan, plan.parallelism(env.getParallelism()));
    }

    /** Scores {@code records} and writes rows and errors to the plan's two Iceberg tables. */
    public static Sinks wire(DataStream<KafkaRecord> records, JobPlan plan, int parallelism) {
        // The score operator drops committed positions too: micro-batches restored from a
        // savepoint come out of the windows' state, behind skip-committed.
        SingleOutputStreamOperator<RowData> scored =
                BatchScoring.score(records, plan.spec(), parallelism, plan.committed().positions());
        DataStream<RowData> errors = scored.getSideOutput(BatchScoring.ERRORS);
        // Lineage: every snapshot of the run says who wrote it, with which model, from where.
        Map<String, String> snapshotProps = plan.run().lineage();
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
