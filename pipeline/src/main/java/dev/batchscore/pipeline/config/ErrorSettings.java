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
        ErrorPolicy.checkMaxRatio(
                maxRatio,
                expected -> ConfigException.invalid(ERRORS_MAX_RATIO, maxRatio, expected));
        ErrorPolicy.checkMinRecords(
                minRecords,
                expected -> ConfigException.invalid(ERRORS_MIN_RECORDS, minRecords, expected));
        // The operator takes an int; its own check (at least 1 byte) is the lower half of this.
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
        return new Copy(this).edit(c -> c.mode = newMode);
    }

    /** Fail the run when more than {@code ratio} of the records read is bad. */
    public ErrorSettings withMaxRatio(double ratio, long afterRecords) {
        return new Copy(this)
                .edit(
                        c -> {
                            c.maxRatio = ratio;
                            c.minRecords = afterRecords;
                        });
    }

    public ErrorSettings withNonFinite(NonFinite value) {
        return new Copy(this).edit(c -> c.nonFinite = value);
    }

    public ErrorSettings withMaxRecordBytes(MemorySize bytes) {
        return new Copy(this).edit(c -> c.maxRecordBytes = bytes);
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

    /** The fields of these settings, for the {@code withX} methods. */
    private static final class Copy extends SettingsCopy<ErrorSettings, Copy> {
        Mode mode;
        double maxRatio;
        long minRecords;
        NonFinite nonFinite;
        MemorySize maxRecordBytes;

        Copy(ErrorSettings s) {
            mode = s.mode;
            maxRatio = s.maxRatio;
            minRecords = s.minRecords;
            nonFinite = s.nonFinite;
            maxRecordBytes = s.maxRecordBytes;
        }

        @Override
        ErrorSettings settings() {
            return new ErrorSettings(mode, maxRatio, minRecords, nonFinite, maxRecordBytes);
        }
    }
}
