package dev.batchscore.pipeline;

/**
 * The job configuration is wrong. The message is one line that names the key, the value seen and
 * the fix; the CLI prints it as is, without a stack trace.
 */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
