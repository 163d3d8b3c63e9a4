package dev.batchscore.pipeline.cli;

import dev.batchscore.pipeline.LocalCluster;
import dev.batchscore.pipeline.kafka.BatchscoreModule;
import dev.batchscore.pipeline.runs.Savepoints;
import dev.batchscore.sql.SqlScript;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.dag.Pipeline;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.core.plugin.PluginManager;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore sql -f script.sql}: runs a Flink SQL script on an embedded MiniCluster with the
 * Kafka and Iceberg connectors and the {@code tensorflow} model provider ({@link SqlScript}), with
 * the {@link BatchscoreModule} loaded: Kafka tables are read read_committed (unless a table sets
 * {@code properties.isolation.level}), and a job stopped with a savepoint ({@code batchscore stop})
 * and resumed ({@code --resume-from}) still ends at the end of its bounded Kafka tables.
 */
@Command(
        name = "sql",
        customSynopsis = "batchscore sql -f SCRIPT [--parallelism N] [--resume-from SAVEPOINT]",
        description = {
            "Run a Flink SQL script on an embedded Flink MiniCluster",
            "",
            "Statements end with ';'. SET 'key' = 'value' sets a session option; an INSERT runs"
                    + " as a job that is awaited before the next statement. CREATE MODEL ... WITH"
                    + " ('provider' = 'tensorflow', 'path' = ...) scores with a SavedModel through"
                    + " ML_PREDICT. Ends with: sql: <rows> rows scored in <calls> model calls.",
            "",
            "Kafka tables are read with isolation.level read_committed (no aborted or open"
                    + " transaction's records; a latest-offset bound is the last stable offset)"
                    + " unless a table sets 'properties.isolation.level'.",
            "",
            "A running job stops with a savepoint: batchscore stop <job-id> --savepoint-dir DIR;"
                    + " the same script with --resume-from <savepoint> resumes it, and bounded"
                    + " Kafka tables still end (the batchscore table module is loaded)."
        },
        optionListHeading = "%nOptions:%n")
final class SqlCommand implements Callable<Integer> {
    @Mixin Cli.HelpOption help;
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = {"-f", "--file"},
            paramLabel = "SCRIPT",
            required = true,
            description = "the SQL script to run")
    Path script;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            converter = Cli.PositiveInt.class,
            description = "default parallelism of the jobs (default: the number of cores)")
    Integer parallelism;

    @Option(
            names = "--resume-from",
            paramLabel = "SAVEPOINT",
            description =
                    "restore the script's job from this savepoint or retained checkpoint (what"
                            + " SET 'execution.state-recovery.path' does); the script must be the"
                            + " one that was stopped")
    String resumeFrom;

    private final Cli.Io io;

    SqlCommand(Cli.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() throws Exception {
        String text;
        try {
            text = Files.readString(script);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("script " + script + " does not exist");
        }
        Configuration conf = SqlScript.localDefaults(new Configuration());
        if (resumeFrom != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, Savepoints.uri(resumeFrom));
        }
        conf.set(DeploymentOptions.TARGET, JobClusters.NAME);
        // s3:// and other plugin filesystems for model paths and warehouses, as ./batchscore run
        PluginManager plugins = LocalCluster.initializeFileSystems(conf);
        try (JobClusters clusters = new JobClusters(plugins)) {
            StreamExecutionEnvironment env =
                    new StreamExecutionEnvironment(
                            clusters, conf, SqlCommand.class.getClassLoader());
            // as a local environment: the cores, unless --parallelism (a script's SET wins)
            env.setParallelism(
                    parallelism != null ? parallelism : Runtime.getRuntime().availableProcessors());
            SqlScript sql =
                    new SqlScript(env, io.out())
                            .onSubmit(job -> tellHowToStop(job.getJobID().toString()))
                            .stopSavepoint(job -> clusters.end(job.getJobID()));
            BatchscoreModule.load(sql.tableEnvironment());
            SqlScript.Summary summary = sql.run(text);
            io.out().println(summary.line());
            if (summary.stoppedWith() != null) {
                io.out()
                        .println(
                                "resume it: ./batchscore sql -f "
                                        + script
                                        + " --resume-from "
                                        + summary.stoppedWith());
                return RunCommand.STOPPED_EXIT_CODE;
            }
            return 0;
        }
    }

    /** Tells the user how to stop and resume a job (its cluster published its REST URL). */
    private void tellHowToStop(String jobId) {
        io.out()
                .println(
                        "sql: stop it with a savepoint: ./batchscore stop "
                                + jobId
                                + " --savepoint-dir DIR; resume: ./batchscore sql -f "
                                + script
                                + " --resume-from <savepoint>");
    }

    /**
     * Runs each job of the script on a {@link LocalCluster} of its own, sized to the job as Flink's
     * local executor does; it stays up after its job ended until {@link #end} has read whether the
     * job was stopped with a savepoint.
     */
    private static final class JobClusters
            implements PipelineExecutorServiceLoader,
                    PipelineExecutorFactory,
                    PipelineExecutor,
                    AutoCloseable {
        static final String NAME = "batchscore-sql-local";

        private final Map<JobID, LocalCluster> clusters = new ConcurrentHashMap<>();
        private final PluginManager plugins;

        /** {@code plugins}: null without a plugins directory. */
        JobClusters(PluginManager plugins) {
            this.plugins = plugins;
        }

        @Override
        public CompletableFuture<JobClient> execute(
                Pipeline pipeline, Configuration configuration, ClassLoader classLoader)
                throws Exception {
            JobGraph graph =
                    PipelineExecutorUtils.getJobGraph(pipeline, configuration, classLoader);
            LocalCluster cluster =
                    LocalCluster.start(configuration, graph.getMaximumParallelism(), plugins);
            clusters.put(graph.getJobID(), cluster);
            JobID id = cluster.submit(graph);
            return CompletableFuture.completedFuture(
                    new MiniClusterJobClient(
                            id,
                            cluster.miniCluster(),
                            classLoader,
                            MiniClusterJobClient.JobFinalizationBehavior.NOTHING));
        }

        /** After the job ended: the savepoint it was stopped with, if any; closes its cluster. */
        Optional<String> end(JobID job) {
            try (LocalCluster cluster = clusters.remove(job)) {
                return cluster.stopSavepoint(job);
            } catch (Exception e) {
                throw new IllegalStateException("job " + job + ": " + e.getMessage(), e);
            }
        }

        @Override
        public void close() throws Exception {
            for (LocalCluster cluster : clusters.values()) {
                cluster.close();
            }
        }

        @Override
        public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
            return this;
        }

        @Override
        public Stream<String> getExecutorNames() {
            return Stream.of(getName());
        }

        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public boolean isCompatibleWith(Configuration configuration) {
            return true;
        }

        @Override
        public PipelineExecutor getExecutor(Configuration configuration) {
            return this;
        }
    }
}
