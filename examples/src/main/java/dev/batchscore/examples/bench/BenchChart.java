package dev.batchscore.examples.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The bench's PNG: rows/s by batch size, one line per model, variant and parallelism. */
final class BenchChart {
    private BenchChart() {}

    static void write(List<BenchRow> rows, Path png) throws IOException {
        XYChart chart =
                new XYChartBuilder()
                        .width(1000)
                        .height(640)
                        .title("batchscore bench: rows/s by batch size")
                        .xAxisTitle("batch size")
                        .yAxisTitle("rows/s (steady state)")
                        .build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        Map<String, List<BenchRow>> series = new LinkedHashMap<>();
        for (BenchRow r : rows) {
            if (Double.isFinite(r.rowsPerSecond()) && r.rowsPerSecond() > 0) {
                series.computeIfAbsent(
                                r.model() + " " + r.variant() + " p" + r.parallelism(),
                                k -> new ArrayList<>())
                        .add(r);
            }
        }
        for (Map.Entry<String, List<BenchRow>> e : series.entrySet()) {
            List<BenchRow> points = new ArrayList<>(e.getValue());
            points.sort(Comparator.comparingInt(BenchRow::batchSize));
            double[] x = points.stream().mapToDouble(BenchRow::batchSize).toArray();
            double[] y = points.stream().mapToDouble(BenchRow::rowsPerSecond).toArray();
            chart.addSeries(e.getKey(), x, y).setMarker(SeriesMarkers.CIRCLE);
        }
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
