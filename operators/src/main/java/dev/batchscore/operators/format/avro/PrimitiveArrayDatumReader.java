package dev.batchscore.operators.format.avro;

import java.io.IOException;
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

    private final PrimitiveArrays primitives = new PrimitiveArrays();

    /** The length of the value being read: no array can have more elements. */
    private int maxElements = Integer.MAX_VALUE;

    /** The length of the value about to be read: no string, bytes or array can be longer. */
    void maxElements(int length) {
        maxElements = length;
        primitives.maxElements = length;
    }

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
        if (PrimitiveArrays.applies(element)) {
            return primitives.read(element.getType(), in);
        }
        return super.readArray(old, expected, in);
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
