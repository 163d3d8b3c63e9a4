package dev.batchscore.models.internal;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;

/** Maps TensorFlow's protobuf types onto batchscore's API types. */
public final class TfTypes {
    private TfTypes() {}

    /**
     * Reference dtypes ({@code DT_FLOAT_REF}, what TF1 variables hand out) carry values of their
     * base type when fetched, so they decode like it.
     */
    public static DType dtype(DataType raw) {
        switch (baseType(raw)) {
            case DT_FLOAT:
                return DType.FLOAT;
            case DT_DOUBLE:
                return DType.DOUBLE;
            case DT_INT32:
                return DType.INT32;
            case DT_INT64:
                return DType.INT64;
            case DT_BOOL:
                return DType.BOOL;
            case DT_STRING:
                return DType.STRING;
            default:
                return DType.UNSUPPORTED;
        }
    }

    /** {@code DT_FLOAT_REF} to {@code DT_FLOAT}; other types unchanged. */
    public static DataType baseType(DataType raw) {
        if (raw == null || raw == DataType.UNRECOGNIZED) {
            return DataType.DT_INVALID;
        }
        int n = raw.getNumber();
        // TensorFlow numbers every _REF type as its base type + 100.
        if (n > 100) {
            DataType base = DataType.forNumber(n - 100);
            return base == null ? raw : base;
        }
        return raw;
    }

    public static String rawName(DataType raw) {
        return raw == null || raw == DataType.UNRECOGNIZED ? "DT_INVALID" : raw.name();
    }

    /** The declared shape, {@code null} when the rank is unknown or no shape was recorded. */
    public static List<Long> shape(TensorInfo info) {
        if (!info.hasTensorShape()) {
            return null;
        }
        return shape(info.getTensorShape());
    }

    public static List<Long> shape(TensorShapeProto proto) {
        if (proto.getUnknownRank()) {
            return null;
        }
        List<Long> dims = new ArrayList<>(proto.getDimCount());
        for (TensorShapeProto.Dim d : proto.getDimList()) {
            dims.add(d.getSize() < 0 ? -1L : d.getSize());
        }
        return Collections.unmodifiableList(dims);
    }

    public static TensorSpec spec(String key, TensorInfo info) {
        String name = info.hasName() ? info.getName() : "";
        return new TensorSpec(
                key, name, dtype(info.getDtype()), rawName(info.getDtype()), shape(info));
    }

    /** {@code [-1,28,28,1]}, or {@code ?} for unknown rank. */
    public static String shapeString(List<Long> shape) {
        if (shape == null) {
            return "?";
        }
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.size(); i++) {
            sb.append(i == 0 ? "" : ",").append(shape.get(i));
        }
        return sb.append(']').toString();
    }

    public static String shapeString(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ",").append(shape[i]);
        }
        return sb.append(']').toString();
    }

    public static String rawName(DType dtype) {
        return dtype == DType.UNSUPPORTED ? "DT_INVALID" : "DT_" + dtype.name();
    }

    /** The op name of a tensor name: {@code y:0} to {@code y}, {@code ^init} to {@code init}. */
    public static String opName(String tensorName) {
        String n = tensorName.startsWith("^") ? tensorName.substring(1) : tensorName;
        int colon = n.lastIndexOf(':');
        if (colon > 0
                && colon < n.length() - 1
                && n.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            return n.substring(0, colon);
        }
        return n;
    }

    /**
     * The first line of a TensorFlow error, which names the problem; the rest is a stack of nodes.
     */
    public static String firstLine(String message) {
        if (message == null) {
            return "(no message)";
        }
        String m = message.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }
}
