package dev.batchscore.operators;

import java.io.Serializable;
import java.util.Locale;
import java.util.function.Function;

/**
 * What the scoring operator does with a record it cannot decode, encode or score.
 *
 * <pre>{@code
 * ErrorPolicy policy = ErrorPolicy.defaults().withMode(ErrorPolicy.Mode.SKIP).withMaxRatio(0.05, 1000);
 * }</pre>
 *
 * @param mode dead-letter the record (the default), skip it (counted, not written), or fail the job
 * @param maxRatio the share of bad records (dead-lettered + skipped) over records read above which
 *     a scoring subtask fails the job; 1.0 never fails
 * @param minRecords a subtask checks {@code maxRatio} only once it has read this many records, so a
 *     few bad records at the start of a partition do not fail a healthy run
 * @param allowNonFinite feed NaN and +/-Infinity to float inputs instead of rejecting the record
 * @param maxRecordBytes record values longer than this are decode errors, before any parsing
 */
public record ErrorPolicy(
        Mode mode, double maxRatio, long minRecords, boolean allowNonFinite, int maxRecordBytes)
        implements Serializable {

    public static final int DEFAULT_MAX_RECORD_BYTES = 1 << 20;
    public static final long DEFAULT_MIN_RECORDS = 1000;

    /** What happens to a bad record. */
    public enum Mode {
        DEAD_LETTER,
        SKIP,
        FAIL;

        /** The option value: {@code dead-letter}, {@code skip} or {@code fail}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses an option value; throws {@link IllegalArgumentException} naming the choices. */
        public static Mode parse(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            for (Mode m : values()) {
                if (m.label().equals(t)) {
                    return m;
                }
            }
            throw new IllegalArgumentException(
                    "'" + text + "' is not an errors mode; expected dead-letter, skip or fail");
        }
    }

    public ErrorPolicy {
        if (mode == null) {
            throw new IllegalArgumentException("error policy mode is null");
        }
        checkMaxRatio(maxRatio, invalid("maxRatio", maxRatio));
        checkMinRecords(minRecords, invalid("minRecords", minRecords));
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException(
                    "max record bytes is " + maxRecordBytes + "; it must be >= 1");
        }
    }

    /**
     * The range of {@link #maxRatio}, for every layer that takes one: {@code invalid} turns what is
     * expected into the caller's error (the job's names the option key).
     */
    public static void checkMaxRatio(
            double maxRatio, Function<String, ? extends RuntimeException> invalid) {
        if (!(maxRatio >= 0 && maxRatio <= 1)) {
            throw invalid.apply("expected a share between 0 and 1, e.g. 0.05 (1 never fails)");
        }
    }

    /** The range of {@link #minRecords}; see {@link #checkMaxRatio}. */
    public static void checkMinRecords(
            long minRecords, Function<String, ? extends RuntimeException> invalid) {
        if (minRecords < 1) {
            throw invalid.apply("expected 1 or more");
        }
    }

    private static Function<String, IllegalArgumentException> invalid(String field, Object value) {
        return expected -> new IllegalArgumentException(field + " is " + value + ": " + expected);
    }

    /** Dead-letter, no ratio limit, non-finite rejected, 1 MiB records. */
    public static ErrorPolicy defaults() {
        return new ErrorPolicy(
                Mode.DEAD_LETTER, 1.0, DEFAULT_MIN_RECORDS, false, DEFAULT_MAX_RECORD_BYTES);
    }

    public ErrorPolicy withMode(Mode newMode) {
        return new ErrorPolicy(newMode, maxRatio, minRecords, allowNonFinite, maxRecordBytes);
    }

    public ErrorPolicy withMaxRatio(double ratio, long afterRecords) {
        return new ErrorPolicy(mode, ratio, afterRecords, allowNonFinite, maxRecordBytes);
    }

    public ErrorPolicy withAllowNonFinite(boolean allow) {
        return new ErrorPolicy(mode, maxRatio, minRecords, allow, maxRecordBytes);
    }

    public ErrorPolicy withMaxRecordBytes(int bytes) {
        return new ErrorPolicy(mode, maxRatio, minRecords, allowNonFinite, bytes);
    }

    /** Whether {@code bad} of {@code read} records is over the limit (only after minRecords). */
    public boolean ratioExceeded(long bad, long read) {
        return maxRatio < 1.0 && read >= minRecords && bad > maxRatio * read;
    }
}
