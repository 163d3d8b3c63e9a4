package dev.batchscore.pipeline.runs;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.runtime.checkpoint.CheckpointStatsSnapshot;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;

/**
 * Savepoints: where one is written or read from, which one a job was stopped with, and what one
 * holds (read from its {@code _metadata} file without a running cluster).
 */
public final class Savepoints {
    private Savepoints() {}

    /**
     * A savepoint path or directory as a URI the JobManager can use wherever it runs: a URI stays
     * as given ({@code file:/...}, as Flink prints savepoint paths, {@code s3://...}); a local path
     * becomes an absolute file URI.
     */
    public static String uri(String path) {
        return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]+:.*")
                ? path
                : Path.of(path).toAbsolutePath().normalize().toUri().toString();
    }

    /**
     * The path of the savepoint the job was stopped with (the job's synchronous savepoint), or null
     * if it was not stopped with one.
     */
    public static String stopSavepoint(AccessExecutionGraph graph) {
        CheckpointStatsSnapshot stats = graph.getCheckpointStatsSnapshot();
        if (stats == null || graph.getState() != JobStatus.FINISHED) {
            return null;
        }
        // Only a stop takes a synchronous savepoint; it may race with the final checkpoint of an
        // input that ended just then, which is why whether the run is complete is the job's call.
        CompletedCheckpointStats savepoint = stats.getHistory().getLatestSavepoint();
        if (savepoint == null || !savepoint.getProperties().isSynchronous()) {
            return null;
        }
        return savepoint.getExternalPath();
    }

    /** The savepoint's {@code _metadata}, read without a cluster; fails if it cannot be read. */
    public static CheckpointMetadata metadata(String path) {
        try {
            CompletedCheckpointStorageLocation location =
                    AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(path);
            try (DataInputStream in =
                    new DataInputStream(location.getMetadataHandle().openInputStream())) {
                return Checkpoints.loadCheckpointMetadata(
                        in, Savepoints.class.getClassLoader(), path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading savepoint " + path, e);
        }
    }
}
