package dev.batchscore.sql;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Flink's internal row values to the JSON-like values the models module scores ({@code Number},
 * {@code Boolean}, {@code String}, nested {@code List}s), and model outputs back to internal values
 * of the OUTPUT column's type. The types were checked at planning ({@link ModelSchemaCheck}).
 */
final class RowConversion {
    private RowConversion() {}

    /** An input value for the models module; null stays null (the scorer rejects it). */
    static Object toRecordValue(Object internal, LogicalType type) {
        if (internal == null) {
            return null;
        }
        if (internal instanceof StringData s) {
            return s.toString();
        }
        if (internal instanceof ArrayData array) {
            LogicalType elementType = ((ArrayType) type).getElementType();
            ArrayData.ElementGetter getter = ArrayData.createElementGetter(elementType);
            List<Object> list = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                list.add(toRecordValue(getter.getElementOrNull(array, i), elementType));
            }
            return list;
        }
        return internal; // Byte, Short, Integer, Long, Float, Double, Boolean
    }

    /**
     * A model output (boxed scalar or flattened primitive array) as the column's internal value.
     */
    static Object toInternal(Object value, LogicalType type) {
        if (value == null) {
            return null;
        }
        if (type instanceof ArrayType array) {
            return toArray(value, array.getElementType());
        }
        if (value.getClass().isArray()) {
            // unknown-rank output declared as a scalar column: a row of one value
            if (java.lang.reflect.Array.getLength(value) != 1) {
                throw new IllegalStateException(
                        "output has "
                                + java.lang.reflect.Array.getLength(value)
                                + " values per row but its column is "
                                + type.asSummaryString());
            }
            value = java.lang.reflect.Array.get(value, 0);
        }
        return scalar(value, type);
    }

    private static Object scalar(Object value, LogicalType type) {
        return switch (type.getTypeRoot()) {
            case FLOAT -> ((Number) value).floatValue();
            case DOUBLE -> ((Number) value).doubleValue();
            case INTEGER -> ((Number) value).intValue();
            case BIGINT -> ((Number) value).longValue();
            case BOOLEAN -> (Boolean) value;
            case CHAR, VARCHAR -> StringData.fromString(String.valueOf(value));
            default ->
                    throw new IllegalStateException(
                            "no conversion to "
                                    + type.asSummaryString()
                                    + " (checked at planning)");
        };
    }

    private static ArrayData toArray(Object value, LogicalType elementType) {
        if (!value.getClass().isArray()) {
            value = new Object[] {value};
        }
        int n = java.lang.reflect.Array.getLength(value);
        Object[] out = new Object[n];
        for (int i = 0; i < n; i++) {
            out[i] = scalar(java.lang.reflect.Array.get(value, i), elementType);
        }
        return new GenericArrayData(out);
    }
}
