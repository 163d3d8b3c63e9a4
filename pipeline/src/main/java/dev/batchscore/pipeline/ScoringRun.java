package dev.batchscore.pipeline;

import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.config.JobSettings;
import dev.batchscore.pipeline.runs.ClaimFence;
import dev.batchscore.pipeline.runs.ClaimKeeper;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.RunMarker;
import dev.batchscore.pipeline.runs.RunPlanner;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.core.execution.DetachedJobExecutionResult;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.JobListener;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.util.ExceptionUtils;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a pipeline, from its claim to its release: the one place that claims the pipeline and
 * plans the run under the claim ({@link #start}), commits the run's {@code started} marker and
 * submits its job ({@link #execute}, or {@link #started} for a runner that submits itself), and
 * releases the claim when no job of the run uses it ({@link #close}). The job commits the run's
 * {@code complete} marker itself when its input ended ({@link RunMarker}), which releases the claim
 * in the same commit. {@code ScoringJob.main}, {@code ./batchscore run}, the demo, the bench and
 * embedding programs all go through here:
 *
 * <pre>{@code
 * BatchScoringJob job = BatchScoringJob.builder()...build(); // checks only
 * try (ScoringRun run = job.start()) {                        // claims, plans the run
 *     run.addTo(env);
 *     run.execute(env);                                       // started marker, submit
 * }                                                           // releases unless the job has it
 * }</pre>
 */
public final class ScoringRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringRun.class);

    private final JobPlan plan;

    /** Whether a job of this run may hold the claim now (submitted, not known to have ended). */
    private boolean jobHoldsClaim;

    private boolean closed;

    private ScoringRun(JobPlan plan) {
        this.plan = plan;
    }

    /**
     * Claims the pipeline of a checked job and plans its run under the claim ({@link RunPlanner}):
     * which run this is and what it reads. Creates the tables if missing. Throws {@link
     * dev.batchscore.pipeline.runs.RunClaimedException} if another run holds the pipeline.
     */
    public static ScoringRun start(JobPlan.Checked checked) {
        return new ScoringRun(plan(checked));
    }

    /**
     * The run of a plan already made with {@link JobPlan#create} (which claimed the pipeline): for
     * tests and tools that plan first.
     */
    public static ScoringRun of(JobPlan plan) {
        return new ScoringRun(plan);
    }

    /** The run's plan: the job graph is built from it. */
    public JobPlan plan() {
        return plan;
    }

    /** Adds the run's job (Kafka source, scoring, Iceberg sinks) to {@code env}. */
    public void addTo(StreamExecutionEnvironment env) {
        ScoringJob.build(env, plan);
    }

    /**
     * Commits the run's {@code started} marker and executes the job added to {@code env}; returns
     * the job's result (a detached submission returns at once and the job holds the claim).
     *
     * <p>The claim is released only when no job of this submission can be using it: the job was
     * never submitted, or it ended (failed, or stopped with a savepoint). A failure to follow a
     * submitted job (status polling lost in a JobManager failover) leaves the claim to the job,
     * which goes on renewing it; if the job is dead, the next run takes it over after a lease.
     */
    public JobExecutionResult execute(StreamExecutionEnvironment env) throws Exception {
        JobClient[] submitted = new JobClient[1];
        env.registerJobListener(
                new JobListener() {
                    @Override
                    public void onJobSubmitted(JobClient client, Throwable failure) {
                        submitted[0] = client;
                    }

                    @Override
                    public void onJobExecuted(JobExecutionResult result, Throwable failure) {}
                });
        JobExecutionResult result;
        // Renewed from here until the job's own enumerator holds it.
        try (AutoCloseable held = ClaimKeeper.hold(ScoringJob.claimLease(plan))) {
            started();
            StreamGraph graph = env.getStreamGraph();
            graph.setJobName(ScoringJob.jobName(plan));
            result = env.execute(graph);
        } catch (Exception | Error e) {
            jobHoldsClaim = submitted[0] != null && !jobEnded(submitted[0], e);
            if (jobHoldsClaim) {
                LOG.warn(
                        "Lost track of job {} of run {} ({}); it may still run, so its claim on"
                                + " pipeline {} stays with it",
                        submitted[0].getJobID(),
                        plan.run().runId(),
                        e.toString(),
                        plan.run().pipelineId());
            }
            throw e;
        }
        // Detached, the job runs on and holds the claim. Attached, the job ended: complete (its
        // marker released the claim) or stopped with a savepoint, when the resumed job is the
        // same run and claims again, and a new run should not wait for the lease.
        jobHoldsClaim = result instanceof DetachedJobExecutionResult;
        return result;
    }

    /**
     * Commits the run's {@code started} marker, fenced on its claim: for a runner that submits the
     * job itself, right before it does ({@link LocalRunner}). The claim is the job's from then on
     * until {@link #ended}.
     */
    public void started() {
        markStarted(plan);
        jobHoldsClaim = true;
    }

    /** The job a runner submitted itself ended (finished, failed or stopped). */
    public void ended() {
        jobHoldsClaim = false;
    }

    /** Whether the run's {@code complete} marker is in the ledger (the job commits it). */
    public boolean complete() {
        return isComplete(plan);
    }

    /**
     * Releases the run's claim unless a job of the run may hold it: a detached job runs on, and a
     * complete run's marker released it already. Never throws.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!jobHoldsClaim && !complete()) {
            release(plan);
        }
    }

    /** Whether the submitted job is over: {@code failure} is its result, or Flink says so. */
    private static boolean jobEnded(JobClient job, Throwable failure) {
        if (ExceptionUtils.findThrowable(failure, JobExecutionException.class).isPresent()) {
            return true; // the job's own outcome, reported once it reached a terminal state
        }
        try {
            return job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState();
        } catch (Exception e) {
            return false;
        }
    }

    // ---------------------------------------------------------------- the ledger steps

    /**
     * Claims the pipeline and plans the run under the claim; creates the tables if missing. The
     * claim is released again if planning fails after it.
     */
    static JobPlan plan(JobPlan.Checked checked) {
        JobSettings settings = checked.settings();
        Catalog catalog = JobPlan.loadCatalog(checked.catalogLoader(), settings.sink());
        RunPlanner.Planned planned = null;
        Optional<Table> claimedIn = Optional.empty();
        try {
            TablePlan tables =
                    JobPlan.loadTables(catalog, settings.sink())
                            .check(ScoredRows.scoredRowType(checked.spec()));
            String newRunId = UUID.randomUUID().toString();
            claimedIn = tables.existing();
            planned =
                    RunPlanner.plan(
                            settings,
                            tables.existing(),
                            tables.existingErrors(),
                            checked.modelVersion(),
                            newRunId);
            TablePlan created = tables.ensure(catalog);
            if (tables.existing().isEmpty()) {
                // There was no table to claim the pipeline in: claim it now and plan again, since
                // another run may have created the table and run meanwhile.
                RunPlanner.Planned again =
                        RunPlanner.plan(
                                settings,
                                created.existing(),
                                created.existingErrors(),
                                checked.modelVersion(),
                                newRunId);
                claimedIn = created.existing();
                boolean sameRun = again.run().runId().equals(planned.run().runId());
                planned = again;
                if (!sameRun) {
                    throw new ConfigException(
                            "pipeline '"
                                    + again.run().pipelineId()
                                    + "': another run created its table meanwhile; run it again");
                }
            }
            var spec =
                    checked.spec().toBuilder()
                            .pipelineId(planned.run().pipelineId())
                            .runId(planned.run().runId())
                            .build();
            LOG.info(
                    "Planned job: {} -> {} (errors to {})",
                    spec,
                    tables.table(),
                    tables.errorsTable());
            return new JobPlan(
                    settings,
                    spec,
                    checked.catalogLoader(),
                    tables.table(),
                    tables.errorsTable(),
                    tables.scoredRowType(),
                    tables.errorRowType(),
                    planned.run(),
                    planned.committed(),
                    planned.claimToken());
        } catch (RuntimeException e) {
            if (planned != null && claimedIn.isPresent() && !settings.run().runIdIsJobId()) {
                // This run claimed its pipeline but does not go ahead.
                new RunLedger(claimedIn.get()).release(planned.run(), planned.claimToken());
            }
            throw e;
        } finally {
            JobPlan.closeQuietly(catalog);
        }
    }

    /**
     * Releases the run's claim on its pipeline ({@link RunLedger#release}), if it still holds it:
     * when its job failed or was stopped with a savepoint. Never throws: an unreleased claim is
     * taken over once its heartbeats stop for a lease.
     */
    public static void release(JobPlan plan) {
        if (plan.settings().run().runIdIsJobId()) {
            // The job of this job id may run (recovered, or submitted by an earlier main()): its
            // claim ends with the job or its lease, never with a client's failure.
            return;
        }
        try {
            withLedger(plan, ledger -> ledger.release(plan.run(), plan.claimToken()));
        } catch (RuntimeException e) {
            LOG.warn(
                    "Could not release the claim of run {} on pipeline {} (the next run takes it"
                            + " over after pipeline.claim-timeout without heartbeats): {}",
                    plan.run().runId(),
                    plan.run().pipelineId(),
                    e.toString());
        }
    }

    /**
     * Commits the run's {@code started} marker to the scored table, fenced on the run's claim; call
     * before submitting.
     */
    public static void markStarted(JobPlan plan) {
        withLedger(
                plan,
                table -> ClaimFence.scored(table, ScoringJob.claimLease(plan)),
                ledger -> ledger.markStarted(plan.run()));
    }

    /** Whether the run's {@code complete} marker is in the ledger (the job commits it). */
    public static boolean isComplete(JobPlan plan) {
        boolean[] complete = new boolean[1];
        withLedger(
                plan,
                ledger ->
                        complete[0] =
                                ledger.isComplete(plan.run().pipelineId(), plan.run().runId()));
        return complete[0];
    }

    private static void withLedger(JobPlan plan, Consumer<RunLedger> action) {
        withLedger(plan, table -> table, action);
    }

    private static void withLedger(
            JobPlan plan, UnaryOperator<Table> wrap, Consumer<RunLedger> action) {
        Catalog catalog = plan.catalogLoader().loadCatalog();
        try {
            action.accept(new RunLedger(wrap.apply(catalog.loadTable(plan.table()))));
        } finally {
            JobPlan.closeQuietly(catalog);
        }
    }
}
