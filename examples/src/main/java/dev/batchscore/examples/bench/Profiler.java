package dev.batchscore.examples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import one.profiler.AsyncProfiler;

/**
 * async-profiler in this JVM (where the embedded MiniCluster's TaskManager runs): CPU samples of
 * one pipeline run, written as an HTML flame graph named after it.
 */
final class Profiler {
    private final Path dir;
    private final AsyncProfiler profiler;

    Profiler(Path dir) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        this.profiler = AsyncProfiler.getInstance();
    }

    void start() throws Exception {
        start("event=cpu,interval=2ms");
    }

    /** Starts sampling with async-profiler's {@code options}, e.g. {@code event=alloc,threads}. */
    void start(String options) throws Exception {
        profiler.execute("start," + options);
    }

    /** Stops and writes NAME.html (the flame graph) and NAME.txt (the hottest frames, flat). */
    void stop(String name) throws Exception {
        profiler.stop();
        profiler.execute("flamegraph,file=" + dir.resolve(name + ".html"));
        Files.writeString(dir.resolve(name + ".txt"), profiler.dumpFlat(40));
        Files.writeString(
                dir.resolve(name + ".collapsed"),
                profiler.dumpCollapsed(one.profiler.Counter.SAMPLES));
    }
}
