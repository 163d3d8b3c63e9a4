package dev.batchscore.examples.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A JVM of its own for one streaming pipeline run, so that its peak resident set ({@code VmHWM} of
 * {@code /proc/self/status}) is the run's alone: Kafka stays in the parent. Prints {@code rss_kb=N}
 * as its last line. Arguments: bootstrap topic records model passthrough warehouse table batch-size
 * parallelism.
 */
public final class RssChild {
    private RssChild() {}

    public static void main(String[] args) throws Exception {
        PipelineRun.Setup setup =
                new PipelineRun.Setup(
                        args[0],
                        args[1],
                        Long.parseLong(args[2]),
                        Path.of(args[3]),
                        List.of(args[4].split(",")),
                        Path.of(args[5]),
                        args[6],
                        0,
                        0,
                        dev.batchscore.operators.format.RecordFormats.json());
        PipelineRun.Timing t =
                PipelineRun.run(setup, Integer.parseInt(args[7]), Integer.parseInt(args[8]), false);
        long rss = peakRssKb();
        System.gc();
        long live =
                java.lang.management.ManagementFactory.getMemoryMXBean()
                                .getHeapMemoryUsage()
                                .getUsed()
                        / 1024;
        System.out.printf(
                java.util.Locale.ROOT,
                "rows=%d steady_rows_per_s=%.0f%nlive_heap_kb=%d%nrss_kb=%d%n",
                t.rows(),
                t.steadyRowsPerSecond(),
                live,
                rss);
        System.exit(0);
    }

    /** VmHWM of this process in kB, -1 where /proc is not there. */
    static long peakRssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (Exception e) {
            // not Linux
        }
        return -1;
    }
}
