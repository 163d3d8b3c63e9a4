package dev.batchscore.pipeline.runs;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The runs table's rows as the console table of {@code batchscore report}. */
public final class RunTable {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

    /** The columns, in order; the HTML report shows the same ones. */
    public static final List<String> COLUMNS =
            List.of(
                    "finished",
                    "run",
                    "ended",
                    "read",
                    "scored",
                    "errors",
                    "rows/s",
                    "input age",
                    "max PSI",
                    "checks");

    private static final String[] HEADER = COLUMNS.toArray(new String[0]);

    private RunTable() {}

    /** One line per row, columns aligned, under a header line. */
    public static String format(List<RunHistory.Row> rows) {
        List<String[]> lines = new ArrayList<>();
        lines.add(HEADER);
        for (RunHistory.Row r : rows) {
            lines.add(
                    new String[] {
                        TIME.format(r.finishedAt()),
                        r.runId().length() > 12 ? r.runId().substring(0, 12) : r.runId(),
                        r.ended(),
                        String.format(Locale.ROOT, "%,d", r.recordsRead()),
                        String.format(Locale.ROOT, "%,d", r.recordsScored()),
                        String.format(Locale.ROOT, "%,d", r.recordsDeadLettered()),
                        r.rowsPerSecond() == null
                                ? "-"
                                : String.format(Locale.ROOT, "%,.0f", r.rowsPerSecond()),
                        r.inputAgeMs() == null ? "-" : age(r.inputAgeMs()),
                        r.maxPsi() == null ? "-" : String.format(Locale.ROOT, "%.3f", r.maxPsi()),
                        checks(r)
                    });
        }
        int[] widths = new int[HEADER.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] line : lines) {
            StringBuilder l = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                boolean number = i >= 3 && i <= 8;
                String cell =
                        number
                                ? " ".repeat(widths[i] - line[i].length()) + line[i]
                                : line[i] + " ".repeat(widths[i] - line[i].length());
                l.append(i == 0 ? "" : "  ").append(cell);
            }
            out.append(l.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** {@code ok}, or the violations' checks and whether they failed the run. */
    public static String checks(RunHistory.Row r) {
        if (r.violations().isEmpty()) {
            return "ok";
        }
        List<String> keys = new ArrayList<>();
        for (String v : r.violations()) {
            int colon = v.indexOf(':');
            keys.add(colon > 0 ? v.substring(0, colon) : v);
        }
        return (r.qualityFailed() ? "FAILED " : "warn ") + String.join(",", keys);
    }

    /** {@code 45s}, {@code 12m}, {@code 3.5h}, {@code 2.0d}. */
    public static String age(long millis) {
        Duration d = Duration.ofMillis(millis);
        if (d.toSeconds() < 120) {
            return d.toSeconds() + "s";
        }
        if (d.toMinutes() < 120) {
            return d.toMinutes() + "m";
        }
        if (d.toHours() < 48) {
            return String.format(Locale.ROOT, "%.1fh", millis / 3_600_000.0);
        }
        return String.format(Locale.ROOT, "%.1fd", millis / 86_400_000.0);
    }
}
