package dev.batchscore.pipeline;

import dev.batchscore.operators.BatchScoring;
import dev.batchscore.operators.KafkaRecord;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.config.QualitySettings;
import dev.batchscore.pipeline.iceberg.PostCommitSink;
import dev.batchscore.pipeline.kafka.KafkaSources;
import dev.batchscore.pipeline.runs.ClaimFence;
import dev.batchscore.pipeline.runs.ClaimKeeper;
import dev.batchscore.pipeline.runs.QualityCheckException;
import dev.batchscore.pipeline.runs.QualityChecks;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.RunHistory;
import dev.batchscore.pipeline.runs.RunMarker;
import dev.batchscore.pipeline.runs.RunStatsOperator;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.PipelineOptionsInternal;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.DetachedJobExecutionResult;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.transformations.SinkTransformation;
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
 *   (KafkaRecord)     or ─> local-buckets ─>        (GlobalWindows              │  (RowData)
 *                                                    + BatchTrigger)            └─ side output ERRORS ──> IcebergSink iceberg-errors
 * </pre>
 *
 * <p>A run whose records spread evenly over the source's subtasks is batched where it is read
 * ({@link #routing}): the whole path chains in the source's slots, with no shuffle.
 *
 * <p>{@link #main} is the job jar's entry point ({@code flink run batchscore.jar --config job.yaml
 * [--<key> <value>...]}); it goes through {@link BatchScoringJob}, the typed builder. {@link #wire}
 * takes any {@code DataStream<KafkaRecord>}, so tests can feed in-memory records.
 */
public final class ScoringJob {
    /** Sink uid suffixes; part of savepoint compatibility, never change them. */
    public static final String SCORED_SINK_UID = "iceberg-scored";

    public static final String ERRORS_SINK_UID = "iceberg-errors";

    private static final Logger LOG = LoggerFactory.getLogger(ScoringJob.class);

    private ScoringJob() {}

    public static void main(String[] args) throws Exception {
        // flink run -s, the operator's savepoint upgrade and a REST savepointPath restore through
        // Flink's own configuration: plan them as the resumed run they are.
        ReadableConfig flink =
                StreamExecutionEnvironment.getExecutionEnvironment().getConfiguration();
        JobConfig config =
                JobConfig.fromArgs(args)
                        .withStateRecoveryPath(flink.get(StateRecoveryOptions.SAVEPOINT_PATH))
                        .withFixedJobId(
                                flink.getOptional(PipelineOptionsInternal.PIPELINE_FIXED_JOB_ID)
                                        .orElse(null));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        config.settings().execution().flinkConfiguration());
        BatchScoringJob job = BatchScoringJob.builder().settings(config.settings()).build();
        JobPlan plan;
        JobExecutionResult result;
        try (ScoringRun run = job.start()) {
            plan = run.plan();
            run.addTo(env);
            result = run.execute(env);
        }
        if (result instanceof DetachedJobExecutionResult) {
            // Detached (flink run -d, the REST API, the Web UI, application mode): the job marks
            // its own run complete; there is nothing to wait for here.
            LOG.info("Run {} submitted detached as job {}", plan.run().runId(), result.getJobID());
            return;
        }
        RunCounts counts = RunCounts.of(result);
        LOG.info("Run {}: {}", plan.run().runId(), counts.summary());
        for (ModelAgreement agreement : ModelAgreement.of(result, plan.spec())) {
            LOG.info("Run {}: {}", plan.run().runId(), agreement.summary());
        }
        // errors.max-ratio over the whole run: the subtasks only judge their own shares.
        counts.checkMaxRatio(plan.spec().errorPolicy());
        checkQuality(plan);
    }

    /**
     * The run's rows in the runs table, which the job wrote when the run completed or stopped; if
     * one failed a {@code quality.*} check with {@code quality.on-violation: fail}, throws {@link
     * QualityCheckException} (the CLI's exit code {@link QualityChecks#EXIT_CODE}). The data is
     * committed either way.
     */
    public static List<RunHistory.Row> checkQuality(JobPlan plan) {
        Catalog catalog = plan.catalogLoader().loadCatalog();
        List<RunHistory.Row> rows;
        try {
            var id = RunHistory.tableFor(plan.table());
            if (!catalog.tableExists(id)) {
                return List.of();
            }
            rows =
                    RunHistory.readRun(
                            catalog.loadTable(id), plan.run().pipelineId(), plan.run().runId());
        } finally {
            JobPlan.closeQuietly(catalog);
        }
        if (!rows.isEmpty()) {
            RunHistory.Row last = rows.get(rows.size() - 1);
            if (last.qualityFailed()) {
                throw new QualityCheckException(last.runId(), last.violations());
            }
        }
        return rows;
    }

    /** Adds the Kafka source and the rest of the job to {@code env}. */
    public static Sinks build(StreamExecutionEnvironment env, JobPlan plan) {
        ClaimKeeper.Lease lease = claimLease(plan);
        DataStream<KafkaRecord> records =
                env.fromSource(
                                KafkaSources.create(
                                        plan.settings().source(),
                                        plan.run().start() == null
                                                ? null
                                                : plan.run().start().asMap(),
                                        plan.run().end() == null ? null : plan.run().end().asMap(),
                                        // The claim is held from the start of scheduling.
                                        () -> ClaimKeeper.hold(lease)),
                                WatermarkStrategy.noWatermarks(),
                                KafkaSources.UID)
                        .uid(KafkaSources.UID)
                        // Drops what this pipeline already committed; counts the end of input.
                        .transform(
                                SkipCommitted.UID,
                                TypeInformation.of(KafkaRecord.class),
                                new SkipCommitted(plan.committed(), claimLease(plan)))
                        .uid(SkipCommitted.UID);
        int parallelism = plan.parallelism(env.getParallelism());
        return wire(
                records,
                ((SingleOutputStreamOperator<KafkaRecord>) records)
                        .getSideOutput(SkipCommitted.STATS),
                plan,
                parallelism,
                routing(env, plan, parallelism));
    }

    /**
     * {@link BatchScoring.Routing#LOCAL} when the run's records spread evenly over the source's
     * subtasks and the job chains, so each record is scored in the slot that read it; else {@link
     * BatchScoring.Routing#SPREAD}. Either restores the other's savepoints.
     */
    static BatchScoring.Routing routing(
            StreamExecutionEnvironment env, JobPlan plan, int parallelism) {
        Run run = plan.run();
        boolean even =
                run.explicitPositions()
                        && KafkaSources.evenOverReaders(
                                run.start().asMap(), run.end().asMap(), parallelism);
        // The source runs at the environment's parallelism: a different one would not chain, nor
        // would BATCH mode's sorted keyed inputs.
        return even
                        && env.isChainingEnabled()
                        && env.getParallelism() == parallelism
                        && !plan.settings().execution().batchMode()
                ? BatchScoring.Routing.LOCAL
                : BatchScoring.Routing.SPREAD;
    }

    /** Scores {@code records} and writes rows and errors to the plan's two Iceberg tables. */
    public static Sinks wire(DataStream<KafkaRecord> records, JobPlan plan, int parallelism) {
        return wire(records, null, plan, parallelism, BatchScoring.Routing.SPREAD);
    }

    /**
     * As {@link #wire(DataStream, JobPlan, int)}; {@code readStats} are {@link SkipCommitted}'s
     * counts of the records read, for the run history (null: none), and the micro-batches are made
     * as {@code routing} says.
     */
    static Sinks wire(
            DataStream<KafkaRecord> records,
            DataStream<byte[]> readStats,
            JobPlan plan,
            int parallelism,
            BatchScoring.Routing routing) {
        // The score operator drops committed positions too: micro-batches restored from a
        // savepoint come out of the windows' state, behind skip-committed.
        SingleOutputStreamOperator<RowData> scored =
                BatchScoring.score(
                        records, plan.spec(), parallelism, plan.committed().positions(), routing);
        DataStream<RowData> errors = scored.getSideOutput(BatchScoring.ERRORS);
        // Lineage: every snapshot of the run says who wrote it, with which model, from where.
        Map<String, String> snapshotProps = plan.run().lineage();
        // After both tables' last commits, the job marks its run complete.
        ClaimKeeper.Lease lease = claimLease(plan);
        RunMarker.Topology marker =
                new RunMarker.Topology(
                        new RunMarker(
                                lease,
                                plan.catalogLoader(),
                                RunHistory.tableFor(plan.table()),
                                qualityChecks(plan.settings()),
                                submitted(records.getExecutionEnvironment())),
                        2);
        // The run history's counts and output statistics: branches beside the sinks.
        if (readStats != null) {
            marker.addStats(readStats);
        }
        Set<String> passthrough = new HashSet<>();
        plan.spec().passthrough().forEach(p -> passthrough.add(p.name()));
        marker.addStats(
                scored.transform(
                                RunStatsOperator.SCORED_UID,
                                RunStatsOperator.TYPE,
                                RunStatsOperator.scored(plan.scoredRowType(), passthrough))
                        .uid(RunStatsOperator.SCORED_UID)
                        .name(RunStatsOperator.SCORED_UID)
                        .setParallelism(scored.getParallelism()));
        marker.addStats(
                errors.transform(
                                RunStatsOperator.ERRORS_UID,
                                RunStatsOperator.TYPE,
                                RunStatsOperator.errors())
                        .uid(RunStatsOperator.ERRORS_UID)
                        .name(RunStatsOperator.ERRORS_UID)
                        .setParallelism(scored.getParallelism()));
        DataStreamSink<RowData> scoredSink =
                icebergSink(
                        scored,
                        plan,
                        plan.table(),
                        plan.scoredRowType(),
                        SCORED_SINK_UID,
                        snapshotProps,
                        marker,
                        lease);
        DataStreamSink<RowData> errorsSink =
                icebergSink(
                        errors,
                        plan,
                        plan.errorsTable(),
                        plan.errorRowType(),
                        ERRORS_SINK_UID,
                        snapshotProps,
                        marker,
                        lease);
        return new Sinks(scoredSink, errorsSink);
    }

    private static DataStreamSink<RowData> icebergSink(
            DataStream<RowData> rows,
            JobPlan plan,
            TableIdentifier table,
            RowType rowType,
            String uidSuffix,
            Map<String, String> snapshotProps,
            RunMarker.Topology marker,
            ClaimKeeper.Lease lease) {
        // The v2 IcebergSink, not FlinkSink: the v1 sink was seen losing rows in bounded STREAMING
        // runs. resolvedSchema makes the writer read RowData by our row type's positions.
        // Fenced: the committer commits only while the run holds its pipeline's claim, the scored
        // table on the claim in its own metadata, the errors table on the scored table's.
        TableLoader loader =
                ClaimFence.loader(
                        TableLoader.fromCatalog(plan.catalogLoader(), table),
                        lease,
                        table.equals(plan.table()));
        DataStreamSink<RowData> built =
                IcebergSink.forRowData(rows)
                        .tableLoader(loader)
                        .resolvedSchema(FlinkSchemaUtil.toResolvedSchema(rowType))
                        .uidSuffix(uidSuffix)
                        .snapshotProperties(snapshotProps)
                        .append();
        // Iceberg's builder does the set-up (table, schema, write options) but keeps its sink's
        // constructor to itself: take the sink it built and add it again behind our post-commit
        // topology, with the same uid, name and parallelism, so savepoints stay compatible.
        var transformation = (SinkTransformation<?, ?>) built.getTransformation();
        rows.getExecutionEnvironment().getTransformations().remove(transformation);
        @SuppressWarnings("unchecked")
        Sink<RowData> iceberg = (Sink<RowData>) transformation.getSink();
        return rows.sinkTo(
                        new PostCommitSink<>(
                                iceberg,
                                marker::add,
                                () -> ClaimKeeper.hold(lease),
                                loader,
                                rowType))
                .uid(transformation.getUid())
                .name(transformation.getName())
                .setParallelism(transformation.getParallelism());
    }

    /**
     * The run's claim on its pipeline, which the job's operators hold while they run (see {@link
     * ClaimKeeper}): a detached job keeps its pipeline for as long as it really runs.
     */
    static ClaimKeeper.Lease claimLease(JobPlan plan) {
        return new ClaimKeeper.Lease(
                TableLoader.fromCatalog(plan.catalogLoader(), plan.table()),
                plan.run(),
                plan.settings().run().claimTimeout(),
                plan.claimToken());
    }

    /** The {@code quality.*} settings as the job's run marker applies them. */
    static QualityChecks qualityChecks(JobSettings settings) {
        QualitySettings q = settings.quality();
        return new QualityChecks(
                q.maxInputAge(),
                q.minRecords(),
                q.errorRatio(settings.errors()),
                q.maxDrift(),
                q.fail());
    }

    /** How the job was submitted, for the runs table: Flink's execution target, and detached. */
    static String submitted(StreamExecutionEnvironment env) {
        var conf = env.getConfiguration();
        String target = conf.getOptional(DeploymentOptions.TARGET).orElse("embedded");
        return conf.get(DeploymentOptions.ATTACHED) ? target : target + " (detached)";
    }

    static String jobName(JobPlan plan) {
        return "batchscore " + plan.spec().modelName() + " -> " + plan.table();
    }

    /** The two sinks, for callers that tune them further. */
    public record Sinks(DataStreamSink<RowData> scored, DataStreamSink<RowData> errors) {}
}
