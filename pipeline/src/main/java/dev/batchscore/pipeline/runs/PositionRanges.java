package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * A range of Kafka positions per (topic, partition), {@code from} inclusive and {@code until}
 * exclusive like {@link SourcePositions}: the offsets a run should have read that Kafka no longer
 * had. Written to snapshot summaries as {@code topic:partition=from-until,...}.
 */
public final class PositionRanges implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Offsets {@code from} (inclusive) to {@code until} (exclusive) of one partition. */
    public record Range(long from, long until) implements Serializable {
        public Range {
            if (from < 0 || until < from) {
                throw new IllegalArgumentException(
                        "offset range " + from + "-" + until + " is not from-until, from <= until");
            }
        }

        public long count() {
            return until - from;
        }
    }

    private static final PositionRanges EMPTY = new PositionRanges(Map.of());

    private final TreeMap<TopicPartition, Range> ranges;

    private PositionRanges(Map<TopicPartition, Range> ranges) {
        this.ranges = new TreeMap<>(SourcePositions.ORDER);
        this.ranges.putAll(ranges);
    }

    public static PositionRanges of(Map<TopicPartition, Range> ranges) {
        return new PositionRanges(ranges);
    }

    public static PositionRanges empty() {
        return EMPTY;
    }

    /** Parses {@link #format()}; throws {@link IllegalArgumentException} naming the bad entry. */
    public static PositionRanges parse(String text) {
        Map<TopicPartition, Range> out = new TreeMap<>(SourcePositions.ORDER);
        if (text == null || text.isBlank()) {
            return new PositionRanges(out);
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            int colon = e.lastIndexOf(':');
            int eq = e.lastIndexOf('=');
            int dash = e.lastIndexOf('-');
            if (colon <= 0 || eq < colon + 2 || dash < eq + 2 || dash == e.length() - 1) {
                throw new IllegalArgumentException(
                        "position range '" + e + "' is not topic:partition=from-until");
            }
            try {
                out.put(
                        new TopicPartition(
                                e.substring(0, colon),
                                Integer.parseInt(e.substring(colon + 1, eq))),
                        new Range(
                                Long.parseLong(e.substring(eq + 1, dash)),
                                Long.parseLong(e.substring(dash + 1))));
            } catch (NumberFormatException ex) {
                throw new IllegalArgumentException(
                        "position range '" + e + "' is not topic:partition=from-until", ex);
            }
        }
        return new PositionRanges(out);
    }

    /** {@code topic:partition=from-until,...} in topic, partition order; empty when none. */
    public String format() {
        StringBuilder text = new StringBuilder();
        ranges.forEach(
                (tp, r) -> {
                    if (text.length() > 0) {
                        text.append(',');
                    }
                    text.append(tp.topic())
                            .append(':')
                            .append(tp.partition())
                            .append('=')
                            .append(r.from())
                            .append('-')
                            .append(r.until());
                });
        return text.toString();
    }

    /**
     * For people: {@code topic 'reviews' partition 0 offsets 100 to 249 (150 records); ...}, the
     * last offset inclusive.
     */
    public String describe() {
        StringBuilder text = new StringBuilder();
        ranges.forEach(
                (tp, r) -> {
                    if (text.length() > 0) {
                        text.append("; ");
                    }
                    text.append("topic '")
                            .append(tp.topic())
                            .append("' partition ")
                            .append(tp.partition())
                            .append(" offsets ")
                            .append(r.from())
                            .append(" to ")
                            .append(r.until() - 1)
                            .append(" (")
                            .append(r.count())
                            .append(r.count() == 1 ? " record)" : " records)");
                });
        return text.toString();
    }

    public Map<TopicPartition, Range> asMap() {
        return new TreeMap<>(ranges);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** Offsets in all ranges. */
    public long count() {
        return ranges.values().stream().mapToLong(Range::count).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PositionRanges other && ranges.equals(other.ranges);
    }

    @Override
    public int hashCode() {
        return ranges.hashCode();
    }

    @Override
    public String toString() {
        return format();
    }
}
