package dev.batchscore.models.internal;

import dev.batchscore.models.DType;
import java.util.List;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/** Concatenates rows into one tensor. */
final class Tensors {
    private Tensors() {}

    static Tensor of(DType dtype, long[] shape, List<RowValue> rows) {
        int total = 0;
        for (RowValue r : rows) {
            total += Math.toIntExact(r.count());
        }
        Shape s = Shape.of(shape);
        switch (dtype) {
            case FLOAT:
                {
                    float[] all =
                            rows.size() == 1 ? (float[]) rows.get(0).data() : new float[total];
                    if (rows.size() > 1) {
                        int at = 0;
                        for (RowValue r : rows) {
                            float[] d = (float[]) r.data();
                            System.arraycopy(d, 0, all, at, d.length);
                            at += d.length;
                        }
                    }
                    return TFloat32.tensorOf(s, DataBuffers.of(all, true, false));
                }
            case DOUBLE:
                {
                    double[] all = new double[total];
                    int at = 0;
                    for (RowValue r : rows) {
                        double[] d = (double[]) r.data();
                        System.arraycopy(d, 0, all, at, d.length);
                        at += d.length;
                    }
                    return TFloat64.tensorOf(s, DataBuffers.of(all, true, false));
                }
            case INT32:
                {
                    int[] all = new int[total];
                    int at = 0;
                    for (RowValue r : rows) {
                        int[] d = (int[]) r.data();
                        System.arraycopy(d, 0, all, at, d.length);
                        at += d.length;
                    }
                    return TInt32.tensorOf(s, DataBuffers.of(all, true, false));
                }
            case INT64:
                {
                    long[] all = new long[total];
                    int at = 0;
                    for (RowValue r : rows) {
                        long[] d = (long[]) r.data();
                        System.arraycopy(d, 0, all, at, d.length);
                        at += d.length;
                    }
                    return TInt64.tensorOf(s, DataBuffers.of(all, true, false));
                }
            case BOOL:
                {
                    boolean[] all = new boolean[total];
                    int at = 0;
                    for (RowValue r : rows) {
                        boolean[] d = (boolean[]) r.data();
                        System.arraycopy(d, 0, all, at, d.length);
                        at += d.length;
                    }
                    return TBool.tensorOf(s, DataBuffers.of(all, true, false));
                }
            case STRING:
                {
                    byte[][] all = new byte[total][];
                    int at = 0;
                    for (RowValue r : rows) {
                        byte[][] d = (byte[][]) r.data();
                        System.arraycopy(d, 0, all, at, d.length);
                        at += d.length;
                    }
                    return TString.tensorOfBytes(s, DataBuffers.ofObjects(all));
                }
            default:
                throw new IllegalArgumentException("cannot build a tensor of " + dtype);
        }
    }

    static long[] prepend(long n, long[] shape) {
        long[] out = new long[shape.length + 1];
        out[0] = n;
        System.arraycopy(shape, 0, out, 1, shape.length);
        return out;
    }
}
