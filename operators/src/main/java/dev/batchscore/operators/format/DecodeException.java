package dev.batchscore.operators.format;

/**
 * Why one record value could not be read: its message is the one-line reason written to the errors
 * table. A bad record, never a reason to fail the run (a format that cannot work at all, such as a
 * schema registry that does not answer, throws something else).
 */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    public DecodeException(String message) {
        // No stack trace: bad records are data, and there may be millions of them.
        super(message, null, false, false);
    }
}
