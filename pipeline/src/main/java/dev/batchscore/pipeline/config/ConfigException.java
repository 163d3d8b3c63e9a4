package dev.batchscore.pipeline.config;

import org.apache.flink.configuration.ConfigOption;

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

    /** {@code option 'batch.size' is '0': expected a positive number}. */
    public static ConfigException invalid(ConfigOption<?> option, Object value, String expected) {
        return new ConfigException("option '" + option.key() + "' is '" + value + "': " + expected);
    }
}
