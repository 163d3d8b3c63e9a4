package dev.batchscore.operators.format.tfexample;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.VarCharType;
import org.tensorflow.proto.Feature;

/**
 * How a feature fills a passthrough column: a STRING, BIGINT, FLOAT, DOUBLE or BOOLEAN column, or
 * an ARRAY of one of them. A value that does not fit the column's type is null (as the JSON format
 * does), except that a STRING column takes anything as text.
 *
 * @param leaf the column's (or its elements') type
 * @param array whether the column is an ARRAY
 */
record PassthroughColumn(LogicalTypeRoot leaf, boolean array) implements Serializable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The column type inferred for a feature list of this kind. */
    static LogicalType inferred(Feature.KindCase kind, boolean many) {
        LogicalType leaf =
                switch (kind) {
                    case INT64_LIST -> new BigIntType();
                    case FLOAT_LIST -> new FloatType();
                    default -> new VarCharType(VarCharType.MAX_LENGTH);
                };
        return many ? new ArrayType(leaf) : leaf;
    }

    /** How {@code type} is filled, or null when a feature cannot fill it. */
    static PassthroughColumn of(LogicalType type) {
        boolean array = type.getTypeRoot() == LogicalTypeRoot.ARRAY;
        LogicalType leaf = array ? ((ArrayType) type).getElementType() : type;
        return switch (leaf.getTypeRoot()) {
            case VARCHAR, BIGINT, FLOAT, DOUBLE, BOOLEAN ->
                    new PassthroughColumn(leaf.getTypeRoot(), array);
            default -> null;
        };
    }

    /** The column's value in Flink's internal structures; null for a missing feature. */
    Object value(Feature feature) {
        if (feature == null) {
            return null;
        }
        int n = ExampleValues.size(feature);
        if (array) {
            Object[] out = new Object[n];
            for (int i = 0; i < n; i++) {
                out[i] = element(feature, i);
                if (out[i] == null) {
                    return null;
                }
            }
            return new GenericArrayData(out);
        }
        if (n == 1) {
            return element(feature, 0);
        }
        if (n > 1 && leaf == LogicalTypeRoot.VARCHAR) {
            try {
                return StringData.fromString(
                        JSON.writeValueAsString(ExampleValues.forDisplay(feature)));
            } catch (JsonProcessingException e) {
                return null; // lists of numbers and strings always serialize
            }
        }
        return null;
    }

    private Object element(Feature f, int i) {
        switch (f.getKindCase()) {
            case INT64_LIST:
                {
                    long v = f.getInt64List().getValue(i);
                    return switch (leaf) {
                        case VARCHAR -> StringData.fromString(Long.toString(v));
                        case BIGINT -> v;
                        case FLOAT -> (float) v;
                        case DOUBLE -> (double) v;
                        case BOOLEAN -> v == 0 ? Boolean.FALSE : v == 1 ? Boolean.TRUE : null;
                        default -> null;
                    };
                }
            case FLOAT_LIST:
                {
                    float v = f.getFloatList().getValue(i);
                    return switch (leaf) {
                        case VARCHAR -> StringData.fromString(Float.toString(v));
                        case FLOAT -> v;
                        case DOUBLE -> (double) v;
                        default -> null;
                    };
                }
            case BYTES_LIST:
                {
                    String v = f.getBytesList().getValue(i).toString(StandardCharsets.UTF_8);
                    return switch (leaf) {
                        case VARCHAR -> StringData.fromString(v);
                        case BOOLEAN ->
                                "true".equals(v)
                                        ? Boolean.TRUE
                                        : "false".equals(v) ? Boolean.FALSE : null;
                        default -> null;
                    };
                }
            default:
                return null;
        }
    }
}
