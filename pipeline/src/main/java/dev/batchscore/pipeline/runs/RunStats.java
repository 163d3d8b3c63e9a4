package dev.batchscore.pipeline.runs;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.datasketches.kll.KllDoublesSketch;
import org.apache.datasketches.memory.Memory;
import org.apache.datasketches.quantilescommon.QuantileSearchCriteria;

/**
 * What a run's operators saw, in a form that merges across subtasks and checkpoints: records read,
 * scored and dead-lettered, the Kafka timestamps of the oldest and newest record read, and per
 * output column a KLL quantile sketch (Apache DataSketches) with the column's sum for the mean.
 *
 * <p>The operators that count ({@link SkipCommitted}, {@link RunStatsOperator}) send deltas: what
 * they saw since the last checkpoint barrier, emitted just before it. The {@link RunMarker} merges
 * them and keeps the total in its state, so after a restore from a checkpoint the statistics agree
 * with the records the restored job reads again: counted exactly once, like the rows.
 */
public final class RunStats {
    /** KLL's accuracy parameter: about 1.3% rank error, a few kilobytes per column. */
    public static final int K = 200;

    /** The quantiles the runs table keeps per output column, and the PSI bins' edges. */
    public static final double[] RANKS = {0.01, 0.05, 0.25, 0.50, 0.75, 0.95, 0.99};

    private long read;
    private long scored;
    private long deadLettered;
    private long oldest = Long.MAX_VALUE;
    private long newest = Long.MIN_VALUE;
    private final Map<String, Column> columns = new TreeMap<>();

    /** One output column: its sketch and the sum of its values (KLL keeps no sum). */
    public static final class Column {
        private final KllDoublesSketch sketch;
        private double sum;

        Column(KllDoublesSketch sketch, double sum) {
            this.sketch = sketch;
            this.sum = sum;
        }

        public long count() {
            return sketch.getN();
        }

        public double mean() {
            return sketch.isEmpty() ? Double.NaN : sum / sketch.getN();
        }

        public double min() {
            return sketch.isEmpty() ? Double.NaN : sketch.getMinItem();
        }

        public double max() {
            return sketch.isEmpty() ? Double.NaN : sketch.getMaxItem();
        }

        /** The values at {@link #RANKS}. */
        public double[] quantiles() {
            if (sketch.isEmpty()) {
                double[] nan = new double[RANKS.length];
                java.util.Arrays.fill(nan, Double.NaN);
                return nan;
            }
            return sketch.getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE);
        }

        public KllDoublesSketch sketch() {
            return sketch;
        }

        public byte[] sketchBytes() {
            return sketch.toByteArray();
        }
    }

    public void addRead(long timestampMillis) {
        read++;
        oldest = Math.min(oldest, timestampMillis);
        newest = Math.max(newest, timestampMillis);
    }

    public void addScored() {
        scored++;
    }

    public void addDeadLettered() {
        deadLettered++;
    }

    /** Adds one value of output column {@code name}; NaN is left out of its statistics. */
    public void addValue(String name, double value) {
        if (Double.isNaN(value)) {
            return;
        }
        Column c =
                columns.computeIfAbsent(
                        name, n -> new Column(KllDoublesSketch.newHeapInstance(K), 0));
        c.sketch.update(value);
        c.sum += value;
    }

    public void merge(RunStats other) {
        read += other.read;
        scored += other.scored;
        deadLettered += other.deadLettered;
        oldest = Math.min(oldest, other.oldest);
        newest = Math.max(newest, other.newest);
        for (Map.Entry<String, Column> e : other.columns.entrySet()) {
            Column mine = columns.get(e.getKey());
            if (mine == null) {
                columns.put(
                        e.getKey(),
                        new Column(
                                KllDoublesSketch.heapify(
                                        Memory.wrap(e.getValue().sketch.toByteArray())),
                                e.getValue().sum));
            } else {
                mine.sketch.merge(e.getValue().sketch);
                mine.sum += e.getValue().sum;
            }
        }
    }

    public boolean isEmpty() {
        return read == 0 && scored == 0 && deadLettered == 0 && columns.isEmpty();
    }

    public long read() {
        return read;
    }

    public long scored() {
        return scored;
    }

    public long deadLettered() {
        return deadLettered;
    }

    /** The Kafka timestamp of the oldest record read, or null when none was read. */
    public Long oldestTimestamp() {
        return oldest == Long.MAX_VALUE ? null : oldest;
    }

    /** The Kafka timestamp of the newest record read, or null when none was read. */
    public Long newestTimestamp() {
        return newest == Long.MIN_VALUE ? null : newest;
    }

    public Map<String, Column> columns() {
        return columns;
    }

    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1); // format version
            out.writeLong(read);
            out.writeLong(scored);
            out.writeLong(deadLettered);
            out.writeLong(oldest);
            out.writeLong(newest);
            out.writeInt(columns.size());
            for (Map.Entry<String, Column> e : columns.entrySet()) {
                out.writeUTF(e.getKey());
                out.writeDouble(e.getValue().sum);
                byte[] sketch = e.getValue().sketch.toByteArray();
                out.writeInt(sketch.length);
                out.write(sketch);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static RunStats fromBytes(byte[] data) {
        RunStats s = new RunStats();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
            int version = in.readByte();
            if (version != 1) {
                throw new IllegalStateException("unknown run statistics format " + version);
            }
            s.read = in.readLong();
            s.scored = in.readLong();
            s.deadLettered = in.readLong();
            s.oldest = in.readLong();
            s.newest = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                double sum = in.readDouble();
                byte[] sketch = new byte[in.readInt()];
                in.readFully(sketch);
                s.columns.put(name, new Column(KllDoublesSketch.heapify(Memory.wrap(sketch)), sum));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return s;
    }

    /**
     * The population stability index of {@code actual} against {@code expected} over the bins that
     * {@code expected}'s quantiles at {@link #RANKS} cut: {@code sum((a - e) * ln(a / e))}, each
     * share floored at 1e-4 so an empty bin does not make it infinite. 0 for identical
     * distributions; above 0.2 is commonly read as a significant shift. NaN when either is empty.
     */
    public static double psi(KllDoublesSketch expected, KllDoublesSketch actual) {
        if (expected.isEmpty() || actual.isEmpty()) {
            return Double.NaN;
        }
        double[] cuts = expected.getQuantiles(RANKS, QuantileSearchCriteria.INCLUSIVE);
        double[] splits = java.util.Arrays.stream(cuts).distinct().sorted().toArray();
        double[] e = expected.getPMF(splits, QuantileSearchCriteria.INCLUSIVE);
        double[] a = actual.getPMF(splits, QuantileSearchCriteria.INCLUSIVE);
        double psi = 0;
        for (int i = 0; i < e.length; i++) {
            double ei = Math.max(e[i], 1e-4);
            double ai = Math.max(a[i], 1e-4);
            psi += (ai - ei) * Math.log(ai / ei);
        }
        return psi;
    }
}
