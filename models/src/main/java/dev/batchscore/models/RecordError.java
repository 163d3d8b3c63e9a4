package dev.batchscore.models;

/**
 * Why one record was not scored.
 *
 * @param stage where it failed
 * @param message one line naming the input, the expected dtype and shape, and the value seen
 */
public record RecordError(Stage stage, String message) {

    /** Where a record failed. {@code DECODE} is used by callers that parse raw bytes. */
    public enum Stage {
        DECODE,
        ENCODE,
        SCORE;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
