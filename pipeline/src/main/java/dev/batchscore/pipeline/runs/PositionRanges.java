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
        return new PositionRanges(
                SourcePositions.parseEntries(
                        text, "position range", "from-until", PositionRanges::parseRange));
    }

    private static Range parseRange(String text) {
        int dash = text.lastIndexOf('-');
        if (dash < 1 || dash == text.length() - 1) {
            throw new IllegalArgumentException("not from-until: " + text);
        }
        return new Range(
                Long.parseLong(text.substring(0, dash)), Long.parseLong(text.substring(dash + 1)));
    }

    /** {@code topic:partition=from-until,...} in topic, partition order; empty when none. */
    public String format() {
        return SourcePositions.formatEntries(ranges, r -> r.from() + "-" + r.until());
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
