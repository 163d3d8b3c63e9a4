package dev.batchscore.pipeline;

import static dev.batchscore.pipeline.BatchscoreOptions.*;

import dev.batchscore.operators.ErrorPolicy;
import java.util.Locale;
import org.apache.flink.configuration.MemorySize;

/** The {@code errors.*} options as the scoring operator's {@link ErrorPolicy}. */
public final class ErrorOptions {
    private ErrorOptions() {}

    /** Reads and checks the {@code errors.*} options; a bad value is a {@link ConfigException}. */
    public static ErrorPolicy policy(JobConfig config) {
        ErrorPolicy.Mode mode;
        try {
            mode = ErrorPolicy.Mode.parse(config.get(ERRORS_MODE));
        } catch (IllegalArgumentException e) {
            throw invalid(
                    ERRORS_MODE.key(),
                    config.get(ERRORS_MODE),
                    "expected dead-letter, skip or fail");
        }
        double ratio = config.get(ERRORS_MAX_RATIO);
        if (!(ratio >= 0 && ratio <= 1)) {
            throw invalid(
                    ERRORS_MAX_RATIO.key(),
                    String.valueOf(ratio),
                    "expected a share between 0 and 1, e.g. 0.05 (1 never fails)");
        }
        long minRecords = config.get(ERRORS_MIN_RECORDS);
        if (minRecords < 1) {
            throw invalid(
                    ERRORS_MIN_RECORDS.key(), String.valueOf(minRecords), "expected 1 or more");
        }
        String nonFinite = config.get(ERRORS_NON_FINITE).trim().toLowerCase(Locale.ROOT);
        if (!nonFinite.equals("reject") && !nonFinite.equals("allow")) {
            throw invalid(ERRORS_NON_FINITE.key(), nonFinite, "expected reject or allow");
        }
        MemorySize maxBytes = config.get(ERRORS_MAX_RECORD_BYTES);
        if (maxBytes.getBytes() < 1 || maxBytes.getBytes() > Integer.MAX_VALUE) {
            throw invalid(
                    ERRORS_MAX_RECORD_BYTES.key(),
                    maxBytes.toHumanReadableString(),
                    "expected between 1 byte and 2 gb, e.g. 1 mb");
        }
        return new ErrorPolicy(
                mode, ratio, minRecords, nonFinite.equals("allow"), (int) maxBytes.getBytes());
    }

    private static ConfigException invalid(String key, String value, String expected) {
        return new ConfigException("option '" + key + "' is '" + value + "': " + expected);
    }
}
