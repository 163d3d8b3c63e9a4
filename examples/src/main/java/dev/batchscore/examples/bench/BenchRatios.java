package dev.batchscore.examples.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The ratios and headline figures {@code batchscore bench} ends with, computed from its rows, and
 * the exact last line (issues 11 and 21): {@code bench: heavy_pipeline_over_raw=R1
 * heavy_pipeline_over_load_per_batch=R2 heavy_pipeline_over_batch1=R3
 * trivial_pipeline_over_nomodel=R4 cpu_p2_over_p1=R5 rss_5m_over_1m=R6 startup_s=R7
 * whole_run_rows_per_s=W1 whole_run_wall_s=W2 pipeline_cpu_us_per_row_beyond_model=W3
 * first_committed_row_s=W4 whole_run_6m_rows_per_s=W5 steady_cpu_us_per_row_beyond_model_6m=W6
 * whole_run_warm_rows_per_s=W7 bigvars_pipeline_over_load_per_batch=B1 bigvars_load_s=B2}.
 *
 * <p>The heavy model is the tabular one, the trivial one half_plus_two. Pipeline figures are steady
 * state at the heavy pipeline's best batch size: R1 against raw at that batch size and the same
 * parallelism, R2 and R3 against the naive variants, R4 half_plus_two's pipeline over its no-model
 * run at its own best batch size, R5 the CPU per row of that cell at the highest parallelism over
 * the same batch size at parallelism 1 (rows/s at p2 over p1 measured the machine's spare core, not
 * the code). R7 is the heavy pipeline's time from the start of the embedded run to its first scored
 * row, at its best cell.
 *
 * <p>W1-W6 are the whole run as users run it ({@link WholeRun}: {@code batchscore run} in a JVM of
 * its own, the broker in another): rows/s and process wall time of 600k records, the process's CPU
 * per row minus the model's own CPU per row ({@code raw} at the same batch size), the time from the
 * process's start to the first committed row, rows/s of 6M records and that run's steady-state CPU
 * per row ({@link WholeRun.SteadyState}) minus the model's (W5 and W6 NaN under {@code --quick}).
 * W7 is the 600k run in a warm JVM ({@code BATCHSCORE_WARM=on}): the median rows/s of three runs
 * after the one that started it.
 *
 * <p>B1 and B2 are {@link BigVariablesModel} (300 MB of variables in its checkpoint, the tabular
 * signature): its pipeline over its {@code naive-load-per-batch}, both at the parallelism above,
 * and its load time in seconds. R2's load-per-batch figure is the tabular model's load time more
 * than the pipeline's speed (tens of milliseconds: weights are graph constants); B1 is the same
 * ratio for a model that takes hundreds of milliseconds to load.
 */
public record BenchRatios(
        double heavyPipelineOverRaw,
        double heavyPipelineOverLoadPerBatch,
        double heavyPipelineOverBatch1,
        double trivialPipelineOverNoModel,
        double cpuP2OverP1,
        double rss5mOver1m,
        double startupSeconds,
        double wholeRunRowsPerSecond,
        double wholeRunWallSeconds,
        double pipelineCpuUsPerRowBeyondModel,
        double firstCommittedRowSeconds,
        double wholeRun6mRowsPerSecond,
        double steadyCpuUsPerRowBeyondModel6m,
        double wholeRunWarmRowsPerSecond,
        double bigvarsPipelineOverLoadPerBatch,
        double bigvarsLoadSeconds) {

    static final List<String> KEYS =
            List.of(
                    "heavy_pipeline_over_raw",
                    "heavy_pipeline_over_load_per_batch",
                    "heavy_pipeline_over_batch1",
                    "trivial_pipeline_over_nomodel",
                    "cpu_p2_over_p1",
                    "rss_5m_over_1m",
                    "startup_s",
                    "whole_run_rows_per_s",
                    "whole_run_wall_s",
                    "pipeline_cpu_us_per_row_beyond_model",
                    "first_committed_row_s",
                    "whole_run_6m_rows_per_s",
                    "steady_cpu_us_per_row_beyond_model_6m",
                    "whole_run_warm_rows_per_s",
                    "bigvars_pipeline_over_load_per_batch",
                    "bigvars_load_s");

    private static final List<String> FORMATS =
            List.of(
                    "%.2f",
                    "%.2f", "%.2f", "%.2f", "%.2f", "%.3f", "%.2f", "%.0f", "%.2f", "%.1f", "%.2f",
                    "%.0f", "%.1f", "%.0f", "%.2f", "%.2f");

    /** The last line of the bench's output. */
    public String line() {
        double[] v = values();
        StringBuilder sb = new StringBuilder("bench:");
        for (int i = 0; i < KEYS.size(); i++) {
            sb.append(' ')
                    .append(KEYS.get(i))
                    .append('=')
                    .append(String.format(Locale.ROOT, FORMATS.get(i), v[i]));
        }
        return sb.toString();
    }

    double[] values() {
        return new double[] {
            heavyPipelineOverRaw,
            heavyPipelineOverLoadPerBatch,
            heavyPipelineOverBatch1,
            trivialPipelineOverNoModel,
            cpuP2OverP1,
            rss5mOver1m,
            startupSeconds,
            wholeRunRowsPerSecond,
            wholeRunWallSeconds,
            pipelineCpuUsPerRowBeyondModel,
            firstCommittedRowSeconds,
            wholeRun6mRowsPerSecond,
            steadyCpuUsPerRowBeyondModel6m,
            wholeRunWarmRowsPerSecond,
            bigvarsPipelineOverLoadPerBatch,
            bigvarsLoadSeconds
        };
    }

    /** Reads a {@link #line()} back, e.g. from a saved run's output; fails on any other line. */
    public static BenchRatios parse(String line) {
        String body = line.strip();
        if (!body.startsWith("bench: ")) {
            throw new IllegalArgumentException("not a bench line: " + line);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        for (String item : body.substring("bench: ".length()).split(" ")) {
            String[] kv = item.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("not key=value: '" + item + "' in " + line);
            }
            values.put(kv[0], Double.parseDouble(kv[1]));
        }
        if (!new ArrayList<>(values.keySet()).equals(KEYS)) {
            throw new IllegalArgumentException("expected keys " + KEYS + " in order: " + line);
        }
        double[] v = values.values().stream().mapToDouble(Double::doubleValue).toArray();
        return new BenchRatios(
                v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12],
                v[13], v[14], v[15]);
    }

    /**
     * As {@link #of(List, String, String, long, long, WholeRun.Result, WholeRun.Result,
     * WholeRun.Result, double)} without whole runs and load time.
     */
    public static BenchRatios of(
            List<BenchRow> rows, String heavy, String trivial, long rssSmallKb, long rssLargeKb) {
        return of(rows, heavy, trivial, rssSmallKb, rssLargeKb, null, null, null, Double.NaN);
    }

    /**
     * The ratios of {@code rows} ({@link BenchRow} variants of {@code heavy}, {@code trivial} and
     * {@link BigVariablesModel#NAME}), the two peak RSS figures, the whole runs of 600k and 6M
     * records and the 600k run in a warm JVM (any may be null) and the big-variables model's load
     * time; a figure whose inputs are missing is NaN.
     */
    static BenchRatios of(
            List<BenchRow> rows,
            String heavy,
            String trivial,
            long rssSmallKb,
            long rssLargeKb,
            WholeRun.Result whole,
            WholeRun.Result whole6m,
            WholeRun.Result wholeWarm,
            double bigvarsLoadSeconds) {
        int pMax = rows.stream().mapToInt(BenchRow::parallelism).max().orElse(1);
        Optional<BenchRow> heavyBest = best(rows, heavy, BenchRow.PIPELINE, pMax);
        double r1 = Double.NaN;
        double r2 = Double.NaN;
        double r3 = Double.NaN;
        double r5 = Double.NaN;
        double r7 = Double.NaN;
        if (heavyBest.isPresent()) {
            BenchRow h = heavyBest.get();
            r1 = over(h, find(rows, heavy, BenchRow.RAW, h.batchSize(), pMax));
            r2 = over(h, best(rows, heavy, BenchRow.LOAD_PER_BATCH, pMax));
            r3 = over(h, best(rows, heavy, BenchRow.BATCH1, pMax));
            r5 =
                    find(rows, heavy, BenchRow.PIPELINE, h.batchSize(), 1)
                            .map(p1 -> h.cpuMsPer1kRows() / p1.cpuMsPer1kRows())
                            .orElse(Double.NaN);
            r7 = h.firstRowSeconds();
        }
        double r4 = Double.NaN;
        Optional<BenchRow> trivialBest = best(rows, trivial, BenchRow.PIPELINE, pMax);
        if (trivialBest.isPresent()) {
            BenchRow t = trivialBest.get();
            r4 = over(t, find(rows, trivial, BenchRow.NO_MODEL, t.batchSize(), pMax));
        }
        double r6 =
                rssSmallKb > 0 && rssLargeKb > 0 ? rssLargeKb / (double) rssSmallKb : Double.NaN;
        double w1 = Double.NaN;
        double w2 = Double.NaN;
        double w3 = Double.NaN;
        double w4 = Double.NaN;
        if (whole != null) {
            w1 = whole.rowsPerSecond();
            w2 = whole.wallSeconds();
            w3 =
                    find(rows, heavy, BenchRow.RAW, whole.batchSize(), pMax)
                            .map(raw -> whole.cpuUsPerRow() - raw.cpuMsPer1kRows())
                            .orElse(Double.NaN);
            w4 = whole.firstCommittedSeconds();
        }
        double w5 = whole6m == null ? Double.NaN : whole6m.rowsPerSecond();
        double w6 =
                whole6m == null
                        ? Double.NaN
                        : find(rows, heavy, BenchRow.RAW, whole6m.batchSize(), pMax)
                                .map(raw -> whole6m.steadyCpuUsPerRow() - raw.cpuMsPer1kRows())
                                .orElse(Double.NaN);
        double w7 = wholeWarm == null ? Double.NaN : wholeWarm.rowsPerSecond();
        double b1 =
                best(rows, BigVariablesModel.NAME, BenchRow.PIPELINE, pMax)
                        .map(
                                b ->
                                        over(
                                                b,
                                                best(
                                                        rows,
                                                        BigVariablesModel.NAME,
                                                        BenchRow.LOAD_PER_BATCH,
                                                        pMax)))
                        .orElse(Double.NaN);
        return new BenchRatios(
                r1, r2, r3, r4, r5, r6, r7, w1, w2, w3, w4, w5, w6, w7, b1, bigvarsLoadSeconds);
    }

    private static double over(BenchRow top, Optional<BenchRow> bottom) {
        return bottom.map(b -> top.rowsPerSecond() / b.rowsPerSecond()).orElse(Double.NaN);
    }

    static Optional<BenchRow> best(List<BenchRow> rows, String model, String variant, int p) {
        return rows.stream()
                .filter(r -> r.model().equals(model) && r.variant().equals(variant))
                .filter(r -> r.parallelism() == p)
                .max(Comparator.comparingDouble(BenchRow::rowsPerSecond));
    }

    static Optional<BenchRow> find(
            List<BenchRow> rows, String model, String variant, int batchSize, int p) {
        return rows.stream()
                .filter(r -> r.model().equals(model) && r.variant().equals(variant))
                .filter(r -> r.batchSize() == batchSize && r.parallelism() == p)
                .findFirst();
    }
}
