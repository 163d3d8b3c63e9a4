package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.SOURCE_KAFKA_STARTING_OFFSETS;

import java.util.Locale;

/**
 * {@code source.kafka.starting-offsets}, parsed once. Not an {@code enumType} option because of
 * {@code timestamp:<epoch ms>}, which carries a value.
 *
 * @param kind where the run starts
 * @param timestamp epoch milliseconds, for {@link Kind#TIMESTAMP} only
 */
public record StartingOffsets(Kind kind, long timestamp) {

    /** Where a run starts reading. */
    public enum Kind {
        EARLIEST,
        LATEST,
        /** The consumer group's offsets, earliest where it has none. */
        COMMITTED,
        /** Exactly after what the pipeline last committed to its table. */
        RESUME,
        TIMESTAMP
    }

    public static final StartingOffsets EARLIEST = new StartingOffsets(Kind.EARLIEST, 0);
    public static final StartingOffsets LATEST = new StartingOffsets(Kind.LATEST, 0);
    public static final StartingOffsets COMMITTED = new StartingOffsets(Kind.COMMITTED, 0);
    public static final StartingOffsets RESUME = new StartingOffsets(Kind.RESUME, 0);

    public StartingOffsets {
        if (kind == null) {
            throw new IllegalArgumentException("starting offsets kind is null");
        }
    }

    public static StartingOffsets timestamp(long epochMillis) {
        return new StartingOffsets(Kind.TIMESTAMP, epochMillis);
    }

    /** Parses earliest | latest | committed | resume | timestamp:&lt;epoch ms&gt;. */
    public static StartingOffsets parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.startsWith("timestamp:")) {
            try {
                return timestamp(Long.parseLong(value.substring("timestamp:".length()).trim()));
            } catch (NumberFormatException e) {
                throw ConfigException.invalid(
                        SOURCE_KAFKA_STARTING_OFFSETS, text, "timestamp:<epoch ms> needs a number");
            }
        }
        for (Kind kind : Kind.values()) {
            if (kind != Kind.TIMESTAMP && kind.name().toLowerCase(Locale.ROOT).equals(value)) {
                return new StartingOffsets(kind, 0);
            }
        }
        throw ConfigException.invalid(
                SOURCE_KAFKA_STARTING_OFFSETS,
                text,
                "expected earliest, latest, committed, resume or timestamp:<epoch ms>");
    }

    /** The option value, as the run ledger records it: {@code resume}, {@code timestamp:17...}. */
    @Override
    public String toString() {
        String name = kind.name().toLowerCase(Locale.ROOT);
        return kind == Kind.TIMESTAMP ? name + ":" + timestamp : name;
    }
}
