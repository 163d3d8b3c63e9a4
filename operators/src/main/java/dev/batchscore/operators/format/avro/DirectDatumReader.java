package dev.batchscore.operators.format.avro;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.util.Utf8;

/**
 * Reads values written with the schema they are read as, straight from the {@link BinaryDecoder}:
 * the common case ({@code avro}, and {@code avro-confluent} records of the reader schema or without
 * one), where Avro's {@code GenericDatumReader} would still drive every value, array elements
 * included, through a {@code ResolvingDecoder}'s parser. The schema is compiled once into a tree of
 * readers; values come out as {@code GenericDatumReader} makes them (a reused {@link
 * GenericData.Record}, Utf8, ByteBuffer, enum symbols), except that arrays of float, double, int,
 * long and boolean are primitive arrays, as {@link PrimitiveArrayDatumReader} makes them.
 *
 * <p>Records of another writer schema go through {@link PrimitiveArrayDatumReader}, which resolves.
 */
final class DirectDatumReader {

    /** Reads one value, reusing {@code old} where it can. */
    private interface Read {
        Object read(Object old, BinaryDecoder in) throws IOException;
    }

    private final Read root;
    private final Map<String, Read> records = new HashMap<>();
    private final PrimitiveArrays primitives = new PrimitiveArrays();

    /** The length of the value being read: no array or map can have more entries. */
    private int maxElements = Integer.MAX_VALUE;

    /** The length of the value about to be read: no string, bytes or array can be longer. */
    void maxElements(int length) {
        maxElements = length;
        primitives.maxElements = length;
    }

    DirectDatumReader(Schema schema) {
        root = compile(schema);
    }

    GenericRecord read(GenericRecord reuse, BinaryDecoder in) throws IOException {
        return (GenericRecord) root.read(reuse, in);
    }

    private Read compile(Schema s) {
        switch (s.getType()) {
            case NULL:
                return (old, in) -> {
                    in.readNull();
                    return null;
                };
            case BOOLEAN:
                return (old, in) -> in.readBoolean();
            case INT:
                return (old, in) -> in.readInt();
            case LONG:
                return (old, in) -> in.readLong();
            case FLOAT:
                return (old, in) -> in.readFloat();
            case DOUBLE:
                return (old, in) -> in.readDouble();
            case STRING:
                return (old, in) -> {
                    int length = length(in, "a string");
                    Utf8 u = old instanceof Utf8 o ? o : new Utf8();
                    u.setByteLength(length);
                    in.readFixed(u.getBytes(), 0, length);
                    return u;
                };
            case BYTES:
                return (old, in) -> {
                    int length = length(in, "a bytes value");
                    ByteBuffer b =
                            old instanceof ByteBuffer o && o.capacity() >= length
                                    ? o.clear()
                                    : ByteBuffer.allocate(length);
                    in.readFixed(b.array(), b.arrayOffset(), length);
                    return b.limit(length);
                };
            case FIXED:
                return (old, in) -> {
                    GenericData.Fixed f =
                            old instanceof GenericData.Fixed o && o.getSchema() == s
                                    ? o
                                    : new GenericData.Fixed(s);
                    in.readFixed(f.bytes(), 0, s.getFixedSize());
                    return f;
                };
            case ENUM:
                {
                    List<String> names = s.getEnumSymbols();
                    GenericData.EnumSymbol[] symbols = new GenericData.EnumSymbol[names.size()];
                    for (int i = 0; i < symbols.length; i++) {
                        symbols[i] = new GenericData.EnumSymbol(s, names.get(i));
                    }
                    return (old, in) -> symbols[checkIndex(in.readEnum(), symbols.length)];
                }
            case UNION:
                {
                    List<Schema> types = s.getTypes();
                    Read[] branches = new Read[types.size()];
                    for (int i = 0; i < branches.length; i++) {
                        branches[i] = compile(types.get(i));
                    }
                    return (old, in) ->
                            branches[checkIndex(in.readIndex(), branches.length)].read(old, in);
                }
            case RECORD:
                return record(s);
            case ARRAY:
                return array(s);
            case MAP:
                {
                    Read value = compile(s.getValueType());
                    return (old, in) -> {
                        Map<Utf8, Object> out = new HashMap<>();
                        for (long l = in.readMapStart(); l > 0; l = in.mapNext()) {
                            primitives.count(out.size(), l);
                            for (long i = 0; i < l; i++) {
                                Utf8 key = in.readString(null);
                                out.put(key, value.read(null, in));
                            }
                        }
                        return out;
                    };
                }
            default:
                throw new AvroRuntimeException("unknown Avro type " + s.getType());
        }
    }

    private Read record(Schema s) {
        Read known = records.get(s.getFullName());
        if (known != null) {
            return known;
        }
        Read[] fields = new Read[s.getFields().size()];
        // registered before its fields compile, so a recursive record refers to itself
        Read reader =
                (old, in) -> {
                    GenericData.Record r =
                            old instanceof GenericData.Record o && o.getSchema() == s
                                    ? o
                                    : new GenericData.Record(s);
                    for (int i = 0; i < fields.length; i++) {
                        r.put(i, fields[i].read(r.get(i), in));
                    }
                    return r;
                };
        records.put(s.getFullName(), reader);
        for (int i = 0; i < fields.length; i++) {
            fields[i] = compile(s.getFields().get(i).schema());
        }
        return reader;
    }

    private Read array(Schema s) {
        Schema element = s.getElementType();
        if (PrimitiveArrays.applies(element)) {
            Schema.Type type = element.getType();
            return (old, in) -> primitives.read(type, in);
        }
        Read read = compile(element);
        return (old, in) -> {
            // a new list per record: a model input may keep it after the next record is read
            List<Object> out = new ArrayList<>();
            for (long l = in.readArrayStart(); l > 0; l = in.arrayNext()) {
                primitives.count(out.size(), l);
                for (long i = 0; i < l; i++) {
                    out.add(read.read(null, in));
                }
            }
            return out;
        };
    }

    /**
     * A string's or bytes' length, checked against the value's before anything is allocated: a
     * corrupt length is a bad record, not a gigabyte buffer.
     */
    private int length(BinaryDecoder in, String what) throws IOException {
        long length = in.readLong();
        if (length < 0) {
            throw new AvroRuntimeException("Malformed data. Length is negative: " + length);
        }
        if (length > maxElements) {
            throw new EOFException(what + " of " + length + " bytes");
        }
        return (int) length;
    }

    private static int checkIndex(int i, int n) {
        if (i < 0 || i >= n) {
            throw new ArrayIndexOutOfBoundsException(
                    "Index " + i + " out of bounds for length " + n);
        }
        return i;
    }
}
