package dev.batchscore.examples.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The ratios {@code batchscore bench} ends with, computed from its rows, and the exact last line
 * (issue 11): {@code bench: heavy_pipeline_over_raw=R1 heavy_pipeline_over_load_per_batch=R2
 * heavy_pipeline_over_batch1=R3 trivial_pipeline_over_nomodel=R4 p2_over_p1=R5 rss_5m_over_1m=R6
 * startup_s=R7}.
 *
 * <p>The heavy model is the tabular one, the trivial one half_plus_two. Pipeline figures are steady
 * state at the heavy pipeline's best batch size: R1 against raw at that batch size and the same
 * parallelism, R2 and R3 against the naive variants, R4 half_plus_two's pipeline over its no-model
 * run at its own best batch size, R5 the best at the highest parallelism over the best at 1. R7 is
 * the heavy pipeline's time from the start of the embedded run to its first scored row, at its best
 * cell.
 */
public record BenchRatios(
        double heavyPipelineOverRaw,
        double heavyPipelineOverLoadPerBatch,
        double heavyPipelineOverBatch1,
        double trivialPipelineOverNoModel,
        double p2OverP1,
        double rss5mOver1m,
        double startupSeconds) {

    static final List<String> KEYS =
            List.of(
                    "heavy_pipeline_over_raw",
                    "heavy_pipeline_over_load_per_batch",
                    "heavy_pipeline_over_batch1",
                    "trivial_pipeline_over_nomodel",
                    "p2_over_p1",
                    "rss_5m_over_1m",
                    "startup_s");

    /** The last line of the bench's output. */
    public String line() {
        double[] v = values();
        StringBuilder sb = new StringBuilder("bench:");
        for (int i = 0; i < KEYS.size(); i++) {
            sb.append(' ')
                    .append(KEYS.get(i))
                    .append('=')
                    .append(String.format(Locale.ROOT, i == 5 ? "%.3f" : "%.2f", v[i]));
        }
        return sb.toString();
    }

    double[] values() {
        return new double[] {
            heavyPipelineOverRaw,
            heavyPipelineOverLoadPerBatch,
            heavyPipelineOverBatch1,
            trivialPipelineOverNoModel,
            p2OverP1,
            rss5mOver1m,
            startupSeconds
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
        return new BenchRatios(v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }

    /**
     * The ratios of {@code rows} ({@link BenchRow} variants of {@code heavy} and {@code trivial})
     * and the two peak RSS figures; a ratio whose inputs are missing is NaN.
     */
    public static BenchRatios of(
            List<BenchRow> rows, String heavy, String trivial, long rssSmallKb, long rssLargeKb) {
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
            r5 = over(h, best(rows, heavy, BenchRow.PIPELINE, 1));
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
        return new BenchRatios(r1, r2, r3, r4, r5, r6, r7);
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
