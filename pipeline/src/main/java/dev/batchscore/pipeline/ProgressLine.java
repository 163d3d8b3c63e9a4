package dev.batchscore.pipeline;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The local run's progress: records read of the planned total, rows/s and an ETA. On a terminal it
 * is one line rewritten in place ({@code \r}); anywhere else (a log file, a pipe, CI) it is plain
 * lines, one per poll, so nothing is left full of carriage returns.
 */
public final class ProgressLine implements AutoCloseable {
    private final PrintStream out;
    private final boolean terminal;
    private int lastLength;

    /**
     * @param out where the lines go
     * @param terminal rewrite one line in place (true only when {@code out} is a console)
     */
    public ProgressLine(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    /**
     * Whether {@code out} prints to a terminal: this JVM's standard output with a console attached,
     * or a stream of {@link #onTerminal}.
     */
    public static boolean isTerminal(PrintStream out) {
        return out instanceof TerminalStream || (out == System.out && System.console() != null);
    }

    /**
     * A stream onto {@code out} that {@link #isTerminal} takes for a terminal: the warm JVM's copy
     * of a client's standard output that is one, though the warm JVM has no console.
     */
    public static PrintStream onTerminal(OutputStream out) {
        return new TerminalStream(out);
    }

    private static final class TerminalStream extends PrintStream {
        TerminalStream(OutputStream out) {
            super(out, true, StandardCharsets.UTF_8);
        }
    }

    /**
     * {@code 12.3 s read 40,000 / 100,000 (40%) scored 39,500 8,200 rows/s ETA 7 s [RUNNING]}; the
     * total and the ETA only when the total is known ({@code total > 0}), the rate once it is.
     *
     * @param rowsPerSecond the recent scoring rate, or 0 when not known yet
     * @param scored rows scored or dead-lettered so far, or -1 when not known
     */
    public static String format(
            double seconds,
            long read,
            long total,
            long scored,
            double rowsPerSecond,
            String status) {
        StringBuilder line = new StringBuilder();
        line.append(String.format(Locale.ROOT, "%6.1f s  read %,d", seconds, read));
        if (total > 0) {
            line.append(
                    String.format(
                            Locale.ROOT,
                            " / %,d (%d%%)",
                            total,
                            Math.min(100, Math.round(100.0 * read / total))));
        }
        if (scored >= 0) {
            line.append(String.format(Locale.ROOT, "  scored %,d", scored));
        }
        if (rowsPerSecond > 0) {
            line.append(String.format(Locale.ROOT, "  %,.0f rows/s", rowsPerSecond));
        }
        if (total > 0 && read > 0 && seconds > 0) {
            long left = Math.max(0, total - read);
            double readRate = read / seconds;
            line.append("  ETA ").append(duration(left / readRate));
        }
        if (status != null) {
            line.append("  [").append(status).append(']');
        }
        return line.toString();
    }

    /** {@code 7 s}, {@code 3 min 05 s}, {@code 1 h 02 min}. */
    static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /** Shows {@code line}: in place on a terminal, else as a line of its own. */
    public void show(String line) {
        if (terminal) {
            String text = "  " + line;
            int pad = Math.max(0, lastLength - text.length());
            out.print("\r" + text + " ".repeat(pad));
            out.flush();
            lastLength = text.length();
        } else {
            out.println("  " + line);
        }
    }

    /** Ends the updating line, so what is printed next starts on a line of its own. */
    @Override
    public void close() {
        if (terminal && lastLength > 0) {
            out.println();
            lastLength = 0;
        }
    }
}
