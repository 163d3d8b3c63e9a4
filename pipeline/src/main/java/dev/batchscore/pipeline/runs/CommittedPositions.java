package dev.batchscore.pipeline.runs;

import dev.batchscore.operators.PositionSet;
import dev.batchscore.operators.ScoredRows;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expression;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.common.TopicPartition;

/**
 * The positions of a run's range that its pipeline already committed (rows or dead letters): what a
 * rerun must not read again, and what the scoring stage must not score again when it restores
 * micro-batches from a savepoint. Held as a {@link PositionSet}, sorted disjoint offset ranges per
 * partition, so what travels in the job graph grows with the number of gaps in what was committed,
 * not with the number of committed records.
 */
public final class CommittedPositions implements Serializable {
    private static final long serialVersionUID = 2L;

    private final PositionSet positions;

    private CommittedPositions(PositionSet positions) {
        this.positions = positions;
    }

    public static CommittedPositions none() {
        return new CommittedPositions(PositionSet.empty());
    }

    /**
     * Scans {@code tables} (the scored and the errors table) for rows of {@code pipelineId} inside
     * [{@code start}, {@code end}) per partition, reading only the position and run id columns;
     * files outside the range are pruned by their column bounds.
     */
    public static CommittedPositions scan(
            String pipelineId, SourcePositions start, SourcePositions end, Table... tables) {
        return scan(pipelineId, start, end, Map.of(), tables);
    }

    /**
     * As above, but a row of a topic in {@code otherTopicRuns} written by one of the runs listed
     * for it does not count: those runs read another topic of that name (deleted and created again
     * since), whose offsets say nothing about the positions of the topic read now.
     */
    public static CommittedPositions scan(
            String pipelineId,
            SourcePositions start,
            SourcePositions end,
            Map<String, Set<String>> otherTopicRuns,
            Table... tables) {
        return read(
                new Collector(start, end, otherTopicRuns),
                Expressions.and(
                        Expressions.equal(ScoredRows.PIPELINE_ID, pipelineId),
                        Expressions.greaterThanOrEqual(ScoredRows.SOURCE_OFFSET, start.min())),
                tables);
    }

    /**
     * The positions run {@code runId} of {@code pipelineId} committed, wherever they are: for a run
     * whose range Kafka resolved when its job started ({@code latest}, {@code committed}, {@code
     * timestamp:}), which the client cannot scan by range, resumed from a savepoint or rerun.
     */
    public static CommittedPositions scanRun(String pipelineId, String runId, Table... tables) {
        return read(
                new Collector(null, null),
                Expressions.and(
                        Expressions.equal(ScoredRows.PIPELINE_ID, pipelineId),
                        Expressions.equal(ScoredRows.RUN_ID, runId)),
                tables);
    }

    /**
     * Reads only the position columns of the rows {@code where} selects, and their run id when the
     * collector tells rows apart by run (a recreated topic): a rerun of a large range reads
     * millions of rows here.
     */
    private static CommittedPositions read(Collector collector, Expression where, Table... tables) {
        List<String> columns =
                new ArrayList<>(
                        List.of(
                                ScoredRows.SOURCE_TOPIC,
                                ScoredRows.SOURCE_PARTITION,
                                ScoredRows.SOURCE_OFFSET));
        if (collector.needsRunIds()) {
            columns.add(ScoredRows.RUN_ID);
        }
        for (Table table : tables) {
            if (table == null) {
                continue;
            }
            table.refresh();
            try (CloseableIterable<Record> rows =
                    IcebergGenerics.read(table).select(columns).where(where).build()) {
                for (Record row : rows) {
                    collector.add(
                            (String) row.getField(ScoredRows.SOURCE_TOPIC),
                            (Integer) row.getField(ScoredRows.SOURCE_PARTITION),
                            (Long) row.getField(ScoredRows.SOURCE_OFFSET),
                            collector.needsRunIds()
                                    ? (String) row.getField(ScoredRows.RUN_ID)
                                    : null);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading committed positions of " + table, e);
            }
        }
        return collector.build();
    }

    public boolean contains(String topic, int partition, long offset) {
        return positions.contains(topic, partition, offset);
    }

    /** The number of committed positions held. */
    public long size() {
        return positions.size();
    }

    /** The number of offset ranges they make up. */
    public int rangeCount() {
        return positions.rangeCount();
    }

    public boolean isEmpty() {
        return positions.isEmpty();
    }

    /** The positions as the scoring stage takes them ({@code operators} cannot see this class). */
    public PositionSet positions() {
        return positions;
    }

    @Override
    public String toString() {
        return positions.size() + " committed positions in " + positions.rangeCount() + " ranges";
    }

    /**
     * What {@link #scan} does with each row it reads: keeps the positions inside the run's range,
     * or every position when there is none (a position in both tables, which only a past bug
     * leaves, counts once). Package-private so the size test feeds it the way the scan does.
     */
    static final class Collector {
        private final SourcePositions start;
        private final SourcePositions end;
        private final Map<String, Set<String>> otherTopicRuns;
        private final PositionSet.Builder builder = PositionSet.builder();

        // The range of the partition of the previous row: rows of one file mostly share it.
        private String lastTopic;
        private int lastPartition;
        private long from;
        private long until;
        private Set<String> ignoredRuns = Set.of();

        Collector(SourcePositions start, SourcePositions end) {
            this(start, end, Map.of());
        }

        Collector(
                SourcePositions start,
                SourcePositions end,
                Map<String, Set<String>> otherTopicRuns) {
            this.start = start;
            this.end = end;
            this.otherTopicRuns = otherTopicRuns;
        }

        /** Whether rows are told apart by the run that wrote them. */
        boolean needsRunIds() {
            return !otherTopicRuns.isEmpty();
        }

        void add(String topic, int partition, long offset) {
            add(topic, partition, offset, null);
        }

        void add(String topic, int partition, long offset, String runId) {
            if (start == null) {
                builder.add(topic, partition, offset);
                return;
            }
            if (partition != lastPartition || !topic.equals(lastTopic)) {
                TopicPartition tp = new TopicPartition(topic, partition);
                Long s = start.get(tp);
                Long e = end.get(tp);
                // A partition outside the run's range: an empty range drops its rows.
                from = s == null || e == null ? 0 : s;
                until = s == null || e == null ? 0 : e;
                lastTopic = topic;
                lastPartition = partition;
                ignoredRuns = otherTopicRuns.getOrDefault(topic, Set.of());
            }
            if (offset >= from
                    && offset < until
                    && (runId == null || !ignoredRuns.contains(runId))) {
                builder.add(topic, partition, offset);
            }
        }

        CommittedPositions build() {
            return new CommittedPositions(builder.build());
        }
    }
}
