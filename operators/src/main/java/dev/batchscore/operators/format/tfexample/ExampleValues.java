package dev.batchscore.operators.format.tfexample;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.Feature;

/** What a {@code tf.Example} feature holds, as the model runtime and messages take it. */
final class ExampleValues {
    private ExampleValues() {}

    /** The list a feature holds: {@code bytes_list}, {@code float_list} or {@code int64_list}. */
    static String kind(Feature feature) {
        return switch (feature.getKindCase()) {
            case BYTES_LIST -> "bytes_list";
            case FLOAT_LIST -> "float_list";
            case INT64_LIST -> "int64_list";
            default -> "no list";
        };
    }

    static int size(Feature feature) {
        return switch (feature.getKindCase()) {
            case BYTES_LIST -> feature.getBytesList().getValueCount();
            case FLOAT_LIST -> feature.getFloatList().getValueCount();
            case INT64_LIST -> feature.getInt64List().getValueCount();
            default -> 0;
        };
    }

    /**
     * Whether a feature's list can feed {@code dtype} when the format decodes the Example: numbers
     * feed number inputs (a float_list no integer one), bytes feed strings, and int64 0/1 feed
     * booleans (tf.Example has no bool list). When the model parses the Example itself ({@code
     * strict}), ParseExample takes only float_list for DT_FLOAT, int64_list for DT_INT64 and
     * bytes_list for DT_STRING.
     */
    static boolean fits(Feature feature, DType dtype, boolean strict) {
        return switch (feature.getKindCase()) {
            case FLOAT_LIST -> dtype == DType.FLOAT || (!strict && dtype == DType.DOUBLE);
            case INT64_LIST ->
                    dtype == DType.INT64
                            || (!strict
                                    && (dtype == DType.INT32
                                            || dtype == DType.FLOAT
                                            || dtype == DType.DOUBLE
                                            || dtype == DType.BOOL));
            case BYTES_LIST -> dtype == DType.STRING;
            default -> true;
        };
    }

    /** What a model field of this dtype needs, for messages and {@code inspect}. */
    static String wanted(DType dtype, boolean strict) {
        if (strict) {
            return switch (dtype) {
                case FLOAT -> "float_list";
                case INT64 -> "int64_list";
                default -> "bytes_list";
            };
        }
        return switch (dtype) {
            case FLOAT, DOUBLE -> "float_list or int64_list";
            case INT32, INT64 -> "int64_list";
            case BOOL -> "int64_list of 0/1";
            default -> "bytes_list";
        };
    }

    /**
     * The value a model field gets: a primitive array (or a list of {@code byte[]}/strings), or one
     * boxed value when the field is scalar-shaped and the list holds exactly one; a list of another
     * length stays a list, so the model runtime names its length in the message.
     */
    static Object forModel(Feature feature, FieldSpec field) {
        boolean scalar = field.rowShape().isEmpty();
        switch (feature.getKindCase()) {
            case FLOAT_LIST:
                {
                    int n = feature.getFloatList().getValueCount();
                    if (scalar && n == 1) {
                        return feature.getFloatList().getValue(0);
                    }
                    float[] out = new float[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = feature.getFloatList().getValue(i);
                    }
                    return out;
                }
            case INT64_LIST:
                {
                    int n = feature.getInt64List().getValueCount();
                    if (field.dtype() == DType.BOOL) {
                        List<Object> out = new ArrayList<>(n);
                        for (int i = 0; i < n; i++) {
                            long v = feature.getInt64List().getValue(i);
                            // 0/1 are the convention for booleans; anything else stays a number
                            // and the model runtime says so.
                            out.add(v == 0 ? Boolean.FALSE : v == 1 ? Boolean.TRUE : (Object) v);
                        }
                        return scalar && n == 1 ? out.get(0) : out;
                    }
                    if (scalar && n == 1) {
                        return feature.getInt64List().getValue(0);
                    }
                    long[] out = new long[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = feature.getInt64List().getValue(i);
                    }
                    return out;
                }
            case BYTES_LIST:
                {
                    int n = feature.getBytesList().getValueCount();
                    boolean bytes = field.dtype() == DType.STRING;
                    List<Object> out = new ArrayList<>(n);
                    for (int i = 0; i < n; i++) {
                        com.google.protobuf.ByteString b = feature.getBytesList().getValue(i);
                        // DT_STRING takes byte[] as it is: no UTF-8 round trip for binary values.
                        out.add(bytes ? b.toByteArray() : b.toStringUtf8());
                    }
                    return scalar && n == 1 ? out.get(0) : out;
                }
            default:
                return List.of();
        }
    }

    /** A feature as plain Java values: one value as itself, more as a list. */
    static Object forDisplay(Feature feature) {
        List<Object> out = new ArrayList<>();
        switch (feature.getKindCase()) {
            case FLOAT_LIST -> out.addAll(feature.getFloatList().getValueList());
            case INT64_LIST -> out.addAll(feature.getInt64List().getValueList());
            case BYTES_LIST ->
                    feature.getBytesList()
                            .getValueList()
                            .forEach(b -> out.add(b.toString(StandardCharsets.UTF_8)));
            default -> {}
        }
        return out.size() == 1 ? out.get(0) : out;
    }
}
