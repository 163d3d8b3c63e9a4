package dev.batchscore.examples.report;

import dev.batchscore.pipeline.runs.RunHistory;
import dev.batchscore.pipeline.runs.RunTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * {@code batchscore report --out DIR}: the runs of a pipeline as {@code report.html}, one file with
 * its charts embedded as PNG data, and the same charts as PNG files beside it. Drawn with XChart
 * from the runs table's rows only.
 *
 * <p>The distribution chart is a quantile fan: the p1..p99 the runs table keeps per output, one
 * line each, over the runs, so a shift shows as the whole fan moving.
 */
public final class RunReport {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final String[] QUANTILES = {"p1", "p5", "p25", "p50", "p75", "p95", "p99"};

    private RunReport() {}

    /** One chart of the report: its file name, its caption and the chart. */
    record Figure(String file, String caption, Chart<?, ?> chart) {}

    /** Writes report.html and the PNGs to {@code dir}; returns the HTML file. */
    public static Path write(List<RunHistory.Row> rows, String title, Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        List<Figure> figures = figures(rows);
        Map<String, byte[]> pngs = new LinkedHashMap<>();
        for (Figure f : figures) {
            byte[] png = BitmapEncoder.getBitmapBytes(f.chart(), BitmapEncoder.BitmapFormat.PNG);
            Files.write(dir.resolve(f.file()), png);
            pngs.put(f.file(), png);
        }
        Path html = dir.resolve("report.html");
        Files.writeString(html, html(rows, title, figures, pngs), StandardCharsets.UTF_8);
        return html;
    }

    static List<Figure> figures(List<RunHistory.Row> rows) {
        List<Figure> figures = new ArrayList<>();
        double[] x = new double[rows.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = i + 1;
        }
        Set<String> columns = new LinkedHashSet<>();
        rows.forEach(r -> r.outputs().forEach(o -> columns.add(o.column())));
        for (String column : columns) {
            XYChart chart =
                    new XYChartBuilder()
                            .width(WIDTH)
                            .height(HEIGHT)
                            .title("Output '" + column + "': distribution per run (p1 to p99)")
                            .xAxisTitle("run")
                            .yAxisTitle(column)
                            .build();
            for (int q = 0; q < QUANTILES.length; q++) {
                double[] y = new double[rows.size()];
                for (int i = 0; i < rows.size(); i++) {
                    int qi = q;
                    y[i] =
                            rows.get(i)
                                    .output(column)
                                    .map(o -> o.quantiles()[qi])
                                    .orElse(Double.NaN);
                }
                XYSeries s = chart.addSeries(QUANTILES[q], x, y);
                s.setMarker(q == 3 ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
            }
            figures.add(
                    new Figure(
                            "distribution-" + column.replaceAll("[^A-Za-z0-9_-]", "_") + ".png",
                            "Distribution of output '" + column + "' per run",
                            chart));
        }

        CategoryChart counts =
                new CategoryChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("Records and errors per run")
                        .xAxisTitle("run")
                        .yAxisTitle("records")
                        .build();
        List<String> labels = new ArrayList<>();
        List<Long> scored = new ArrayList<>();
        List<Long> errors = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            labels.add("#" + (i + 1));
            scored.add(rows.get(i).recordsScored());
            errors.add(rows.get(i).recordsRead() - rows.get(i).recordsScored());
        }
        counts.addSeries("scored", labels, scored);
        counts.addSeries("dead-lettered or skipped", labels, errors);
        figures.add(new Figure("records.png", "Records scored and errors per run", counts));

        XYChart age =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("Input age and lag at start per run")
                        .xAxisTitle("run")
                        .yAxisTitle("input age (minutes)")
                        .build();
        double[] ages = new double[rows.size()];
        double[] lags = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Long a = rows.get(i).inputAgeMs();
            Long l = rows.get(i).lagAtStartRecords();
            ages[i] = a == null ? Double.NaN : a / 60_000.0;
            lags[i] = l == null ? Double.NaN : l;
        }
        age.addSeries("input age (minutes)", x, ages).setMarker(SeriesMarkers.CIRCLE);
        XYSeries lag = age.addSeries("lag at start (records)", x, lags);
        lag.setMarker(SeriesMarkers.SQUARE);
        lag.setYAxisGroup(1);
        age.setYAxisGroupTitle(1, "lag at start (records)");
        figures.add(new Figure("input-age.png", "Input age and lag at start per run", age));

        XYChart drift =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("Drift per run: PSI against the previous complete run")
                        .xAxisTitle("run")
                        .yAxisTitle("PSI")
                        .build();
        for (String column : columns) {
            double[] psi = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                psi[i] =
                        rows.get(i)
                                .output(column)
                                .map(RunHistory.OutputStats::psi)
                                .map(Double::doubleValue)
                                .orElse(Double.NaN);
            }
            drift.addSeries(column, x, psi).setMarker(SeriesMarkers.CIRCLE);
        }
        if (!columns.isEmpty()) {
            figures.add(new Figure("drift.png", "Drift (PSI) per run", drift));
        }
        return figures;
    }

    static String html(
            List<RunHistory.Row> rows,
            String title,
            List<Figure> figures,
            Map<String, byte[]> pngs) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>batchscore report: ")
                .append(escape(title))
                .append("</title><style>")
                .append("body{font-family:sans-serif;margin:2em;color:#222}")
                .append("table{border-collapse:collapse;font-size:13px}")
                .append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}")
                .append("td.t,th{text-align:left}.failed{color:#b00020;font-weight:bold}")
                .append("figure{margin:1.5em 0}img{max-width:100%}")
                .append("</style></head><body>\n<h1>batchscore report: ")
                .append(escape(title))
                .append("</h1>\n<table><thead><tr>");
        h.append("<th>#</th>");
        for (String c : RunTable.COLUMNS) {
            h.append("<th>").append(c).append("</th>");
        }
        h.append("</tr></thead><tbody>\n");
        for (int i = 0; i < rows.size(); i++) {
            RunHistory.Row r = rows.get(i);
            String checks = RunTable.checks(r);
            h.append("<tr><td>")
                    .append(i + 1)
                    .append("</td><td class=\"t\">")
                    .append(TIME.format(r.finishedAt()))
                    .append("</td><td class=\"t\">")
                    .append(escape(r.runId()))
                    .append("</td><td class=\"t\">")
                    .append(escape(r.ended()))
                    .append("</td><td>")
                    .append(r.recordsRead())
                    .append("</td><td>")
                    .append(r.recordsScored())
                    .append("</td><td>")
                    .append(r.recordsDeadLettered())
                    .append("</td><td>")
                    .append(
                            r.rowsPerSecond() == null
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.0f", r.rowsPerSecond()))
                    .append("</td><td>")
                    .append(r.inputAgeMs() == null ? "-" : RunTable.age(r.inputAgeMs()))
                    .append("</td><td>")
                    .append(
                            r.maxPsi() == null
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.3f", r.maxPsi()))
                    .append("</td><td class=\"t")
                    .append(r.qualityFailed() ? " failed" : "")
                    .append("\" title=\"")
                    .append(escape(String.join("\n", r.violations())))
                    .append("\">")
                    .append(escape(checks))
                    .append("</td></tr>\n");
        }
        h.append("</tbody></table>\n");
        for (Figure f : figures) {
            h.append("<figure><img alt=\"")
                    .append(escape(f.caption()))
                    .append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(pngs.get(f.file())))
                    .append("\"><figcaption>")
                    .append(escape(f.caption()))
                    .append(" (")
                    .append(escape(f.file()))
                    .append(")</figcaption></figure>\n");
        }
        h.append("</body></html>\n");
        return h.toString();
    }

    private static String escape(String s) {
        return s == null
                ? ""
                : s.replace("&", "&amp;")
                        .replace("<", "&lt;")
                        .replace(">", "&gt;")
                        .replace("\"", "&quot;");
    }
}
