package dev.batchscore.models.internal;

import java.lang.reflect.Array;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Splits an output tensor into per-row values, as {@link dev.batchscore.models.ScoreResult}
 * describes.
 */
final class OutputDecoder {
    private OutputDecoder() {}

    /**
     * Thrown when an output has no batch dimension matching the rows fed: the batch is not usable.
     */
    static final class NoBatchDimension extends RuntimeException {
        NoBatchDimension(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * @param rows how many rows were fed
     * @return one value per row
     */
    static Object[] decode(String key, Tensor t, int rows) {
        long[] shape = t.shape().asArray();
        long[] rowShape;
        if (shape.length >= 1 && shape[0] == rows) {
            rowShape = java.util.Arrays.copyOfRange(shape, 1, shape.length);
        } else if (rows == 1) {
            rowShape = shape;
        } else {
            throw new NoBatchDimension(
                    "output '"
                            + key
                            + "' has shape "
                            + TfTypes.shapeString(shape)
                            + ", which has no batch dimension of "
                            + rows);
        }
        int per = Math.toIntExact(ValueReader.product(rowShape));
        boolean scalar = rowShape.length == 0 || (rowShape.length == 1 && rowShape[0] == 1);
        int total = Math.toIntExact(ValueReader.product(shape));
        Object all = copyOut(key, t, total);
        Object[] out = new Object[rows];
        if (scalar) {
            box(all, out);
        } else {
            for (int r = 0; r < rows; r++) {
                out[r] = slice(all, r * per, per);
            }
        }
        return out;
    }

    /**
     * The first {@code out.length} values of {@code all}, boxed as {@code Array.get} boxes them but
     * without its reflective call per row.
     */
    private static void box(Object all, Object[] out) {
        if (all instanceof float[] f) {
            for (int r = 0; r < out.length; r++) {
                out[r] = f[r];
            }
        } else if (all instanceof double[] d) {
            for (int r = 0; r < out.length; r++) {
                out[r] = d[r];
            }
        } else if (all instanceof int[] i) {
            for (int r = 0; r < out.length; r++) {
                out[r] = i[r];
            }
        } else if (all instanceof long[] l) {
            for (int r = 0; r < out.length; r++) {
                out[r] = l[r];
            }
        } else if (all instanceof boolean[] b) {
            for (int r = 0; r < out.length; r++) {
                out[r] = b[r];
            }
        } else {
            System.arraycopy(all, 0, out, 0, out.length); // String[]
        }
    }

    /** The whole tensor as one primitive array ({@code float[]} ...) or {@code String[]}. */
    private static Object copyOut(String key, Tensor t, int total) {
        DataType dt = TfTypes.baseType(t.dataType());
        switch (TfTypes.dtype(dt)) {
            case FLOAT:
                float[] floats = new float[total];
                ((TFloat32) t).copyTo(DataBuffers.of(floats, false, false));
                return floats;
            case DOUBLE:
                double[] doubles = new double[total];
                ((TFloat64) t).copyTo(DataBuffers.of(doubles, false, false));
                return doubles;
            case INT32:
                int[] ints = new int[total];
                ((TInt32) t).copyTo(DataBuffers.of(ints, false, false));
                return ints;
            case INT64:
                long[] longs = new long[total];
                ((TInt64) t).copyTo(DataBuffers.of(longs, false, false));
                return longs;
            case BOOL:
                boolean[] bools = new boolean[total];
                ((TBool) t).copyTo(DataBuffers.of(bools, false, false));
                return bools;
            case STRING:
                String[] strings = new String[total];
                ((TString) t).copyTo(DataBuffers.ofObjects(strings));
                return strings;
            default:
                throw new IllegalStateException(
                        "output '"
                                + key
                                + "' is "
                                + t.dataType()
                                + ", which batchscore cannot decode");
        }
    }

    /** One row's values, row-major, as an array of the same element type. */
    private static Object slice(Object all, int from, int length) {
        Object row = Array.newInstance(all.getClass().getComponentType(), length);
        System.arraycopy(all, from, row, 0, length);
        return row;
    }
}
