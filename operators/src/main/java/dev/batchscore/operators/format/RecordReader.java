package dev.batchscore.operators.format;

import java.util.Map;

/** Decodes record values for one task. Not thread-safe: each scoring subtask has its own. */
public interface RecordReader {

    /**
     * Decodes one Kafka record value.
     *
     * @param input filled with one entry per model field the record carries, keyed by the field's
     *     name, as {@code BatchScorer} takes them (numbers, booleans, strings, lists, primitive
     *     arrays); a field present but null is a null entry, a missing field no entry, so the model
     *     runtime can tell the two apart in its message
     * @param passthrough filled with each passthrough column's value in Flink's internal data
     *     structures ({@code StringData}, {@code Long}, {@code GenericRowData}, ...), in the order
     *     of the spec's passthrough list; null for a missing value
     * @throws DecodeException when the value cannot be read: its message is the dead-letter reason
     */
    void read(byte[] value, Map<String, Object> input, Object[] passthrough) throws DecodeException;
}
