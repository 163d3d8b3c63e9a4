package dev.batchscore.models;

/**
 * A model cannot be loaded or a signature cannot be used. The message is one line that says what is
 * wrong, the value seen and how to fix it; the CLI prints it as is.
 */
public class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    public ModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
