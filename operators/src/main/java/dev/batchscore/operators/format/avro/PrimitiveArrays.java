package dev.batchscore.operators.format.avro;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.io.Decoder;

/**
 * Reads an Avro array of float, double, int, long or boolean into a {@code float[]}, {@code
 * double[]}, ... (a new one per record, exactly sized), which the model runtime takes without
 * boxing: the hot path of a vector input. Scratch buffers are reused across records, so one
 * instance serves one reader (one thread). Both the direct and the resolving reader use it.
 */
final class PrimitiveArrays {
    private float[] floats = new float[64];
    private double[] doubles = new double[64];
    private int[] ints = new int[64];
    private long[] longs = new long[64];
    private boolean[] booleans = new boolean[64];

    /** The length of the value being read: no array can have more elements. */
    int maxElements = Integer.MAX_VALUE;

    /** Whether arrays of {@code element} are read here. */
    static boolean applies(Schema element) {
        if (element.getLogicalType() != null) {
            return false;
        }
        return switch (element.getType()) {
            case FLOAT, DOUBLE, INT, LONG, BOOLEAN -> true;
            default -> false;
        };
    }

    /** The array of {@code element}s ({@link #applies}) {@code in} holds next. */
    Object read(Schema.Type element, Decoder in) throws IOException {
        int n = 0;
        switch (element) {
            case FLOAT:
                for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                    int end = count(n, l);
                    if (end > floats.length) {
                        floats = Arrays.copyOf(floats, Math.max(end, floats.length * 2));
                    }
                    for (; n < end; n++) {
                        floats[n] = in.readFloat();
                    }
                }
                return Arrays.copyOf(floats, n);
            case DOUBLE:
                for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                    int end = count(n, l);
                    if (end > doubles.length) {
                        doubles = Arrays.copyOf(doubles, Math.max(end, doubles.length * 2));
                    }
                    for (; n < end; n++) {
                        doubles[n] = in.readDouble();
                    }
                }
                return Arrays.copyOf(doubles, n);
            case INT:
                for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                    int end = count(n, l);
                    if (end > ints.length) {
                        ints = Arrays.copyOf(ints, Math.max(end, ints.length * 2));
                    }
                    for (; n < end; n++) {
                        ints[n] = in.readInt();
                    }
                }
                return Arrays.copyOf(ints, n);
            case LONG:
                for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                    int end = count(n, l);
                    if (end > longs.length) {
                        longs = Arrays.copyOf(longs, Math.max(end, longs.length * 2));
                    }
                    for (; n < end; n++) {
                        longs[n] = in.readLong();
                    }
                }
                return Arrays.copyOf(longs, n);
            case BOOLEAN:
                for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                    int end = count(n, l);
                    if (end > booleans.length) {
                        booleans = Arrays.copyOf(booleans, Math.max(end, booleans.length * 2));
                    }
                    for (; n < end; n++) {
                        booleans[n] = in.readBoolean();
                    }
                }
                return Arrays.copyOf(booleans, n);
            default:
                throw new IllegalArgumentException("not a primitive array element: " + element);
        }
    }

    /** {@code n + l}, or EOF when the value is too short to hold that many elements. */
    int count(int n, long l) throws EOFException {
        if (l > maxElements - (long) n) {
            throw new EOFException("an array of " + (n + l) + " elements");
        }
        return (int) (n + l);
    }
}
