package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code quality.*} options: checks the job applies to each run's row in the runs table. Every
 * threshold is optional (null: not checked).
 */
public record QualitySettings(
        Duration maxInputAge,
        Long minRecords,
        Double maxErrorRatio,
        Double maxDrift,
        OnViolation onViolation) {

    public QualitySettings {
        Objects.requireNonNull(onViolation, QUALITY_ON_VIOLATION.key());
        if (maxInputAge != null && (maxInputAge.isNegative() || maxInputAge.isZero())) {
            throw ConfigException.invalid(
                    QUALITY_MAX_INPUT_AGE, maxInputAge, "expected a positive duration, e.g. 1 h");
        }
        if (minRecords != null && minRecords < 0) {
            throw ConfigException.invalid(QUALITY_MIN_RECORDS, minRecords, "expected 0 or more");
        }
        if (maxErrorRatio != null && !(maxErrorRatio >= 0 && maxErrorRatio <= 1)) {
            throw ConfigException.invalid(
                    QUALITY_MAX_ERROR_RATIO, maxErrorRatio, "expected between 0 and 1, e.g. 0.05");
        }
        if (maxDrift != null && !(maxDrift >= 0)) {
            throw ConfigException.invalid(
                    QUALITY_MAX_DRIFT, maxDrift, "expected 0 or more, e.g. 0.2");
        }
    }

    /** No checks; violations (none) would only warn. */
    public static QualitySettings defaults() {
        return new QualitySettings(null, null, null, null, QUALITY_ON_VIOLATION.defaultValue());
    }

    static QualitySettings from(JobConfig config) {
        return new QualitySettings(
                config.getOptional(QUALITY_MAX_INPUT_AGE).orElse(null),
                config.getOptional(QUALITY_MIN_RECORDS).orElse(null),
                config.getOptional(QUALITY_MAX_ERROR_RATIO).orElse(null),
                config.getOptional(QUALITY_MAX_DRIFT).orElse(null),
                config.get(QUALITY_ON_VIOLATION));
    }

    public QualitySettings withMaxInputAge(Duration value) {
        return new QualitySettings(value, minRecords, maxErrorRatio, maxDrift, onViolation);
    }

    public QualitySettings withMinRecords(Long value) {
        return new QualitySettings(maxInputAge, value, maxErrorRatio, maxDrift, onViolation);
    }

    public QualitySettings withMaxDrift(Double value) {
        return new QualitySettings(maxInputAge, minRecords, maxErrorRatio, value, onViolation);
    }

    public QualitySettings withOnViolation(OnViolation value) {
        return new QualitySettings(maxInputAge, minRecords, maxErrorRatio, maxDrift, value);
    }

    /** {@code quality.max-error-ratio}, else {@code errors}' {@code errors.max-ratio}. */
    public double errorRatio(ErrorSettings errors) {
        return maxErrorRatio != null ? maxErrorRatio : errors.maxRatio();
    }

    public boolean fail() {
        return onViolation == OnViolation.FAIL;
    }
}
