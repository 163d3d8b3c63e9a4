package dev.batchscore.operators.format.avro;

import java.io.EOFException;
import java.io.IOException;
import java.util.Arrays;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.ResolvingDecoder;

/**
 * A {@link GenericDatumReader} that reads arrays of float, double, int, long and boolean straight
 * into {@code float[]}, {@code double[]}, ... (a new one per record, exactly sized), which the
 * model runtime takes without boxing: the hot path of a vector input. Avro's promotions (an int
 * written, a float read) still apply: the resolving decoder does them.
 *
 * <p>It also refuses an array longer than the value could hold (every element takes at least a
 * byte), so a corrupt length is a bad record, not a huge allocation.
 */
final class PrimitiveArrayDatumReader extends GenericDatumReader<GenericRecord> {
    private static final GenericData DATA = data();

    private float[] floats = new float[64];
    private double[] doubles = new double[64];
    private int[] ints = new int[64];
    private long[] longs = new long[64];
    private boolean[] booleans = new boolean[64];

    /** The length of the value being read: no array can have more elements. */
    int maxElements = Integer.MAX_VALUE;

    PrimitiveArrayDatumReader(Schema writer, Schema reader) {
        super(writer, reader, DATA);
    }

    private static GenericData data() {
        GenericData data = new GenericData();
        data.setFastReaderEnabled(false); // the fast reader would not call readArray
        return data;
    }

    @Override
    protected Object readArray(Object old, Schema expected, ResolvingDecoder in)
            throws IOException {
        Schema element = expected.getElementType();
        if (element.getLogicalType() != null) {
            return super.readArray(old, expected, in);
        }
        switch (element.getType()) {
            case FLOAT:
                {
                    int n = 0;
                    for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                        int end = grow(n, l);
                        if (end > floats.length) {
                            floats = Arrays.copyOf(floats, Math.max(end, floats.length * 2));
                        }
                        for (; n < end; n++) {
                            floats[n] = in.readFloat();
                        }
                    }
                    return Arrays.copyOf(floats, n);
                }
            case DOUBLE:
                {
                    int n = 0;
                    for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                        int end = grow(n, l);
                        if (end > doubles.length) {
                            doubles = Arrays.copyOf(doubles, Math.max(end, doubles.length * 2));
                        }
                        for (; n < end; n++) {
                            doubles[n] = in.readDouble();
                        }
                    }
                    return Arrays.copyOf(doubles, n);
                }
            case INT:
                {
                    int n = 0;
                    for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                        int end = grow(n, l);
                        if (end > ints.length) {
                            ints = Arrays.copyOf(ints, Math.max(end, ints.length * 2));
                        }
                        for (; n < end; n++) {
                            ints[n] = in.readInt();
                        }
                    }
                    return Arrays.copyOf(ints, n);
                }
            case LONG:
                {
                    int n = 0;
                    for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                        int end = grow(n, l);
                        if (end > longs.length) {
                            longs = Arrays.copyOf(longs, Math.max(end, longs.length * 2));
                        }
                        for (; n < end; n++) {
                            longs[n] = in.readLong();
                        }
                    }
                    return Arrays.copyOf(longs, n);
                }
            case BOOLEAN:
                {
                    int n = 0;
                    for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                        int end = grow(n, l);
                        if (end > booleans.length) {
                            booleans = Arrays.copyOf(booleans, Math.max(end, booleans.length * 2));
                        }
                        for (; n < end; n++) {
                            booleans[n] = in.readBoolean();
                        }
                    }
                    return Arrays.copyOf(booleans, n);
                }
            default:
                return super.readArray(old, expected, in);
        }
    }

    /** {@code n + l}, or EOF when the value is too short to hold that many elements. */
    private int grow(int n, long l) throws EOFException {
        if (l > maxElements - (long) n) {
            throw new EOFException("an array of " + (n + l) + " elements");
        }
        return (int) (n + l);
    }

    @Override
    protected Object newArray(Object old, int size, Schema schema) {
        if (size > maxElements) {
            throw new AvroRuntimeException("Malformed data. An array of " + size + " elements");
        }
        return super.newArray(old, size, schema);
    }

    @Override
    protected Object newMap(Object old, int size) {
        if (size > maxElements) {
            throw new AvroRuntimeException("Malformed data. A map of " + size + " entries");
        }
        return super.newMap(old, size);
    }
}
