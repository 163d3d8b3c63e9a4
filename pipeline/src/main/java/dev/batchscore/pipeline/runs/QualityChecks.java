package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code quality.*} checks, as the job's {@link RunMarker} applies them to a run's row when the
 * run completes or stops: each null threshold is off.
 *
 * @param maxInputAge {@code quality.max-input-age}: the newest record read may be at most this old
 *     when the run starts
 * @param minRecords {@code quality.min-records}: the run must read at least this many records
 * @param maxErrorRatio {@code errors.max-ratio} (which also fails the run as it always did),
 *     reported here; 1 is off
 * @param maxDrift {@code quality.max-drift}: the PSI of every output column against the previous
 *     complete run must be at most this
 * @param fail {@code quality.on-violation: fail}: a violation makes the submitting client exit with
 *     {@link #EXIT_CODE} (the data stays committed)
 */
public record QualityChecks(
        Duration maxInputAge, Long minRecords, double maxErrorRatio, Double maxDrift, boolean fail)
        implements Serializable {

    /** The exit code of a run whose data is committed but that failed a quality check. */
    public static final int EXIT_CODE = 5;

    public static QualityChecks none() {
        return new QualityChecks(null, null, 1.0, null, false);
    }

    public String onViolation() {
        return fail ? "fail" : "warn";
    }

    /** The violations of {@code row} (its outputs' PSI already computed), one message each. */
    public List<String> violations(RunHistory.Row row, boolean complete) {
        List<String> out = new ArrayList<>();
        if (maxInputAge != null
                && row.inputAgeMs() != null
                && row.inputAgeMs() > maxInputAge.toMillis()) {
            out.add(
                    String.format(
                            Locale.ROOT,
                            "quality.max-input-age: the newest record read was %s old when the run"
                                    + " started (> %s): stale input",
                            Duration.ofMillis(row.inputAgeMs()),
                            maxInputAge));
        }
        // A stopped part of a run is judged on its counts only when the run completes.
        if (complete && minRecords != null && row.recordsRead() < minRecords) {
            out.add(
                    String.format(
                            Locale.ROOT,
                            "quality.min-records: the run read %d records (< %d): is the upstream"
                                    + " broken?",
                            row.recordsRead(),
                            minRecords));
        }
        long bad = row.recordsRead() - row.recordsScored();
        if (maxErrorRatio < 1.0
                && row.recordsRead() > 0
                && bad > maxErrorRatio * row.recordsRead()) {
            out.add(
                    String.format(
                            Locale.ROOT,
                            "errors.max-ratio: %d of %d records were bad (%.3f > %s)",
                            bad,
                            row.recordsRead(),
                            bad / (double) row.recordsRead(),
                            maxErrorRatio));
        }
        if (maxDrift != null) {
            for (RunHistory.OutputStats o : row.outputs()) {
                if (o.psi() != null && o.psi() > maxDrift) {
                    out.add(
                            String.format(
                                    Locale.ROOT,
                                    "quality.max-drift: output '%s' drifted from the previous"
                                            + " complete run, PSI %.3f > %s",
                                    o.column(),
                                    o.psi(),
                                    maxDrift));
                }
            }
        }
        return out;
    }
}
