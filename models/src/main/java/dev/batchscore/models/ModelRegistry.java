package dev.batchscore.models;

import java.nio.file.Path;

/**
 * One loaded model per JVM per (resolved export directory, tags), shared by reference count so
 * that all slots of a TaskManager load a model once.
 */
public final class ModelRegistry {
    private ModelRegistry() {}

    /**
     * Loads (or shares) the SavedModel at {@code path}: a model directory with {@code
     * saved_model.pb}, or a TensorFlow Serving base directory whose highest numeric version is
     * taken. The caller closes the returned handle.
     */
    public static SavedModel acquire(Path path, ModelOptions options) {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
