package dev.batchscore.pipeline;

import dev.batchscore.operators.BatchScoring;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import dev.batchscore.pipeline.iceberg.IcebergWorkerThreads;
import dev.batchscore.pipeline.kafka.KafkaSources;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.SecurityOptions;
import org.apache.flink.core.execution.CheckpointType;
import org.apache.flink.runtime.jobgraph.JobVertexID;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.rest.messages.EmptyRequestBody;
import org.apache.flink.runtime.rest.messages.JobIDPathParameter;
import org.apache.flink.runtime.rest.messages.JobVertexIdPathParameter;
import org.apache.flink.runtime.rest.messages.MessagePathParameter;
import org.apache.flink.runtime.rest.messages.MessageQueryParameter;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedMetric;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedSubtaskMetricsHeaders;
import org.apache.flink.runtime.rest.messages.job.metrics.AggregatedSubtaskMetricsParameters;
import org.apache.flink.runtime.rest.messages.job.metrics.MetricsAggregationParameter;
import org.apache.flink.runtime.rest.messages.job.metrics.MetricsFilterParameter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link JobPlan} on an embedded Flink MiniCluster in this JVM, prints progress from the
 * cluster's REST API while it runs, and measures the result from the Iceberg snapshots the run
 * committed (what is in the table, not what the operators think they sent).
 */
public final class LocalRunner {
    private static final Logger LOG = LoggerFactory.getLogger(LocalRunner.class);

    /**
     * How often a local run checkpoints from its submission until its first rows are committed (a
     * commit follows every checkpoint). Flink would take the first checkpoint at a random point of
     * the first checkpoint interval (up to 10 s by default), later than most runs of a few hundred
     * thousand records take to end; the checkpoints before the first batch is scored commit nothing
     * and cost little.
     */
    static final Duration EARLY_CHECKPOINTS_EVERY = Duration.ofMillis(100);

    private LocalRunner() {}

    /**
     * What a run committed. {@code snapshotId} is the scored table's current snapshot, -1 if none.
     */
    public record Result(
            String table,
            long rows,
            String errorsTable,
            long errors,
            Duration elapsed,
            long snapshotId,
            String jobId,
            String savepoint,
            boolean complete,
            RunCounts counts,
            List<ModelAgreement> agreement) {

        /** True when the job was stopped with a savepoint before the end of its input. */
        public boolean stoppedWithSavepoint() {
            return savepoint != null;
        }

        public double rowsPerSecond() {
            double seconds = Math.max(elapsed.toMillis(), 1) / 1000.0;
            return (rows + errors) / seconds;
        }

        /**
         * One line: rows and errors committed (from the tables), time, rows/s, snapshot id, then
         * what the operators counted (from the accumulators): read = scored + dead-lettered +
         * skipped.
         */
        public String summary() {
            return String.format(
                            Locale.ROOT,
                            "wrote %,d rows to %s and %,d errors to %s in %.1f s (%,.0f rows/s), snapshot"
                                    + " %s; %s",
                            rows,
                            table,
                            errors,
                            errorsTable,
                            elapsed.toMillis() / 1000.0,
                            rowsPerSecond(),
                            snapshotId < 0 ? "none" : Long.toString(snapshotId),
                            counts.summary())
                    + agreementSummary();
        }

        /** Each shadow model's agreement with the champion, over every row both scored. */
        private String agreementSummary() {
            StringBuilder out = new StringBuilder();
            for (ModelAgreement a : agreement) {
                out.append("; ").append(a.summary());
            }
            return out.toString();
        }
    }

    /**
     * Runs {@code run}'s job and waits for it to finish: commits the run's started marker right
     * before submitting ({@link ScoringRun#started}); the caller closes the run.
     *
     * @param webUi serve the Flink Web UI (needs flink-runtime-web on the classpath)
     * @param expectedRecords the record count progress is shown against, or -1 if unknown
     * @param progress where progress lines go, or null for none
     */
    public static Result run(
            ScoringRun run, boolean webUi, long expectedRecords, PrintStream progress)
            throws Exception {
        return run(run, null, webUi, expectedRecords, progress);
    }

    /**
     * As {@link #run(ScoringRun, boolean, long, PrintStream)}, on the cluster {@code warmup}
     * started while the run was planned (null: start one now).
     */
    public static Result run(
            ScoringRun run,
            LocalWarmup warmup,
            boolean webUi,
            long expectedRecords,
            PrintStream progress)
            throws Exception {
        JobPlan plan = run.plan();
        IcebergWorkerThreads.startAll();
        Configuration conf = clusterConfiguration(plan.settings());
        // The restart strategy (execution.restart.*) comes with the plan's execution settings.
        // A plain environment only builds the graph, which our own MiniCluster below runs; a
        // LocalStreamEnvironment would also refuse to exist inside a test's cluster context.
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        env.setParallelism(plan.parallelism(Runtime.getRuntime().availableProcessors()));
        run.addTo(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(ScoringJob.jobName(plan));
        int slots =
                graph.getStreamNodes().stream()
                        .mapToInt(StreamNode::getParallelism)
                        .max()
                        .orElse(1);

        long scoredBefore;
        long errorsBefore;
        Catalog catalog = plan.catalogLoader().loadCatalog();
        Table table = catalog.loadTable(plan.table());
        Table errorsTable = catalog.loadTable(plan.errorsTable());
        scoredBefore = IcebergTables.currentSnapshotId(table);
        errorsBefore = IcebergTables.currentSnapshotId(errorsTable);

        long start = System.nanoTime();
        String savepoint;
        RunCounts counts;
        List<ModelAgreement> agreement;
        JobID jobId;
        // Our own cluster rather than env.executeAsync(), whose per-job cluster shuts down the
        // moment the job ends: we still need the job's checkpoint history then, to tell a finished
        // run from one stopped with a savepoint (by ./batchscore stop or Flink's flink stop).
        boolean complete = false;
        Thread earlyCheckpoints = null;
        LocalCluster warm = warmup == null ? null : warmup.takeCluster(slots);
        try (LocalCluster cluster =
                warm != null
                        ? warm
                        // The warm-up set the filesystems up already; without one, here.
                        : LocalCluster.start(
                                conf, slots, LocalCluster.initializeFileSystems(conf))) {
            try {
                run.started();
                jobId = cluster.submit(graph);
                if (!plan.settings().execution().batchMode()) {
                    earlyCheckpoints =
                            EarlyCheckpoints.start(
                                    cluster,
                                    jobId,
                                    Map.of(
                                            catalog.loadTable(plan.table()),
                                            scoredBefore,
                                            catalog.loadTable(plan.errorsTable()),
                                            errorsBefore),
                                    plan.settings().execution().checkpointInterval());
                }
                String base = cluster.restUrl();
                if (progress != null) {
                    progress.printf(
                            Locale.ROOT,
                            "  job %s submitted in %.1f s; REST %s%s%n",
                            jobId,
                            (System.nanoTime() - start) / 1e9,
                            base,
                            webUi ? "; Flink Web UI: " + base + "/#/job/running/" + jobId : "");
                    if (!plan.settings().execution().batchMode()) {
                        progress.printf(
                                "  stop it with a savepoint: ./batchscore stop %s --savepoint-dir"
                                        + " <dir>%n",
                                jobId);
                    }
                }
                CompletableFuture<JobResult> done = cluster.miniCluster().requestJobResult(jobId);
                JobResult jobResult;
                // The planned total: what the caller expects, else the run's range in Kafka.
                long total =
                        expectedRecords > 0
                                ? expectedRecords
                                : plan.run().explicitPositions()
                                        ? plan.run().start().countUntil(plan.run().end())
                                        : -1;
                try (ProgressPoller poller =
                                new ProgressPoller(cluster.clientConfiguration(conf), jobId);
                        ProgressLine line =
                                progress == null
                                        ? null
                                        : new ProgressLine(
                                                progress, ProgressLine.isTerminal(progress))) {
                    while (true) {
                        try {
                            jobResult = done.get(2, TimeUnit.SECONDS);
                            break;
                        } catch (TimeoutException e) {
                            if (line != null) {
                                poller.poll(total, start).ifPresent(line::show);
                            }
                        }
                    }
                }
                // Throws the job's failure, as env.execute() would.
                JobExecutionResult executionResult =
                        jobResult.toJobExecutionResult(LocalRunner.class.getClassLoader());
                counts = RunCounts.of(executionResult);
                agreement = ModelAgreement.of(executionResult, plan.spec());
                // The job commits the run's complete marker itself once its input ended
                // (RunMarker); the marker releases the run's claim on the pipeline.
                complete = run.complete();
                savepoint = cluster.stopSavepoint(jobId).orElse(null);
            } finally {
                if (earlyCheckpoints != null) {
                    earlyCheckpoints.interrupt();
                }
                // Ended, one way or another: closing the run releases what the job left.
                run.ended();
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        long rows = IcebergTables.rowsAddedSince(table, scoredBefore);
        long errors = IcebergTables.rowsAddedSince(errorsTable, errorsBefore);
        if (catalog instanceof AutoCloseable c) {
            c.close();
        }
        return new Result(
                plan.table().toString(),
                rows,
                plan.errorsTable().toString(),
                errors,
                elapsed,
                IcebergTables.currentSnapshotId(table),
                jobId.toString(),
                savepoint,
                complete,
                counts,
                agreement);
    }

    /**
     * Checkpoints the job every {@link #EARLY_CHECKPOINTS_EVERY} until either table holds rows
     * committed since the run started, the job has ended, or {@code interval} (Flink's own periodic
     * checkpoints) has passed; a checkpoint the job cannot take yet (tasks still starting) is
     * skipped.
     */
    private static final class EarlyCheckpoints extends Thread {
        private final LocalCluster cluster;
        private final JobID jobId;
        private final Map<Table, Long> tablesBefore;
        private final long deadline;

        private EarlyCheckpoints(
                LocalCluster cluster,
                JobID jobId,
                Map<Table, Long> tablesBefore,
                Duration interval) {
            super("batchscore-early-checkpoints");
            setDaemon(true);
            this.cluster = cluster;
            this.jobId = jobId;
            this.tablesBefore = tablesBefore;
            this.deadline = System.nanoTime() + interval.toNanos();
        }

        /**
         * Starts checkpointing {@code jobId} early; {@code tablesBefore} are the scored and errors
         * tables (loaded for this thread alone) with their snapshots before the run.
         */
        static Thread start(
                LocalCluster cluster,
                JobID jobId,
                Map<Table, Long> tablesBefore,
                Duration interval) {
            Thread thread = new EarlyCheckpoints(cluster, jobId, tablesBefore, interval);
            thread.start();
            return thread;
        }

        @Override
        public void run() {
            try {
                while (System.nanoTime() < deadline) {
                    Thread.sleep(EARLY_CHECKPOINTS_EVERY.toMillis());
                    if (committedRows()) {
                        return;
                    }
                    try {
                        cluster.miniCluster()
                                .triggerCheckpoint(jobId, CheckpointType.DEFAULT)
                                .get(1, TimeUnit.MINUTES);
                    } catch (ExecutionException e) {
                        if (cluster.miniCluster()
                                .getJobStatus(jobId)
                                .get(1, TimeUnit.MINUTES)
                                .isGloballyTerminalState()) {
                            return;
                        }
                        LOG.debug("No early checkpoint of {} yet", jobId, e);
                    }
                }
            } catch (InterruptedException e) {
                // The job ended.
            } catch (Exception e) {
                LOG.debug("Early checkpoints of {} ended", jobId, e);
            }
        }

        /** Rows or error rows committed by the run (a run of bad records commits only errors). */
        private boolean committedRows() {
            for (Map.Entry<Table, Long> t : tablesBefore.entrySet()) {
                if (IcebergTables.rowsAddedSince(t.getKey(), t.getValue()) > 0) {
                    return true;
                }
            }
            return false;
        }
    }

    /** The embedded cluster's configuration for a job of {@code settings}. */
    static Configuration clusterConfiguration(JobSettings settings) {
        Configuration conf = settings.execution().flinkConfiguration();
        // The REST API serves metrics from a cache refreshed every 10 s by default: too stale for
        // progress lines every 2 s.
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        // Delegation tokens carry credentials to remote task managers; the embedded ones run in
        // this process, as this user. Obtaining them (Hadoop's login and providers) only delays
        // the cluster's start.
        if (!conf.contains(SecurityOptions.DELEGATION_TOKENS_ENABLED)) {
            conf.set(SecurityOptions.DELEGATION_TOKENS_ENABLED, false);
        }
        return conf;
    }

    /**
     * Reads record counts through Flink's REST client (typed job details and aggregated subtask
     * metrics); best effort, never fails the run.
     */
    private static final class ProgressPoller implements AutoCloseable {
        private static final long TIMEOUT_SECONDS = 2;
        // Operator metric ids as the REST API lists them: "Source__kafka-source.numRecordsOut".
        private static final Pattern SOURCE =
                Pattern.compile(".*" + Pattern.quote(KafkaSources.UID) + "\\.numRecordsOut");
        private static final Pattern SPLIT =
                Pattern.compile(
                        ".*" + Pattern.quote(BatchScoring.SPLIT_ERRORS) + "\\.numRecordsOut");
        private final RestClusterClient<String> client;
        private final JobID jobId;
        private long lastNanos;
        private long lastCount;

        ProgressPoller(Configuration conf, JobID jobId) throws Exception {
            this.client = new RestClusterClient<>(conf, "batchscore-local");
            this.jobId = jobId;
        }

        Optional<String> poll(long expected, long startNanos) {
            try {
                JobDetailsInfo job =
                        client.getJobDetails(jobId).get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                // Scored first, read second: the metrics of a later request may be fresher (Flink
                // fetches them anew now and then), and a count read after the scored one never
                // shows fewer records read than scored.
                long processed = -1;
                for (JobDetailsInfo.JobVertexDetailsInfo vertex : job.getJobVertexInfos()) {
                    if (vertex.getName().contains(BatchScoring.SPLIT_ERRORS)) {
                        long n = Math.max(0, recordsOut(vertex.getJobVertexID(), SPLIT));
                        processed = processed < 0 ? n : processed + n;
                    }
                }
                long read = 0;
                for (JobDetailsInfo.JobVertexDetailsInfo vertex : job.getJobVertexInfos()) {
                    String name = vertex.getName();
                    if (name.contains(KafkaSources.UID) || name.startsWith("Source")) {
                        // The source operator's own count: its vertex's output is whatever
                        // leaves the chain, which is the sinks' when the run batches where it
                        // reads.
                        long n = recordsOut(vertex.getJobVertexID(), SOURCE);
                        read += n >= 0 ? n : vertex.getJobVertexMetrics().getRecordsWritten();
                    }
                }
                long now = System.nanoTime();
                double seconds = (now - startNanos) / 1e9;
                long shown = processed >= 0 ? processed : read;
                double rate =
                        lastNanos == 0
                                ? 0
                                : (shown - lastCount) / Math.max((now - lastNanos) / 1e9, 0.001);
                lastNanos = now;
                lastCount = shown;
                return Optional.of(
                        ProgressLine.format(
                                seconds,
                                read,
                                expected,
                                processed,
                                rate,
                                job.getJobStatus().toString()));
            } catch (Exception e) {
                LOG.debug("Progress poll failed", e);
                return Optional.empty();
            }
        }

        /**
         * Sum over subtasks of the numRecordsOut of the operator whose metric ids match {@code
         * operator} (split-errors: scored rows and error rows), or -1 if the vertex has none: an
         * operator metric, finer than the vertex's IO metrics, which count the whole chain's
         * output.
         */
        private long recordsOut(JobVertexID vertex, Pattern operator) throws Exception {
            String metric = null;
            for (AggregatedMetric m : subtaskMetrics(vertex, null)) {
                String id = m.getId();
                if (operator.matcher(id).matches()) {
                    metric = id;
                    break;
                }
            }
            if (metric == null) {
                return -1;
            }
            for (AggregatedMetric m : subtaskMetrics(vertex, metric)) {
                return m.getSum() == null ? 0 : m.getSum().longValue();
            }
            return 0;
        }

        /** The vertex's subtask metrics: their ids, or {@code metric} summed if it is not null. */
        private Collection<AggregatedMetric> subtaskMetrics(JobVertexID vertex, String metric)
                throws Exception {
            AggregatedSubtaskMetricsParameters params = new AggregatedSubtaskMetricsParameters();
            for (MessagePathParameter<?> p : params.getPathParameters()) {
                if (p instanceof JobIDPathParameter job) {
                    job.resolve(jobId);
                } else if (p instanceof JobVertexIdPathParameter v) {
                    v.resolve(vertex);
                }
            }
            if (metric != null) {
                for (MessageQueryParameter<?> q : params.getQueryParameters()) {
                    if (q instanceof MetricsFilterParameter filter) {
                        filter.resolve(List.of(metric));
                    } else if (q instanceof MetricsAggregationParameter agg) {
                        agg.resolve(List.of(MetricsAggregationParameter.AggregationMode.SUM));
                    }
                }
            }
            return client.sendRequest(
                            AggregatedSubtaskMetricsHeaders.getInstance(),
                            params,
                            EmptyRequestBody.getInstance())
                    .get(TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .getMetrics();
        }

        @Override
        public void close() {
            client.close();
        }
    }
}
