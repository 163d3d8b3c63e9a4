package dev.batchscore.pipeline;

import java.nio.file.Path;

/**
 * batchscore's directory in the user's cache: the copy of Flink's RPC jar ({@link LocalRpcSystem})
 * and the warm JVMs' sockets, logs and process ids. JDK classes only: the warm JVM's small client
 * reads it too, without loading the pipeline.
 */
public final class UserCache {
    private UserCache() {}

    /** {@code $XDG_CACHE_HOME/batchscore}, else {@code ~/.cache/batchscore}. */
    public static Path directory() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base =
                xdg != null && !xdg.isBlank()
                        ? Path.of(xdg)
                        : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("batchscore");
    }
}
