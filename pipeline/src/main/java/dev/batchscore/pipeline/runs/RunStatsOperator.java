package dev.batchscore.pipeline.runs;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;

/**
 * Counts the rows going to one of the job's tables and, for the scored table, sketches every
 * numeric scalar output column ({@link RunStats}); sends what it saw since the last barrier to the
 * {@link RunMarker} just before each checkpoint barrier and at the end of input. A branch beside
 * the Iceberg sink, so the scoring operator stays as it is.
 */
public final class RunStatsOperator extends AbstractStreamOperator<byte[]>
        implements OneInputStreamOperator<RowData, byte[]> {
    private static final long serialVersionUID = 1L;

    /** The type of the deltas the counting operators send to the run marker. */
    public static final TypeInformation<byte[]> TYPE =
            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO;

    public static final String SCORED_UID = "run-stats-scored";
    public static final String ERRORS_UID = "run-stats-errors";

    private final boolean errors;
    private final String[] names;
    private final int[] positions;
    private final LogicalType[] types;

    private transient RunStats delta;

    private RunStatsOperator(boolean errors, String[] names, int[] positions, LogicalType[] types) {
        this.errors = errors;
        this.names = names;
        this.positions = positions;
        this.types = types;
    }

    /**
     * Counts scored rows and sketches their numeric scalar columns in {@code rowType} that are
     * neither metadata ({@code _...}) nor in {@code passthrough}.
     */
    public static RunStatsOperator scored(RowType rowType, java.util.Set<String> passthrough) {
        List<String> names = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        List<LogicalType> types = new ArrayList<>();
        for (int i = 0; i < rowType.getFieldCount(); i++) {
            String name = rowType.getFieldNames().get(i);
            LogicalType type = rowType.getTypeAt(i);
            if (name.startsWith("_") || passthrough.contains(name) || !isNumeric(type)) {
                continue;
            }
            names.add(name);
            positions.add(i);
            types.add(type);
        }
        return new RunStatsOperator(
                false,
                names.toArray(String[]::new),
                positions.stream().mapToInt(Integer::intValue).toArray(),
                types.toArray(LogicalType[]::new));
    }

    /** Counts dead-lettered rows. */
    public static RunStatsOperator errors() {
        return new RunStatsOperator(true, new String[0], new int[0], new LogicalType[0]);
    }

    /** The output columns this operator sketches. */
    public List<String> columns() {
        return List.of(names);
    }

    static boolean isNumeric(LogicalType type) {
        return switch (type.getTypeRoot()) {
            case TINYINT, SMALLINT, INTEGER, BIGINT, FLOAT, DOUBLE, DECIMAL -> true;
            default -> false;
        };
    }

    @Override
    public void open() throws Exception {
        super.open();
        delta = new RunStats();
    }

    @Override
    public void processElement(StreamRecord<RowData> element) {
        RowData row = element.getValue();
        if (errors) {
            delta.addDeadLettered();
            return;
        }
        delta.addScored();
        for (int i = 0; i < positions.length; i++) {
            int p = positions[i];
            if (row.isNullAt(p)) {
                continue;
            }
            delta.addValue(names[i], value(row, p, types[i]));
        }
    }

    private static double value(RowData row, int p, LogicalType type) {
        return switch (type.getTypeRoot()) {
            case TINYINT -> row.getByte(p);
            case SMALLINT -> row.getShort(p);
            case INTEGER -> row.getInt(p);
            case BIGINT -> row.getLong(p);
            case FLOAT -> row.getFloat(p);
            case DOUBLE -> row.getDouble(p);
            case DECIMAL -> {
                var d = (org.apache.flink.table.types.logical.DecimalType) type;
                yield row.getDecimal(p, d.getPrecision(), d.getScale())
                        .toBigDecimal()
                        .doubleValue();
            }
            default -> Double.NaN;
        };
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) {
        flush();
    }

    @Override
    public void finish() throws Exception {
        flush();
        super.finish();
    }

    private void flush() {
        if (!delta.isEmpty()) {
            output.collect(new StreamRecord<>(delta.toBytes()));
            delta = new RunStats();
        }
    }
}
