package dev.batchscore.operators.internal;

import java.util.function.Function;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Converts model outputs into Flink's internal row data, as {@code ScoreResult} gives them (boxed
 * scalars, flattened primitive arrays, {@code String[]}).
 */
public final class Columns {
    private Columns() {}

    /**
     * A converter from a model output value to the internal value of a column of type {@code type}.
     * It throws {@link IllegalArgumentException} naming the output when the value does not fit,
     * which means the model does not match the spec it was validated against.
     */
    public static Function<Object, Object> outputConverter(String outputKey, LogicalType type) {
        if (type instanceof ArrayType) {
            LogicalType element = ((ArrayType) type).getElementType();
            return value -> toArray(outputKey, element, value);
        }
        return value -> toScalar(outputKey, type, value);
    }

    private static Object toScalar(String key, LogicalType type, Object value) {
        if (value == null) {
            return null;
        }
        Object v = value;
        if (v.getClass().isArray()) {
            if (java.lang.reflect.Array.getLength(v) != 1) {
                throw mismatch(key, type, value);
            }
            v = java.lang.reflect.Array.get(v, 0);
        }
        switch (type.getTypeRoot()) {
            case FLOAT:
                if (v instanceof Float) {
                    return v;
                }
                break;
            case DOUBLE:
                if (v instanceof Double || v instanceof Float) {
                    return ((Number) v).doubleValue();
                }
                break;
            case INTEGER:
                if (v instanceof Integer) {
                    return v;
                }
                break;
            case BIGINT:
                if (v instanceof Long || v instanceof Integer) {
                    return ((Number) v).longValue();
                }
                break;
            case BOOLEAN:
                if (v instanceof Boolean) {
                    return v;
                }
                break;
            case VARCHAR:
            case CHAR:
                if (v instanceof String) {
                    return StringData.fromString((String) v);
                }
                if (v instanceof byte[]) {
                    return StringData.fromBytes((byte[]) v);
                }
                break;
            default:
                break;
        }
        throw mismatch(key, type, value);
    }

    private static Object toArray(String key, LogicalType element, Object value) {
        if (value == null) {
            return null;
        }
        switch (element.getTypeRoot()) {
            case FLOAT:
                if (value instanceof float[]) {
                    return new GenericArrayData((float[]) value);
                }
                break;
            case DOUBLE:
                if (value instanceof double[]) {
                    return new GenericArrayData((double[]) value);
                }
                break;
            case INTEGER:
                if (value instanceof int[]) {
                    return new GenericArrayData((int[]) value);
                }
                break;
            case BIGINT:
                if (value instanceof long[]) {
                    return new GenericArrayData((long[]) value);
                }
                break;
            case BOOLEAN:
                if (value instanceof boolean[]) {
                    return new GenericArrayData((boolean[]) value);
                }
                break;
            case VARCHAR:
            case CHAR:
                if (value instanceof String[]) {
                    String[] strings = (String[]) value;
                    StringData[] data = new StringData[strings.length];
                    for (int i = 0; i < strings.length; i++) {
                        data[i] = StringData.fromString(strings[i]);
                    }
                    return new GenericArrayData(data);
                }
                break;
            default:
                break;
        }
        // A row of one element may come back as a boxed scalar (per-row shape [1] at run time).
        if (!value.getClass().isArray()) {
            Object scalar = toScalar(key, element, value);
            return new GenericArrayData(new Object[] {scalar});
        }
        throw mismatch(key, new ArrayType(element), value);
    }

    private static IllegalArgumentException mismatch(String key, LogicalType type, Object value) {
        String seen =
                value.getClass().isArray()
                        ? value.getClass().getComponentType().getSimpleName()
                                + "["
                                + java.lang.reflect.Array.getLength(value)
                                + "]"
                        : value.getClass().getSimpleName() + " " + value;
        return new IllegalArgumentException(
                "model output '"
                        + key
                        + "' gave "
                        + seen
                        + " for column type "
                        + type
                        + "; the model does not match the outputs the job was validated with");
    }
}
