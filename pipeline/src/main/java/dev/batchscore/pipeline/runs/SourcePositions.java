package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka positions per (topic, partition): the offset of the next record, as Kafka and {@code
 * OffsetsInitializer.offsets} mean it. Written to snapshot summaries as {@code
 * topic:partition=offset,...} (topic names cannot contain ':', '=' or ',').
 */
public final class SourcePositions implements Serializable {
    private static final long serialVersionUID = 1L;

    static final Comparator<TopicPartition> ORDER = new TopicPartitionOrder();

    private final TreeMap<TopicPartition, Long> offsets;

    private SourcePositions(Map<TopicPartition, Long> offsets) {
        this.offsets = new TreeMap<>(ORDER);
        this.offsets.putAll(offsets);
    }

    public static SourcePositions of(Map<TopicPartition, Long> offsets) {
        return new SourcePositions(offsets);
    }

    public static SourcePositions empty() {
        return new SourcePositions(Map.of());
    }

    /** Parses {@link #format()}; throws {@link IllegalArgumentException} naming the bad entry. */
    public static SourcePositions parse(String text) {
        return new SourcePositions(
                parseEntries(text, "source position", "offset", Long::parseLong));
    }

    /** {@code topic:partition=offset,...} in topic, partition order. */
    public String format() {
        return formatEntries(offsets, String::valueOf);
    }

    /**
     * Parses {@code topic:partition=<value>,...} (topic names cannot contain ':', '=' or ','),
     * {@code value} parsing each value; a bad entry is an {@link IllegalArgumentException} saying
     * "{@code <what> '<entry>' is not topic:partition=<shape>}".
     */
    static <V> Map<TopicPartition, V> parseEntries(
            String text, String what, String shape, Function<String, V> value) {
        Map<TopicPartition, V> out = new TreeMap<>(ORDER);
        if (text == null || text.isBlank()) {
            return out;
        }
        for (String entry : text.split(",")) {
            String e = entry.trim();
            int colon = e.lastIndexOf(':');
            int eq = e.lastIndexOf('=');
            String wrong = what + " '" + e + "' is not topic:partition=" + shape;
            if (colon <= 0 || eq < colon + 2 || eq == e.length() - 1) {
                throw new IllegalArgumentException(wrong);
            }
            try {
                out.put(
                        new TopicPartition(
                                e.substring(0, colon),
                                Integer.parseInt(e.substring(colon + 1, eq))),
                        value.apply(e.substring(eq + 1)));
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(wrong, ex);
            }
        }
        return out;
    }

    /** {@code topic:partition=<value>,...} in the map's order, {@code value} formatting each. */
    static <V> String formatEntries(Map<TopicPartition, V> entries, Function<V, String> value) {
        StringBuilder text = new StringBuilder();
        entries.forEach(
                (tp, v) -> {
                    if (text.length() > 0) {
                        text.append(',');
                    }
                    text.append(tp.topic())
                            .append(':')
                            .append(tp.partition())
                            .append('=')
                            .append(value.apply(v));
                });
        return text.toString();
    }

    /** A plain copy (it travels in the job graph inside the source's offsets initializers). */
    public Map<TopicPartition, Long> asMap() {
        return new HashMap<>(offsets);
    }

    /** The offset for {@code tp}, or {@code null} if these positions do not know it. */
    public Long get(TopicPartition tp) {
        return offsets.get(tp);
    }

    public boolean isEmpty() {
        return offsets.isEmpty();
    }

    /** The smallest offset over all partitions, or 0 when empty. */
    public long min() {
        return offsets.values().stream().mapToLong(Long::longValue).min().orElse(0);
    }

    /**
     * Per partition the larger of the two offsets (a partition either knows): where a pipeline's
     * complete runs reach together, so an older run rerun late does not move it back.
     */
    public SourcePositions furthest(SourcePositions other) {
        Map<TopicPartition, Long> merged = new HashMap<>(offsets);
        other.offsets.forEach((tp, offset) -> merged.merge(tp, offset, Math::max));
        return of(merged);
    }

    /** These positions without the partitions of {@code topics}. */
    public SourcePositions withoutTopics(java.util.Set<String> topics) {
        Map<TopicPartition, Long> kept = new HashMap<>(offsets);
        kept.keySet().removeIf(tp -> topics.contains(tp.topic()));
        return of(kept);
    }

    /** Records between {@code this} (start) and {@code end}, over the partitions of {@code end}. */
    public long countUntil(SourcePositions end) {
        long n = 0;
        for (Map.Entry<TopicPartition, Long> e : end.offsets.entrySet()) {
            n += Math.max(0, e.getValue() - offsets.getOrDefault(e.getKey(), e.getValue()));
        }
        return n;
    }

    /** Topic, then partition; serializable, since the positions travel in the job graph. */
    private static final class TopicPartitionOrder
            implements Comparator<TopicPartition>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public int compare(TopicPartition a, TopicPartition b) {
            int byTopic = a.topic().compareTo(b.topic());
            return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SourcePositions other && offsets.equals(other.offsets);
    }

    @Override
    public int hashCode() {
        return offsets.hashCode();
    }

    @Override
    public String toString() {
        return format();
    }
}
