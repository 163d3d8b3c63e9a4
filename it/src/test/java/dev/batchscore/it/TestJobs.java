package dev.batchscore.it;

import dev.batchscore.models.testing.HalfPlusTwo;
import dev.batchscore.models.testing.TfServingFixtures;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringJob;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.iceberg.IcebergWorkerThreads;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;

/**
 * The setup the job ITs share: a half_plus_two model (built, or TF Serving's fixture), the
 * MiniCluster they run on, the command-line skeleton of a scoring job, and planning, building and
 * running it as the CLI does. Each test adds its own options (checkpoint interval, batch size,
 * throttling) to the skeleton, so what a test runs stays visible in the test.
 */
final class TestJobs {
    private TestJobs() {}

    /**
     * TF Serving's own {@code saved_model_half_plus_two_cpu} export (y = 0.5x + 2 exactly) under
     * {@code -Dbatchscore.shared.dir}: for the ITs that promise compatibility with TF Serving's
     * exports. Fails the calling test (or class, from a {@code @BeforeAll}) when the shared
     * fixtures are absent: a skipped compatibility test would read as a passing one.
     */
    static Path halfPlusTwoFixture() {
        return TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
    }

    /**
     * A model computing y = 0.5x + 2 exactly, built here with TensorFlow Java ({@link
     * HalfPlusTwo#build}) in the layout of TF Serving's fixture: returns {@code
     * dir/saved_model_half_plus_two_cpu}, whose version {@code 00000123} holds the model, so the
     * run lineage names model {@code saved_model_half_plus_two_cpu} version {@code 123} as with the
     * fixture. For the ITs that need a model, not TF Serving's export.
     */
    static Path halfPlusTwo(Path dir) {
        Path base = dir.resolve("saved_model_half_plus_two_cpu");
        HalfPlusTwo.build(base.resolve("00000123"));
        return base;
    }

    /** A MiniCluster of {@code taskManagers} TaskManagers with {@code slots} slots each. */
    static MiniClusterExtension miniCluster(int taskManagers, int slots) {
        return miniCluster(new Configuration(), taskManagers, slots);
    }

    /** As {@link #miniCluster(int, int)}, with a cluster configuration. */
    static MiniClusterExtension miniCluster(Configuration conf, int taskManagers, int slots) {
        // Before any job of this JVM runs (see IcebergWorkerThreads).
        IcebergWorkerThreads.startAll();
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumberTaskManagers(taskManagers)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /**
     * The options every job run needs: the topic on {@code kafka}, the model, a Hadoop catalog in
     * {@code warehouse}, the table and the runtime mode. Mutable: callers append their own options.
     */
    static List<String> jobArgs(
            KafkaBroker kafka,
            String topic,
            Path model,
            Path warehouse,
            String table,
            String mode) {
        List<String> args = jobArgs(kafka, topic, warehouse, table, mode);
        args.addAll(List.of("--model.path", model.toString()));
        return args;
    }

    /** As above without a model: for a job that sets its models itself ({@code models.*}). */
    static List<String> jobArgs(
            KafkaBroker kafka, String topic, Path warehouse, String table, String mode) {
        return new ArrayList<>(
                List.of(
                        "--source.kafka.bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--source.kafka.topic",
                        topic,
                        "--sink.iceberg.catalog.type",
                        "hadoop",
                        "--sink.iceberg.catalog.warehouse",
                        warehouse.toUri().toString(),
                        "--sink.iceberg.table",
                        table,
                        "--execution.runtime-mode",
                        mode));
    }

    /**
     * The checkpointing and batching options of a run: a checkpoint every {@code
     * checkpointInterval}, {@code parallelism} subtasks, micro-batches of {@code batchSize} records
     * or whatever arrived within {@code maxDelay}.
     */
    static List<String> checkpointsAndBatches(
            String checkpointInterval, int parallelism, int batchSize, String maxDelay) {
        List<String> args = checkpointsAndBatches(checkpointInterval, parallelism, batchSize);
        args.addAll(List.of("--batch.max-delay", maxDelay));
        return args;
    }

    /** As above, batches flushed after the default batch.max-delay. */
    static List<String> checkpointsAndBatches(
            String checkpointInterval, int parallelism, int batchSize) {
        return new ArrayList<>(
                List.of(
                        "--execution.checkpointing.interval",
                        checkpointInterval,
                        "--parallelism",
                        Integer.toString(parallelism),
                        "--batch.size",
                        Integer.toString(batchSize)));
    }

    /** The run that the command-line options {@code args} plan, as the CLI plans it. */
    static JobPlan plan(List<String> args) {
        return JobPlan.create(JobConfig.fromArgs(args.toArray(new String[0])));
    }

    /**
     * An environment with the plan's Flink settings (on the test class's MiniCluster) that holds
     * the scoring job.
     */
    static StreamExecutionEnvironment built(JobPlan plan) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        plan.settings().execution().flinkConfiguration());
        ScoringJob.build(env, plan);
        return env;
    }

    /**
     * Builds the job, commits the run's started marker and submits it as {@code "it " + name};
     * returns at once. The job commits its complete marker itself when its input ends.
     */
    static JobClient submit(JobPlan plan, String name) throws Exception {
        StreamExecutionEnvironment env = built(plan);
        ScoringRun.markStarted(plan);
        return env.executeAsync("it " + name);
    }

    /**
     * Waits for the job's first data commit (failing if the job ends first), stops it with a
     * savepoint in {@code savepointDir} as {@code ./batchscore stop} does, waits for it to end and
     * returns the savepoint's path.
     */
    static String stopAfterFirstCommit(
            org.apache.flink.runtime.minicluster.MiniCluster cluster,
            JobPlan plan,
            JobClient job,
            Path savepointDir)
            throws Exception {
        while (ExactlyOnce.dataCommits(plan) < 1) {
            org.apache.flink.api.common.JobStatus status = job.getJobStatus().get();
            org.assertj.core.api.Assertions.assertThat(status.isGloballyTerminalState())
                    .as("job ended (%s) before its first commit", status)
                    .isFalse();
            Thread.sleep(50);
        }
        String savepoint =
                dev.batchscore.pipeline.cli.StopCommand.stop(
                        cluster.getRestAddress().get(),
                        job.getJobID(),
                        savepointDir.toUri().toString(),
                        false);
        job.getJobExecutionResult().get(1, java.util.concurrent.TimeUnit.MINUTES);
        return savepoint;
    }

    /** A planned run and what its job returned. */
    record Ran(JobPlan plan, JobExecutionResult result) {
        String runId() {
            return plan.run().runId();
        }
    }

    /** One run as the CLI does it: build, started marker, execute, complete marker, close. */
    static Ran run(JobPlan plan) throws Exception {
        try (ScoringRun run = ScoringRun.of(plan)) {
            return new Ran(plan, run.execute(built(plan)));
        }
    }

    /** Table {@code name} of the Hadoop catalog in {@code warehouse} (what jobArgs writes to). */
    static Table table(Path warehouse, String name) {
        return new HadoopCatalog(
                        new org.apache.hadoop.conf.Configuration(), warehouse.toUri().toString())
                .loadTable(TableIdentifier.parse(name));
    }
}
