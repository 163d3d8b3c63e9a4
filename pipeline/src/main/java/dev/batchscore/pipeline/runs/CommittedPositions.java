package dev.batchscore.pipeline.runs;

import dev.batchscore.operators.ScoredRows;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.common.TopicPartition;

/**
 * The positions of a run's range that its pipeline already committed (rows or dead letters), as one
 * sorted {@code long[]} per partition: what a rerun must not read again. Compact enough to travel
 * in the job graph: 8 bytes per committed record of the range.
 */
public final class CommittedPositions implements Serializable {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, HashMap<Integer, long[]>> offsets;
    private final long size;

    private CommittedPositions(HashMap<String, HashMap<Integer, long[]>> offsets, long size) {
        this.offsets = offsets;
        this.size = size;
    }

    public static CommittedPositions none() {
        return new CommittedPositions(new HashMap<>(), 0);
    }

    /**
     * Scans {@code tables} (the scored and the errors table) for rows of {@code pipelineId} inside
     * [{@code start}, {@code end}) per partition, reading only the three position columns; files
     * outside the range are pruned by their column bounds.
     */
    public static CommittedPositions scan(
            String pipelineId, SourcePositions start, SourcePositions end, Table... tables) {
        Map<TopicPartition, long[]> buffers = new HashMap<>();
        Map<TopicPartition, Integer> counts = new HashMap<>();
        for (Table table : tables) {
            if (table == null) {
                continue;
            }
            table.refresh();
            try (CloseableIterable<Record> rows =
                    IcebergGenerics.read(table)
                            .select(
                                    ScoredRows.SOURCE_TOPIC,
                                    ScoredRows.SOURCE_PARTITION,
                                    ScoredRows.SOURCE_OFFSET)
                            .where(
                                    Expressions.and(
                                            Expressions.equal(ScoredRows.PIPELINE_ID, pipelineId),
                                            Expressions.greaterThanOrEqual(
                                                    ScoredRows.SOURCE_OFFSET, start.min())))
                            .build()) {
                for (Record row : rows) {
                    TopicPartition tp =
                            new TopicPartition(
                                    (String) row.getField(ScoredRows.SOURCE_TOPIC),
                                    (Integer) row.getField(ScoredRows.SOURCE_PARTITION));
                    long offset = (Long) row.getField(ScoredRows.SOURCE_OFFSET);
                    Long from = start.get(tp);
                    Long until = end.get(tp);
                    if (from == null || until == null || offset < from || offset >= until) {
                        continue;
                    }
                    long[] buf = buffers.computeIfAbsent(tp, k -> new long[16]);
                    int n = counts.getOrDefault(tp, 0);
                    if (n == buf.length) {
                        buf = Arrays.copyOf(buf, n * 2);
                        buffers.put(tp, buf);
                    }
                    buf[n] = offset;
                    counts.put(tp, n + 1);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading committed positions of " + table, e);
            }
        }
        HashMap<String, HashMap<Integer, long[]>> out = new HashMap<>();
        long size = 0;
        for (Map.Entry<TopicPartition, long[]> e : buffers.entrySet()) {
            long[] sorted = Arrays.copyOf(e.getValue(), counts.get(e.getKey()));
            Arrays.sort(sorted);
            // A position is in both tables only if something went wrong before; count it once.
            int distinct = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (i == 0 || sorted[i] != sorted[i - 1]) {
                    sorted[distinct++] = sorted[i];
                }
            }
            long[] unique = Arrays.copyOf(sorted, distinct);
            size += unique.length;
            out.computeIfAbsent(e.getKey().topic(), t -> new HashMap<>())
                    .put(e.getKey().partition(), unique);
        }
        return new CommittedPositions(out, size);
    }

    public boolean contains(String topic, int partition, long offset) {
        HashMap<Integer, long[]> byPartition = offsets.get(topic);
        if (byPartition == null) {
            return false;
        }
        long[] sorted = byPartition.get(partition);
        return sorted != null && Arrays.binarySearch(sorted, offset) >= 0;
    }

    /** The number of committed positions held. */
    public long size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public String toString() {
        return size + " committed positions";
    }
}
