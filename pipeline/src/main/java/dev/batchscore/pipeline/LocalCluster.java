package dev.batchscore.pipeline;

import dev.batchscore.pipeline.runs.Savepoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginManager;
import org.apache.flink.core.plugin.PluginUtils;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded Flink cluster a local job runs on, for {@code ./batchscore run} ({@link
 * LocalRunner}) and each job of {@code ./batchscore sql} alike: one TaskManager sized to the job, a
 * REST endpoint on localhost that {@code ./batchscore stop <job-id>} finds through the job's URL
 * file ({@link #jobUrlFile}), and, unlike Flink's local executor, a cluster that stays up after its
 * job ended until the caller has read whether the job was stopped with a savepoint ({@link
 * #stopSavepoint}) and a stop's REST call has its answer.
 */
public final class LocalCluster implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalCluster.class);

    private final MiniCluster cluster;
    private final List<Path> published = new ArrayList<>();

    private LocalCluster(MiniCluster cluster) {
        this.cluster = cluster;
    }

    /**
     * Starts a cluster with {@code slots} slots and {@code conf}, its REST endpoint on localhost on
     * any free port ({@link #restUrl}); {@code plugins} from {@link #initializeFileSystems}.
     */
    public static LocalCluster start(Configuration conf, int slots, PluginManager plugins)
            throws Exception {
        Configuration local = new Configuration(conf);
        local.set(RestOptions.BIND_ADDRESS, "localhost");
        local.set(RestOptions.ADDRESS, "localhost");
        local.set(RestOptions.BIND_PORT, "0");
        MiniClusterConfiguration.Builder builder =
                new MiniClusterConfiguration.Builder()
                        .setConfiguration(local)
                        .setNumTaskManagers(1)
                        .setNumSlotsPerTaskManager(slots);
        if (plugins != null) { // null: no plugins directory (the builder refuses a null one)
            builder.setPluginManager(plugins);
        }
        MiniCluster cluster = new MiniCluster(builder.build(), () -> LocalRpcSystem.load(local));
        cluster.start();
        return new LocalCluster(cluster);
    }

    /** Submits {@code graph} and publishes its REST URL for {@code ./batchscore stop}. */
    public JobID submit(StreamGraph graph) throws Exception {
        return published(cluster.submitJob(graph).get().getJobID());
    }

    /** Submits {@code graph} and publishes its REST URL for {@code ./batchscore stop}. */
    public JobID submit(JobGraph graph) throws Exception {
        return published(cluster.submitJob(graph).get().getJobID());
    }

    private JobID published(JobID job) {
        Path file = jobUrlFile(job.toString());
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, restUrl() + "\n");
            published.add(file);
        } catch (IOException e) {
            LOG.warn(
                    "Could not publish the REST URL of job {}; stop it with --rest-url {}",
                    job,
                    restUrl(),
                    e);
        }
        return job;
    }

    public MiniCluster miniCluster() {
        return cluster;
    }

    public int restPort() {
        return cluster.getRestAddress().join().getPort();
    }

    public String restUrl() {
        return "http://localhost:" + restPort();
    }

    /** The configuration a REST client of this cluster needs: {@code conf} with its address. */
    public Configuration clientConfiguration(Configuration conf) {
        Configuration client = new Configuration(conf);
        client.set(RestOptions.ADDRESS, "localhost");
        client.set(RestOptions.PORT, restPort());
        return client;
    }

    /** After {@code job} ended: the savepoint it was stopped with, if it was. */
    public Optional<String> stopSavepoint(JobID job) throws Exception {
        return Optional.ofNullable(
                Savepoints.stopSavepoint(cluster.getArchivedExecutionGraph(job).get()));
    }

    /** Deletes the jobs' URL files and shuts the cluster down. */
    @Override
    public void close() throws Exception {
        for (Path file : published) {
            Files.deleteIfExists(file);
        }
        cluster.close();
    }

    /**
     * Where a local job publishes its REST URL while it runs, so {@code ./batchscore stop <job-id>}
     * finds it without --rest-url.
     */
    public static Path jobUrlFile(String jobId) {
        return Path.of(System.getProperty("java.io.tmpdir"), "batchscore-jobs", jobId + ".url");
    }

    /**
     * Sets up Flink's filesystems in this JVM the way a Flink cluster does, which a MiniCluster
     * does not: with {@code conf} (its {@code s3.*} and other filesystem keys, e.g. from {@code
     * flink.*}) and the plugins under {@code FLINK_PLUGINS_DIR} (or {@code ./plugins}), such as
     * {@code flink-s3-fs-hadoop} for {@code s3://}. Call it before planning too: the client reads
     * the model through these filesystems.
     *
     * @return the plugin manager, or null when there is no plugins directory
     */
    public static PluginManager initializeFileSystems(Configuration conf) {
        String dir = System.getenv().getOrDefault(ConfigConstants.ENV_FLINK_PLUGINS_DIR, "plugins");
        // Without a plugins directory Flink's plugin loader would only log a warning about it.
        PluginManager plugins =
                Files.isDirectory(Path.of(dir))
                        ? PluginUtils.createPluginManagerFromRootFolder(conf)
                        : null;
        FileSystem.initialize(conf, plugins);
        return plugins;
    }
}
