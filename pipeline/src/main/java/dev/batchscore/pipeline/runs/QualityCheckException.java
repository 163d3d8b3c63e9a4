package dev.batchscore.pipeline.runs;

import java.util.List;

/**
 * A run whose data is committed but whose row in the runs table failed a {@code quality.*} check
 * with {@code quality.on-violation: fail}: the CLI exits with {@link QualityChecks#EXIT_CODE}.
 */
public final class QualityCheckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QualityCheckException(String runId, List<String> violations) {
        super(
                "run "
                        + runId
                        + " failed its quality checks (its rows are committed): "
                        + String.join("; ", violations));
    }
}
