package dev.batchscore.pipeline.iceberg;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.iceberg.FieldMetrics;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.BytesInput;
import org.apache.iceberg.shaded.org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.iceberg.shaded.org.apache.parquet.column.ColumnDescriptor;
import org.apache.iceberg.shaded.org.apache.parquet.column.Encoding;
import org.apache.iceberg.shaded.org.apache.parquet.column.page.DictionaryPage;
import org.apache.iceberg.shaded.org.apache.parquet.column.statistics.Statistics;
import org.apache.iceberg.shaded.org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.iceberg.shaded.org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.iceberg.shaded.org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.iceberg.shaded.org.apache.parquet.schema.PrimitiveType;

/**
 * One flat column of a {@link ParquetAppender}'s file: it buffers a page of values in a primitive
 * array, and at the page's end encodes it in one pass (statistics, PLAIN or dictionary, definition
 * levels), compresses it and keeps it until the row group is written.
 *
 * <p>A column whose first page holds one value only (a run's {@code _run_id}, {@code _model}, its
 * topic) gets a one-entry dictionary, and each later page that holds that value only is a run of
 * zeros: nothing is hashed, compared or copied per row, which is where Parquet's own column writer
 * spends most of a scored row (docs/performance.md section 16). Every other page is PLAIN, which is
 * what Parquet falls back to for the unique columns (offsets, ids, scores) after its first page.
 */
abstract class ParquetColumn {
    /** The row's field position in the Flink row type. */
    final int pos;

    final ColumnDescriptor descriptor;
    final PrimitiveType type;
    private final boolean optional;
    private final int fieldId;

    /** This page: row count, which rows are null, how many. */
    int size;

    private boolean[] nulls = new boolean[0];
    private int nullCount;

    /** The chunk's one-entry dictionary (its first page's only value), or null. */
    private byte[] dictionary;

    private boolean firstPage = true;
    private final List<Page> pages = new ArrayList<>();
    private long chunkValues;

    /** Iceberg's metrics for float and double columns: NaN count and bounds without NaN. */
    long valueCount;

    long nanCount;
    long fileNulls;

    ParquetColumn(int pos, ColumnDescriptor descriptor, int fieldId) {
        this.pos = pos;
        this.descriptor = descriptor;
        this.type = descriptor.getPrimitiveType();
        this.optional = descriptor.getMaxDefinitionLevel() > 0;
        this.fieldId = fieldId;
    }

    /** The column for {@code logical} at {@code pos} of the row, or null if it is not supported. */
    static ParquetColumn of(
            LogicalType logical, int pos, ColumnDescriptor descriptor, int fieldId, int rows) {
        switch (logical.getTypeRoot()) {
            case BOOLEAN:
                return new BooleanColumn(pos, descriptor, fieldId, rows);
            case INTEGER:
            case DATE:
                return new IntColumn(pos, descriptor, fieldId, rows);
            case BIGINT:
                return new LongColumn(pos, descriptor, fieldId, rows, -1);
            case TIMESTAMP_WITHOUT_TIME_ZONE:
                return new LongColumn(
                        pos, descriptor, fieldId, rows, ((TimestampType) logical).getPrecision());
            case TIMESTAMP_WITH_LOCAL_TIME_ZONE:
                return new LongColumn(
                        pos,
                        descriptor,
                        fieldId,
                        rows,
                        ((LocalZonedTimestampType) logical).getPrecision());
            case FLOAT:
                return new FloatColumn(pos, descriptor, fieldId, rows);
            case DOUBLE:
                return new DoubleColumn(pos, descriptor, fieldId, rows);
            case CHAR:
            case VARCHAR:
                return new StringColumn(pos, descriptor, fieldId, rows);
            default:
                return null;
        }
    }

    /** Adds the row's value (or null) to this page. */
    final void add(RowData row) {
        if (optional) {
            if (nulls.length == size) {
                nulls = Arrays.copyOf(nulls, Math.max(16, size * 2));
            }
            if (row.isNullAt(pos)) {
                nulls[size++] = true;
                nullCount++;
                return;
            }
            nulls[size] = false;
        }
        addValue(row, size++);
    }

    /** Adds the non-null value at row {@code index} of this page. */
    abstract void addValue(RowData row, int index);

    /** This page's non-null values in PLAIN encoding, in row order. */
    abstract BytesInput plain() throws IOException;

    /** Whether this page's non-null values are one value; its PLAIN bytes then, else null. */
    abstract byte[] onlyValue();

    /**
     * This page's statistics, without its null count: parquet-java's own for primitive values (its
     * rules for NaN and signed zeros; a call per value costs little beside a page's encoding).
     * Called once a page, at its end: float and double columns count the page into {@link
     * #fieldMetrics} here.
     */
    abstract Statistics<?> stats();

    /** Forgets what this column keeps of the page just written, beyond its rows and nulls. */
    void startPage() {}

    /** Bytes this page holds so far, for the page and file size checks. */
    abstract long bufferedBytes();

    /** Iceberg's own bounds for float and double columns, or null for the footer's. */
    FieldMetrics<?> fieldMetrics() {
        return null;
    }

    final int fieldId() {
        return fieldId;
    }

    /** Encodes and compresses this page, and starts the next one. */
    final void endPage(BytesInputCompressor compressor) throws IOException {
        int values = size - nullCount;
        byte[] only = values > 0 ? onlyValue() : null;
        if (firstPage && only != null) {
            dictionary = only;
        }
        firstPage = false;
        BytesInput data;
        Encoding encoding;
        if (values > 0 && dictionary != null && only != null && Arrays.equals(only, dictionary)) {
            // RLE of index 0 at bit width 0: the bit width, then one run of all values
            data =
                    BytesInput.concat(
                            BytesInput.from(new byte[] {0}),
                            BytesInput.fromUnsignedVarInt(values << 1));
            encoding = Encoding.PLAIN_DICTIONARY;
        } else {
            data = plain();
            encoding = Encoding.PLAIN;
        }
        BytesInput levels = optional ? definitionLevels() : BytesInput.empty();
        BytesInput page = BytesInput.concat(levels, data);
        Statistics<?> stats = stats();
        stats.incrementNumNulls(nullCount);
        long uncompressed = page.size();
        byte[] compressed = compressor.compress(page).toByteArray();
        pages.add(new Page(compressed, (int) uncompressed, size, stats, encoding));
        chunkValues += size;
        valueCount += size;
        fileNulls += nullCount;
        size = 0;
        nullCount = 0;
        startPage();
    }

    /** Bytes of the compressed pages this row group holds so far. */
    final long chunkBytes() {
        long bytes = 0;
        for (Page page : pages) {
            bytes += page.bytes.length;
        }
        return bytes;
    }

    /** Writes this row group's pages as the column's chunk. */
    final void writeChunk(ParquetFileWriter file, BytesInputCompressor compressor)
            throws IOException {
        file.startColumn(descriptor, chunkValues, compressor.getCodecName());
        if (dictionary != null) {
            BytesInput plain = BytesInput.from(dictionary);
            file.writeDictionaryPage(
                    new DictionaryPage(
                            BytesInput.from(compressor.compress(plain).toByteArray()),
                            (int) plain.size(),
                            1,
                            Encoding.PLAIN_DICTIONARY));
        }
        for (Page page : pages) {
            file.writeDataPage(
                    page.values,
                    page.uncompressed,
                    BytesInput.from(page.bytes),
                    page.stats,
                    page.values,
                    Encoding.BIT_PACKED,
                    optional ? Encoding.RLE : Encoding.BIT_PACKED,
                    page.encoding);
        }
        file.endColumn();
        pages.clear();
        chunkValues = 0;
        dictionary = null;
        firstPage = true;
    }

    /** The page's definition levels (1 value, 0 null), RLE and bit-packed, length first. */
    private BytesInput definitionLevels() throws IOException {
        byte[] bytes;
        if (nullCount == 0) {
            // one run of ones: its header, then the value in one byte
            BytesInput run =
                    BytesInput.concat(
                            BytesInput.fromUnsignedVarInt(size << 1),
                            BytesInput.from(new byte[] {1}));
            bytes = run.toByteArray();
        } else {
            try (RunLengthBitPackingHybridEncoder encoder =
                    new RunLengthBitPackingHybridEncoder(
                            1, 64, 64 * 1024, HeapByteBufferAllocator.getInstance())) {
                for (int i = 0; i < size; i++) {
                    encoder.writeInt(nulls[i] ? 0 : 1);
                }
                bytes = encoder.toBytes().toByteArray();
            }
        }
        return BytesInput.concat(BytesInput.fromInt(bytes.length), BytesInput.from(bytes));
    }

    private record Page(
            byte[] bytes, int uncompressed, int values, Statistics<?> stats, Encoding encoding) {}

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    static final class BooleanColumn extends ParquetColumn {
        private boolean[] values;

        BooleanColumn(int pos, ColumnDescriptor descriptor, int fieldId, int rows) {
            super(pos, descriptor, fieldId);
            values = new boolean[rows];
        }

        @Override
        void addValue(RowData row, int index) {
            if (index == values.length) {
                values = Arrays.copyOf(values, index * 2);
            }
            values[index] = row.getBoolean(pos);
        }

        private int count(boolean which) {
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (!isNull(i) && values[i] == which) {
                    n++;
                }
            }
            return n;
        }

        @Override
        BytesInput plain() {
            byte[] bits = new byte[(size + 7) / 8];
            int n = 0;
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    if (values[i]) {
                        bits[n >>> 3] |= (byte) (1 << (n & 7));
                    }
                    n++;
                }
            }
            return BytesInput.from(bits, 0, (n + 7) / 8);
        }

        @Override
        byte[] onlyValue() {
            int trues = count(true);
            int falses = count(false);
            return trues == 0 ? new byte[] {0} : falses == 0 ? new byte[] {1} : null;
        }

        @Override
        Statistics<?> stats() {
            Statistics<?> stats = Statistics.createStats(type);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    stats.updateStats(values[i]);
                }
            }
            return stats;
        }

        @Override
        long bufferedBytes() {
            return size / 8;
        }
    }

    /** Whether row {@code i} of this page is null. */
    final boolean isNull(int i) {
        return nullCount > 0 && nulls[i];
    }

    static final class IntColumn extends ParquetColumn {
        private int[] values;

        IntColumn(int pos, ColumnDescriptor descriptor, int fieldId, int rows) {
            super(pos, descriptor, fieldId);
            values = new int[rows];
        }

        @Override
        void addValue(RowData row, int index) {
            if (index == values.length) {
                values = Arrays.copyOf(values, index * 2);
            }
            values[index] = row.getInt(pos);
        }

        @Override
        BytesInput plain() {
            ByteBuffer out = le(size * 4);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    out.putInt(values[i]);
                }
            }
            return BytesInput.from(out.array(), 0, out.position());
        }

        @Override
        byte[] onlyValue() {
            int first = -1;
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    if (first < 0) {
                        first = i;
                    } else if (values[i] != values[first]) {
                        return null;
                    }
                }
            }
            return le(4).putInt(values[first]).array();
        }

        @Override
        Statistics<?> stats() {
            Statistics<?> stats = Statistics.createStats(type);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    stats.updateStats(values[i]);
                }
            }
            return stats;
        }

        @Override
        long bufferedBytes() {
            return size * 4L;
        }
    }

    static final class LongColumn extends ParquetColumn {
        private long[] values;

        /** A timestamp's precision (stored as microseconds, as Iceberg does), or -1. */
        private final int precision;

        LongColumn(int pos, ColumnDescriptor descriptor, int fieldId, int rows, int precision) {
            super(pos, descriptor, fieldId);
            values = new long[rows];
            this.precision = precision;
        }

        @Override
        void addValue(RowData row, int index) {
            if (index == values.length) {
                values = Arrays.copyOf(values, index * 2);
            }
            if (precision < 0) {
                values[index] = row.getLong(pos);
            } else {
                TimestampData ts = row.getTimestamp(pos, precision);
                values[index] = ts.getMillisecond() * 1000 + ts.getNanoOfMillisecond() / 1000;
            }
        }

        @Override
        BytesInput plain() {
            ByteBuffer out = le(size * 8);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    out.putLong(values[i]);
                }
            }
            return BytesInput.from(out.array(), 0, out.position());
        }

        @Override
        byte[] onlyValue() {
            int first = -1;
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    if (first < 0) {
                        first = i;
                    } else if (values[i] != values[first]) {
                        return null;
                    }
                }
            }
            return le(8).putLong(values[first]).array();
        }

        @Override
        Statistics<?> stats() {
            Statistics<?> stats = Statistics.createStats(type);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    stats.updateStats(values[i]);
                }
            }
            return stats;
        }

        @Override
        long bufferedBytes() {
            return size * 8L;
        }
    }

    /**
     * Floats: Iceberg's bounds (without NaN) and NaN count come from {@link #fieldMetrics}, as its
     * own writer gives them; the page statistics are parquet-java's.
     */
    static final class FloatColumn extends ParquetColumn {
        private float[] values;
        private Float lower;
        private Float upper;

        FloatColumn(int pos, ColumnDescriptor descriptor, int fieldId, int rows) {
            super(pos, descriptor, fieldId);
            values = new float[rows];
        }

        @Override
        void addValue(RowData row, int index) {
            if (index == values.length) {
                values = Arrays.copyOf(values, index * 2);
            }
            values[index] = row.getFloat(pos);
        }

        @Override
        BytesInput plain() {
            ByteBuffer out = le(size * 4);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    out.putFloat(values[i]);
                }
            }
            return BytesInput.from(out.array(), 0, out.position());
        }

        @Override
        byte[] onlyValue() {
            int first = -1;
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    if (first < 0) {
                        first = i;
                    } else if (Float.floatToRawIntBits(values[i])
                            != Float.floatToRawIntBits(values[first])) {
                        return null;
                    }
                }
            }
            return le(4).putFloat(values[first]).array();
        }

        @Override
        Statistics<?> stats() {
            Statistics<?> stats = Statistics.createStats(type);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    float v = values[i];
                    stats.updateStats(v);
                    if (Float.isNaN(v)) {
                        nanCount++;
                    } else {
                        lower = lower == null || Float.compare(v, lower) < 0 ? v : lower;
                        upper = upper == null || Float.compare(v, upper) > 0 ? v : upper;
                    }
                }
            }
            return stats;
        }

        @Override
        FieldMetrics<?> fieldMetrics() {
            return new FieldMetrics<>(fieldId(), valueCount, fileNulls, nanCount, lower, upper);
        }

        @Override
        long bufferedBytes() {
            return size * 4L;
        }
    }

    /** Doubles, as {@link FloatColumn}. */
    static final class DoubleColumn extends ParquetColumn {
        private double[] values;
        private Double lower;
        private Double upper;

        DoubleColumn(int pos, ColumnDescriptor descriptor, int fieldId, int rows) {
            super(pos, descriptor, fieldId);
            values = new double[rows];
        }

        @Override
        void addValue(RowData row, int index) {
            if (index == values.length) {
                values = Arrays.copyOf(values, index * 2);
            }
            values[index] = row.getDouble(pos);
        }

        @Override
        BytesInput plain() {
            ByteBuffer out = le(size * 8);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    out.putDouble(values[i]);
                }
            }
            return BytesInput.from(out.array(), 0, out.position());
        }

        @Override
        byte[] onlyValue() {
            int first = -1;
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    if (first < 0) {
                        first = i;
                    } else if (Double.doubleToRawLongBits(values[i])
                            != Double.doubleToRawLongBits(values[first])) {
                        return null;
                    }
                }
            }
            return le(8).putDouble(values[first]).array();
        }

        @Override
        Statistics<?> stats() {
            Statistics<?> stats = Statistics.createStats(type);
            for (int i = 0; i < size; i++) {
                if (!isNull(i)) {
                    double v = values[i];
                    stats.updateStats(v);
                    if (Double.isNaN(v)) {
                        nanCount++;
                    } else {
                        lower = lower == null || Double.compare(v, lower) < 0 ? v : lower;
                        upper = upper == null || Double.compare(v, upper) > 0 ? v : upper;
                    }
                }
            }
            return stats;
        }

        @Override
        FieldMetrics<?> fieldMetrics() {
            return new FieldMetrics<>(fieldId(), valueCount, fileNulls, nanCount, lower, upper);
        }

        @Override
        long bufferedBytes() {
            return size * 8L;
        }
    }

    /**
     * Strings. While every value of the page is the first one (the same array, as a constant
     * column's {@code StringData} gives each row, or equal bytes), only the count grows; the first
     * other value writes the run so far as PLAIN and the page goes on in PLAIN.
     */
    static final class StringColumn extends ParquetColumn {
        private byte[] plain = new byte[64 * 1024];
        private int length;
        private byte[] first;
        private int firstRun;
        private boolean only = true;
        private byte[] min;
        private byte[] max;

        StringColumn(int pos, ColumnDescriptor descriptor, int fieldId, int rows) {
            super(pos, descriptor, fieldId);
        }

        @Override
        void addValue(RowData row, int index) {
            byte[] value = row.getString(pos).toBytes();
            if (only) {
                if (first == null) {
                    first = value;
                    min = value;
                    max = value;
                    firstRun = 1;
                    return;
                }
                if (value == first || Arrays.equals(value, first)) {
                    firstRun++;
                    return;
                }
                only = false;
                for (int i = 0; i < firstRun; i++) {
                    append(first);
                }
            }
            append(value);
            if (Arrays.compareUnsigned(value, min) < 0) {
                min = value.clone();
            } else if (Arrays.compareUnsigned(value, max) > 0) {
                max = value.clone();
            }
        }

        private void append(byte[] value) {
            int n = value.length;
            if (length + 4 + n > plain.length) {
                plain = Arrays.copyOf(plain, Math.max(plain.length * 2, length + 4 + n));
            }
            plain[length] = (byte) n;
            plain[length + 1] = (byte) (n >>> 8);
            plain[length + 2] = (byte) (n >>> 16);
            plain[length + 3] = (byte) (n >>> 24);
            System.arraycopy(value, 0, plain, length + 4, n);
            length += 4 + n;
        }

        @Override
        BytesInput plain() {
            if (only) {
                for (int i = 0; i < firstRun; i++) {
                    append(first);
                }
            }
            return BytesInput.from(plain, 0, length);
        }

        @Override
        byte[] onlyValue() {
            if (!only) {
                return null;
            }
            byte[] entry = new byte[4 + first.length];
            le(4).putInt(first.length).flip().get(entry, 0, 4);
            System.arraycopy(first, 0, entry, 4, first.length);
            return entry;
        }

        /** Byte comparisons of our own: parquet-java's wrap each value in a {@code Binary}. */
        @Override
        Statistics<?> stats() {
            Statistics.Builder builder = Statistics.getBuilderForReading(type).withNumNulls(0);
            if (first != null) {
                builder.withMin(min).withMax(max);
            }
            return builder.build();
        }

        @Override
        void startPage() {
            first = null;
            firstRun = 0;
            only = true;
            min = null;
            max = null;
            length = 0;
        }

        @Override
        long bufferedBytes() {
            return length + (first == null ? 0 : (long) first.length * firstRun);
        }
    }
}
