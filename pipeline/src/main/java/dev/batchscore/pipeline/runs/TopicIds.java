package dev.batchscore.pipeline.runs;

import java.io.Serializable;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The Kafka topic id (a {@code Uuid}, new each time a topic is created) per topic name: what tells
 * a topic deleted and created again under the same name from the one a run read. Written to
 * snapshot summaries as {@code topic=id,topic=id} (topic names cannot contain '=' or ',').
 */
public final class TopicIds implements Serializable {
    private static final long serialVersionUID = 1L;

    private final TreeMap<String, String> ids;

    private TopicIds(Map<String, String> ids) {
        this.ids = new TreeMap<>(ids);
    }

    public static TopicIds of(Map<String, String> ids) {
        return new TopicIds(ids);
    }

    public static TopicIds empty() {
        return new TopicIds(Map.of());
    }

    /** Parses {@link #format()}; null or blank is empty (runs recorded before topic ids). */
    public static TopicIds parse(String text) {
        Map<String, String> ids = new TreeMap<>();
        if (text != null && !text.isBlank()) {
            for (String entry : text.split(",")) {
                int eq = entry.lastIndexOf('=');
                if (eq <= 0 || eq == entry.length() - 1) {
                    throw new IllegalArgumentException(
                            "topic id '" + entry.trim() + "' is not topic=id");
                }
                ids.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
            }
        }
        return new TopicIds(ids);
    }

    /** {@code topic=id,...} in topic order. */
    public String format() {
        StringBuilder text = new StringBuilder();
        ids.forEach(
                (topic, id) -> {
                    if (text.length() > 0) {
                        text.append(',');
                    }
                    text.append(topic).append('=').append(id);
                });
        return text.toString();
    }

    /** The id of {@code topic}, or null when unknown (not read, or recorded before topic ids). */
    public String get(String topic) {
        return ids.get(topic);
    }

    public boolean isEmpty() {
        return ids.isEmpty();
    }

    public Set<String> topics() {
        return new TreeSet<>(ids.keySet());
    }

    /**
     * The topics whose id here differs from {@code now}'s, each mapped to its id here (the old
     * one). A topic either side does not know is not a change: its identity is unknown.
     */
    public Map<String, String> changedIn(TopicIds now) {
        Map<String, String> changed = new TreeMap<>();
        ids.forEach(
                (topic, id) -> {
                    String current = now.get(topic);
                    if (current != null && !current.equals(id)) {
                        changed.put(topic, id);
                    }
                });
        return changed;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TopicIds other && ids.equals(other.ids);
    }

    @Override
    public int hashCode() {
        return ids.hashCode();
    }

    @Override
    public String toString() {
        return format();
    }
}
