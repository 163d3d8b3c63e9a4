package dev.batchscore.models.internal;

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
        Object[] out = new Object[rows];
        DataType dt = TfTypes.baseType(t.dataType());
        switch (TfTypes.dtype(dt)) {
            case FLOAT:
                {
                    float[] all = new float[total];
                    ((TFloat32) t).copyTo(DataBuffers.of(all, false, false));
                    for (int r = 0; r < rows; r++) {
                        out[r] =
                                scalar
                                        ? (Object) all[r]
                                        : java.util.Arrays.copyOfRange(all, r * per, (r + 1) * per);
                    }
                    return out;
                }
            case DOUBLE:
                {
                    double[] all = new double[total];
                    ((TFloat64) t).copyTo(DataBuffers.of(all, false, false));
                    for (int r = 0; r < rows; r++) {
                        out[r] =
                                scalar
                                        ? (Object) all[r]
                                        : java.util.Arrays.copyOfRange(all, r * per, (r + 1) * per);
                    }
                    return out;
                }
            case INT32:
                {
                    int[] all = new int[total];
                    ((TInt32) t).copyTo(DataBuffers.of(all, false, false));
                    for (int r = 0; r < rows; r++) {
                        out[r] =
                                scalar
                                        ? (Object) all[r]
                                        : java.util.Arrays.copyOfRange(all, r * per, (r + 1) * per);
                    }
                    return out;
                }
            case INT64:
                {
                    long[] all = new long[total];
                    ((TInt64) t).copyTo(DataBuffers.of(all, false, false));
                    for (int r = 0; r < rows; r++) {
                        out[r] =
                                scalar
                                        ? (Object) all[r]
                                        : java.util.Arrays.copyOfRange(all, r * per, (r + 1) * per);
                    }
                    return out;
                }
            case BOOL:
                {
                    boolean[] all = new boolean[total];
                    ((TBool) t).copyTo(DataBuffers.of(all, false, false));
                    for (int r = 0; r < rows; r++) {
                        out[r] =
                                scalar
                                        ? (Object) all[r]
                                        : java.util.Arrays.copyOfRange(all, r * per, (r + 1) * per);
                    }
                    return out;
                }
            case STRING:
                {
                    String[] all = new String[total];
                    ((TString) t).copyTo(DataBuffers.ofObjects(all));
                    for (int r = 0; r < rows; r++) {
                        out[r] =
                                scalar
                                        ? (Object) all[r]
                                        : java.util.Arrays.copyOfRange(all, r * per, (r + 1) * per);
                    }
                    return out;
                }
            default:
                throw new IllegalStateException(
                        "output '"
                                + key
                                + "' is "
                                + t.dataType()
                                + ", which batchscore"
                                + " cannot decode");
        }
    }
}
