package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import dev.batchscore.operators.ErrorPolicy;
import java.util.Locale;
import java.util.Objects;
import org.apache.flink.configuration.MemorySize;

/**
 * The {@code errors.*} options: what happens to records that cannot be decoded, encoded or scored.
 * {@link #policy()} is the scoring operator's {@link ErrorPolicy}.
 */
public record ErrorSettings(
        Mode mode,
        double maxRatio,
        long minRecords,
        NonFinite nonFinite,
        MemorySize maxRecordBytes) {

    /** {@code errors.mode}. */
    public enum Mode {
        DEAD_LETTER(ErrorPolicy.Mode.DEAD_LETTER),
        SKIP(ErrorPolicy.Mode.SKIP),
        FAIL(ErrorPolicy.Mode.FAIL);

        private final ErrorPolicy.Mode policyMode;

        Mode(ErrorPolicy.Mode policyMode) {
            this.policyMode = policyMode;
        }

        /** The option value, which Flink's enum parsing matches: {@code dead-letter}. */
        @Override
        public String toString() {
            return policyMode.label();
        }
    }

    /** {@code errors.non-finite}. */
    public enum NonFinite {
        REJECT,
        ALLOW;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public ErrorSettings {
        Objects.requireNonNull(mode, ERRORS_MODE.key());
        Objects.requireNonNull(nonFinite, ERRORS_NON_FINITE.key());
        Objects.requireNonNull(maxRecordBytes, ERRORS_MAX_RECORD_BYTES.key());
        if (!(maxRatio >= 0 && maxRatio <= 1)) {
            throw ConfigException.invalid(
                    ERRORS_MAX_RATIO,
                    maxRatio,
                    "expected a share between 0 and 1, e.g. 0.05 (1 never fails)");
        }
        if (minRecords < 1) {
            throw ConfigException.invalid(ERRORS_MIN_RECORDS, minRecords, "expected 1 or more");
        }
        if (maxRecordBytes.getBytes() < 1 || maxRecordBytes.getBytes() > Integer.MAX_VALUE) {
            throw ConfigException.invalid(
                    ERRORS_MAX_RECORD_BYTES,
                    maxRecordBytes.toHumanReadableString(),
                    "expected between 1 byte and 2 gb, e.g. 1 mb");
        }
    }

    /** Dead-letter every bad record, never fail on a ratio. */
    public static ErrorSettings defaults() {
        return new ErrorSettings(
                ERRORS_MODE.defaultValue(),
                ERRORS_MAX_RATIO.defaultValue(),
                ERRORS_MIN_RECORDS.defaultValue(),
                ERRORS_NON_FINITE.defaultValue(),
                ERRORS_MAX_RECORD_BYTES.defaultValue());
    }

    static ErrorSettings from(JobConfig config) {
        return new ErrorSettings(
                config.get(ERRORS_MODE),
                config.get(ERRORS_MAX_RATIO),
                config.get(ERRORS_MIN_RECORDS),
                config.get(ERRORS_NON_FINITE),
                config.get(ERRORS_MAX_RECORD_BYTES));
    }

    public ErrorSettings withMode(Mode newMode) {
        return new ErrorSettings(newMode, maxRatio, minRecords, nonFinite, maxRecordBytes);
    }

    /** Fail the run when more than {@code ratio} of the records read is bad. */
    public ErrorSettings withMaxRatio(double ratio, long afterRecords) {
        return new ErrorSettings(mode, ratio, afterRecords, nonFinite, maxRecordBytes);
    }

    public ErrorSettings withNonFinite(NonFinite value) {
        return new ErrorSettings(mode, maxRatio, minRecords, value, maxRecordBytes);
    }

    public ErrorSettings withMaxRecordBytes(MemorySize bytes) {
        return new ErrorSettings(mode, maxRatio, minRecords, nonFinite, bytes);
    }

    /** The scoring operator's view of these settings. */
    public ErrorPolicy policy() {
        return new ErrorPolicy(
                mode.policyMode,
                maxRatio,
                minRecords,
                nonFinite == NonFinite.ALLOW,
                (int) maxRecordBytes.getBytes());
    }
}
