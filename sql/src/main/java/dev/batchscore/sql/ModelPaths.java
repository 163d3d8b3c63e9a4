package dev.batchscore.sql;

import dev.batchscore.operators.ModelFetcher;
import java.nio.file.Path;

/**
 * Where the {@code path} option of a model points, and how a task gets it onto local disk. The one
 * place a model location is handled, through the operators' {@link ModelFetcher}: a local path or
 * {@code file:} URI is used where it is; any other Flink filesystem URI ({@code s3://}, {@code
 * hdfs://}, ...) is pinned once when the query is planned (a TF Serving base directory to its
 * highest version) and copied to local disk once per JVM, by the client and by every TaskManager.
 */
final class ModelPaths {
    private ModelPaths() {}

    /**
     * What the query plans with: a local path as an absolute path (ModelRegistry pins its version
     * when it loads it), a remote URI as the URI of its pinned export directory.
     */
    static String pin(String path) {
        String p = path.strip();
        return ModelFetcher.localPath(p)
                .map(local -> local.toAbsolutePath().normalize().toString())
                .orElseGet(() -> ModelFetcher.resolve(p).exportUri());
    }

    /** Whether {@code pinned} (from {@link #pin}) is already on this machine. */
    static boolean isLocal(String pinned) {
        return ModelFetcher.localPath(pinned).isPresent();
    }

    /** The local directory TensorFlow loads for {@code pinned}: itself, or this JVM's copy. */
    static Path local(String pinned) {
        return ModelFetcher.localize(pinned, ModelFetcher.defaultLocalDir())
                .toAbsolutePath()
                .normalize();
    }

    /** Local paths as they are, remote URIs pinned and copied: the directory to load. */
    static Path resolve(String path) {
        return local(pin(path));
    }
}
