package dev.batchscore.operators;

/**
 * Fails the job on purpose because of bad records: one bad record under {@code errors.mode: fail},
 * or too large a share of bad records under {@code errors.max-ratio}. The message is one line that
 * names the record or the counts, and the option that changes the behaviour.
 */
public class BadRecordsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRecordsException(String message) {
        super(message);
    }
}
