package dev.batchscore.operators.format;

/**
 * A format's options or schema do not fit the job, found while planning: one line naming what is
 * wrong and the fix. The pipeline reports it as a configuration error.
 */
public class FormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
