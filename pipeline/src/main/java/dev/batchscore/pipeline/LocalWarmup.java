package dev.batchscore.pipeline;

import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.operators.ModelFetcher;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.pipeline.config.JobSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.plugin.PluginManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a local run ({@link LocalRunner}) starts while its job is still being planned, each on a
 * thread of its own: the embedded cluster, and the model that planning probes and the job's tasks
 * score with. Planning waits on Kafka, the catalog and the model; the cluster's start (1.5-2 s) and
 * TensorFlow's native library (~0.7 s) take CPU: run side by side they overlap on a second core
 * instead of adding up (docs/performance.md, "Start-up"). The model stays loaded from here to the
 * end of the run, so the probe and the tasks share the one load ({@link ModelRegistry}).
 *
 * <pre>{@code
 * try (LocalWarmup warmup = LocalWarmup.start(settings);
 *         ScoringRun run = job.start()) {
 *     LocalRunner.run(run, warmup, false, -1, out);
 * }
 * }</pre>
 *
 * <p>Nothing here is needed for correctness: a model that fails to load here is loaded (and its
 * error reported) by planning as before, and a cluster too small for the planned job is replaced.
 */
public final class LocalWarmup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalWarmup.class);

    private final ExecutorService threads;
    private final CompletableFuture<LocalCluster> cluster;
    private final int slots;
    private final CompletableFuture<Optional<SavedModel>> model;
    private boolean clusterTaken;

    private LocalWarmup(
            ExecutorService threads,
            CompletableFuture<LocalCluster> cluster,
            int slots,
            CompletableFuture<Optional<SavedModel>> model) {
        this.threads = threads;
        this.cluster = cluster;
        this.slots = slots;
        this.model = model;
    }

    /** Starts the cluster and loads the model {@code settings} describe, in the background. */
    public static LocalWarmup start(JobSettings settings) {
        ExecutorService threads =
                Executors.newFixedThreadPool(
                        2,
                        task -> {
                            Thread t = new Thread(task, "batchscore-warmup");
                            t.setDaemon(true);
                            return t;
                        });
        Configuration conf = LocalRunner.clusterConfiguration(settings);
        int slots = slots(settings);
        PluginManager plugins = LocalCluster.initializeFileSystems(conf);
        CompletableFuture<LocalCluster> cluster =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return LocalCluster.start(conf, slots, plugins);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        },
                        threads);
        CompletableFuture<Optional<SavedModel>> model =
                CompletableFuture.supplyAsync(() -> loadModel(settings), threads);
        return new LocalWarmup(threads, cluster, slots, model);
    }

    /** The slots a planned job of {@code settings} takes: its parallelism, else the cores. */
    static int slots(JobSettings settings) {
        Integer parallelism = settings.execution().parallelism();
        return parallelism != null ? parallelism : Runtime.getRuntime().availableProcessors();
    }

    /**
     * The model of a single-model job on a local path, loaded as planning and the tasks will load
     * it (same export directory, tags and options, so they share it); empty for anything else, or
     * when it fails to load: planning then says why.
     */
    private static Optional<SavedModel> loadModel(JobSettings settings) {
        if (settings.models().present()) {
            return Optional.empty();
        }
        try {
            ScoringSpec draft = JobPlan.specBuilder(settings).build();
            Optional<Path> local = ModelFetcher.localPath(draft.modelPath());
            if (local.isEmpty() || !Files.exists(local.get())) {
                return Optional.empty();
            }
            return Optional.of(ModelRegistry.acquire(local.get(), draft.modelOptions()));
        } catch (RuntimeException e) {
            LOG.debug("Warm-up could not load the model; planning will", e);
            return Optional.empty();
        }
    }

    /**
     * The cluster started here, handed over to the caller, who closes it; or, when it has fewer
     * than {@code needed} slots or failed to start, null: the caller starts its own.
     */
    LocalCluster takeCluster(int needed) {
        clusterTaken = true;
        LocalCluster started;
        try {
            started = cluster.join();
        } catch (RuntimeException e) {
            LOG.debug("The cluster started ahead of the plan failed; starting another", e);
            return null;
        }
        if (needed > slots) {
            closeQuietly(started);
            return null;
        }
        return started;
    }

    /** Whether the model was loaded here (waits for the load); for tests. */
    boolean holdsModel() {
        try {
            return model.join().isPresent();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Releases the model, and the cluster unless it was taken; waits for both to have started. */
    @Override
    public void close() {
        try {
            model.join().ifPresent(SavedModel::close);
        } catch (RuntimeException e) {
            LOG.debug("Warm-up model load failed", e);
        }
        if (!clusterTaken) {
            try {
                closeQuietly(cluster.join());
            } catch (RuntimeException e) {
                LOG.debug("The cluster started ahead of the plan failed", e);
            }
        }
        threads.shutdown();
    }

    private static void closeQuietly(LocalCluster cluster) {
        try {
            cluster.close();
        } catch (Exception e) {
            LOG.debug("Closing an unused cluster failed", e);
        }
    }
}
