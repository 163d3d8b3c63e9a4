package dev.batchscore.pipeline.runs;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.state.CompletedCheckpointStorageLocation;
import org.apache.flink.runtime.state.filesystem.AbstractFsCheckpointStorageAccess;

/** What a savepoint holds, read from its {@code _metadata} file without a running cluster. */
public final class Savepoints {
    private Savepoints() {}

    /**
     * Whether every operator in the savepoint had finished when it was taken, as after a
     * stop-with-savepoint {@code --drain}: Flink then deploys every task as finished on restore, so
     * restoring it would read nothing more. Such a run is rerun from its ledger range instead.
     */
    public static boolean allOperatorsFinished(String path) {
        try {
            CompletedCheckpointStorageLocation location =
                    AbstractFsCheckpointStorageAccess.resolveCheckpointPointer(path);
            CheckpointMetadata metadata;
            try (DataInputStream in =
                    new DataInputStream(location.getMetadataHandle().openInputStream())) {
                metadata =
                        Checkpoints.loadCheckpointMetadata(
                                in, Savepoints.class.getClassLoader(), path);
            }
            return !metadata.getOperatorStates().isEmpty()
                    && metadata.getOperatorStates().stream()
                            .allMatch(OperatorState::isFullyFinished);
        } catch (IOException e) {
            throw new UncheckedIOException("reading savepoint " + path, e);
        }
    }
}
