package dev.batchscore.examples.bench;

import java.util.Locale;

/**
 * One measured cell of {@code batchscore bench}: a variant of one model at one batch size and
 * parallelism. {@code rowsPerSecond} is the steady state (for raw and naive: the whole
 * measurement); the whole-run rate and the first row are the pipeline's only, NaN elsewhere. {@code
 * cpuMsPer1kRows} is this JVM's CPU time per 1000 rows over the measurement (a pipeline run: the
 * whole run, with the embedded broker serving it): less sensitive than rows/s to other load on the
 * machine.
 */
public record BenchRow(
        String model,
        String variant,
        int batchSize,
        int parallelism,
        long rows,
        double rowsPerSecond,
        double wholeRunRowsPerSecond,
        double firstRowSeconds,
        double seconds,
        double cpuMsPer1kRows) {

    public static final String RAW = "raw";
    public static final String LOAD_PER_BATCH = "naive-load-per-batch";
    public static final String BATCH1 = "naive-batch1";
    public static final String PIPELINE = "pipeline";
    public static final String NO_MODEL = "no-model";

    /** A row of a variant measured without a pipeline (no whole run, no first row). */
    static BenchRow of(
            String model, String variant, int batchSize, int parallelism, ModelBench.Rate rate) {
        return new BenchRow(
                model,
                variant,
                batchSize,
                parallelism,
                rate.rows(),
                rate.rowsPerSecond(),
                Double.NaN,
                Double.NaN,
                rate.seconds(),
                rate.cpuMsPer1kRows());
    }

    static String csvHeader() {
        return "model,variant,batch_size,parallelism,rows,rows_per_s,whole_run_rows_per_s,"
                + "first_row_s,seconds,cpu_ms_per_1k_rows";
    }

    String csv() {
        return String.format(
                Locale.ROOT,
                "%s,%s,%d,%d,%d,%.1f,%s,%s,%.3f,%.1f",
                model,
                variant,
                batchSize,
                parallelism,
                rows,
                rowsPerSecond,
                Double.isNaN(wholeRunRowsPerSecond)
                        ? ""
                        : String.format(Locale.ROOT, "%.1f", wholeRunRowsPerSecond),
                Double.isNaN(firstRowSeconds)
                        ? ""
                        : String.format(Locale.ROOT, "%.3f", firstRowSeconds),
                seconds,
                cpuMsPer1kRows);
    }

    /** CPU time of this JVM so far, in nanoseconds. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
