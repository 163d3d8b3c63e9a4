package dev.batchscore.operators;

import java.io.Serializable;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of Kafka source positions (topic, partition, offset), held per partition as sorted,
 * disjoint {@code [from, until)} offset ranges: memory and serialized size follow the number of
 * gaps, not the number of positions (20 million contiguous positions are one range, 16 bytes).
 * Immutable and serializable, since it travels in the job graph; {@link #contains} is a binary
 * search.
 *
 * <pre>{@code
 * PositionSet.Builder b = PositionSet.builder();
 * b.add("reviews", 0, 41);   // any order, duplicates allowed
 * PositionSet committed = b.build();
 * committed.contains("reviews", 0, 41);   // true
 * }</pre>
 */
public final class PositionSet implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final PositionSet EMPTY = new PositionSet(new HashMap<>(), 0, 0);

    private final HashMap<String, HashMap<Integer, Ranges>> byTopic;
    private final long size;
    private final int rangeCount;

    private PositionSet(
            HashMap<String, HashMap<Integer, Ranges>> byTopic, long size, int rangeCount) {
        this.byTopic = byTopic;
        this.size = size;
        this.rangeCount = rangeCount;
    }

    public static PositionSet empty() {
        return EMPTY;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean contains(String topic, int partition, long offset) {
        HashMap<Integer, Ranges> byPartition = byTopic.get(topic);
        if (byPartition == null) {
            return false;
        }
        Ranges ranges = byPartition.get(partition);
        return ranges != null && ranges.contains(offset);
    }

    /** The number of positions held. */
    public long size() {
        return size;
    }

    /** The number of {@code [from, until)} ranges held, over all partitions. */
    public int rangeCount() {
        return rangeCount;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    @Override
    public String toString() {
        return size + " positions in " + rangeCount + " ranges";
    }

    /** One partition's ranges: {@code from} ascending, {@code until[i] < from[i + 1]}. */
    private static final class Ranges implements Serializable {
        private static final long serialVersionUID = 1L;

        private final long[] from;
        private final long[] until;

        Ranges(long[] from, long[] until) {
            this.from = from;
            this.until = until;
        }

        boolean contains(long offset) {
            int i = Arrays.binarySearch(from, offset);
            if (i >= 0) {
                return true;
            }
            int before = -i - 2; // the last range starting below offset
            return before >= 0 && offset < until[before];
        }
    }

    /**
     * Collects positions in any order (rows come from data files in no order, and bucketed batching
     * interleaves offsets) into a bitset per partition, paged in blocks of {@value #PAGE_OFFSETS}
     * offsets (8 KiB each) allocated as offsets arrive, so no range has to be declared up front and
     * the scan costs about one bit per offset of the span it touches. {@link #build} compresses the
     * bits into ranges. Not thread-safe.
     */
    public static final class Builder {
        private static final int PAGE_SHIFT = 16;
        static final int PAGE_OFFSETS = 1 << PAGE_SHIFT;
        private static final int PAGE_WORDS = PAGE_OFFSETS / 64;

        private final Map<String, Map<Integer, Map<Long, long[]>>> pages = new HashMap<>();

        // Rows of one file mostly share a partition: skip two map look-ups per row for them.
        private String lastTopic;
        private int lastPartition;
        private Map<Long, long[]> lastPages;

        private Builder() {}

        public Builder add(String topic, int partition, long offset) {
            if (offset < 0) {
                throw new IllegalArgumentException(
                        "offset " + offset + " of " + topic + "-" + partition + " is negative");
            }
            Map<Long, long[]> partitionPages;
            if (lastPages != null && partition == lastPartition && topic.equals(lastTopic)) {
                partitionPages = lastPages;
            } else {
                partitionPages =
                        pages.computeIfAbsent(topic, t -> new HashMap<>())
                                .computeIfAbsent(partition, p -> new HashMap<>());
                lastTopic = topic;
                lastPartition = partition;
                lastPages = partitionPages;
            }
            long[] page =
                    partitionPages.computeIfAbsent(
                            offset >>> PAGE_SHIFT, k -> new long[PAGE_WORDS]);
            int bit = (int) (offset & (PAGE_OFFSETS - 1));
            page[bit >>> 6] |= 1L << (bit & 63);
            return this;
        }

        public PositionSet build() {
            HashMap<String, HashMap<Integer, Ranges>> out = new HashMap<>();
            long size = 0;
            int rangeCount = 0;
            for (Map.Entry<String, Map<Integer, Map<Long, long[]>>> topic : pages.entrySet()) {
                for (Map.Entry<Integer, Map<Long, long[]>> partition :
                        topic.getValue().entrySet()) {
                    LongList from = new LongList();
                    LongList until = new LongList();
                    for (Map.Entry<Long, long[]> page :
                            new TreeMap<>(partition.getValue()).entrySet()) {
                        long base = page.getKey() << PAGE_SHIFT;
                        BitSet bits = BitSet.valueOf(page.getValue());
                        int set = bits.nextSetBit(0);
                        while (set >= 0) {
                            int clear = bits.nextClearBit(set);
                            long start = base + set;
                            long end = base + clear;
                            if (until.size() > 0 && until.last() == start) {
                                until.setLast(end); // a range that goes on in the next page
                            } else {
                                from.add(start);
                                until.add(end);
                            }
                            size += clear - set;
                            set = clear < PAGE_OFFSETS ? bits.nextSetBit(clear) : -1;
                        }
                    }
                    if (from.size() > 0) {
                        rangeCount += from.size();
                        out.computeIfAbsent(topic.getKey(), t -> new HashMap<>())
                                .put(
                                        partition.getKey(),
                                        new Ranges(from.toArray(), until.toArray()));
                    }
                }
            }
            return size == 0 ? EMPTY : new PositionSet(out, size, rangeCount);
        }
    }

    /** A growable {@code long[]}. */
    private static final class LongList {
        private long[] values = new long[8];
        private int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        int size() {
            return size;
        }

        long last() {
            return values[size - 1];
        }

        void setLast(long v) {
            values[size - 1] = v;
        }

        long[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
