package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.WireFormat;
import dev.batchscore.models.DType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * The fast path of {@link ProtobufReader}: one walk over the message's top-level fields with a
 * {@link CodedInputStream}, keeping only the fields the task needs, and repeated number fields as
 * primitive buffers that become the model's {@code float[]}/{@code double[]} with no boxing. A
 * nested message the task needs is parsed with {@link DynamicMessage} on its own.
 *
 * <p>{@link DynamicMessage} on the whole value boxed every float of an embedding into a list and
 * cost more per record than the JSON format's parser. The walk gives the same values: the last
 * occurrence of a singular field wins, occurrences of a message field merge, packed and unpacked
 * repeated fields both read, a oneof member clears the others, and a known field with an unexpected
 * wire type is skipped as an unknown one. Whatever it is not sure of (a malformed value, a closed
 * enum's unknown number, an end-group tag) it leaves to {@link DynamicMessage} ({@link Fallback}),
 * so bad records get the same reasons either way.
 */
final class WireReader {

    /** The walk gives up on this value: parse it with {@link DynamicMessage}. */
    static final class Fallback extends Exception {
        private static final long serialVersionUID = 1L;
        static final Fallback INSTANCE = new Fallback();

        private Fallback() {
            super(null, null, false, false);
        }
    }

    private static final int FP = 1; // repeated float or double: doubles buffer
    private static final int INTEGRAL = 2; // repeated integer: longs buffer
    private static final int LIST = 3; // other repeated fields
    private static final int SINGULAR = 4;

    // Per slot (a top-level field the task needs):
    private final FieldDescriptor[] fields;
    private final int[] kinds;
    private final int[] wireTypes;
    private final boolean[] packable;
    private final boolean[] unsigned32;
    private final double[][] doubles;
    private final long[][] longs;
    private final int[] counts;
    private final List<?>[] lists;
    private final Object[] values;
    private final boolean[] seen;
    private float[] floats = new float[64]; // a packed float field's values, before they widen
    // The other needed members of a slot's oneof: reading one clears them, as parsers do.
    private final int[][] oneofPeers;

    private final int[] slotByNumber; // for field numbers up to 1024
    private final Map<Integer, Integer> slotByLargeNumber = new HashMap<>();

    // Per model input: its slot, the path, dtype; per passthrough column: slot and type.
    private final String[] inputNames;
    private final int[] inputSlots;
    private final FieldDescriptor[][] inputPaths;
    private final DType[] dtypes;
    private final int[] passthroughSlots;
    private final LogicalType[] passthroughTypes;

    /**
     * Whether the walk can read {@code message}: proto2 required fields and groups are left to
     * {@link DynamicMessage}.
     */
    static boolean applies(Descriptor message) {
        for (FieldDescriptor f : message.getFields()) {
            if (f.isRequired() || f.getType() == FieldDescriptor.Type.GROUP) {
                return false;
            }
        }
        return true;
    }

    WireReader(
            String[] inputNames,
            FieldDescriptor[][] inputPaths,
            DType[] dtypes,
            FieldDescriptor[] passthroughFields,
            LogicalType[] passthroughTypes) {
        List<FieldDescriptor> needed = new ArrayList<>();
        this.inputNames = inputNames;
        this.inputPaths = inputPaths;
        this.dtypes = dtypes;
        this.passthroughTypes = passthroughTypes;
        inputSlots = new int[inputPaths.length];
        for (int i = 0; i < inputPaths.length; i++) {
            inputSlots[i] = inputPaths[i] == null ? -1 : slot(needed, inputPaths[i][0]);
        }
        passthroughSlots = new int[passthroughFields.length];
        for (int i = 0; i < passthroughFields.length; i++) {
            passthroughSlots[i] =
                    passthroughFields[i] == null ? -1 : slot(needed, passthroughFields[i]);
        }
        int n = needed.size();
        fields = needed.toArray(new FieldDescriptor[0]);
        kinds = new int[n];
        wireTypes = new int[n];
        packable = new boolean[n];
        unsigned32 = new boolean[n];
        doubles = new double[n][];
        longs = new long[n][];
        counts = new int[n];
        lists = new List<?>[n];
        values = new Object[n];
        seen = new boolean[n];
        oneofPeers = new int[n][];
        for (int s = 0; s < n; s++) {
            List<Integer> peers = new ArrayList<>();
            for (int p = 0; p < n; p++) {
                if (p != s
                        && fields[s].getRealContainingOneof() != null
                        && fields[s].getRealContainingOneof()
                                == fields[p].getRealContainingOneof()) {
                    peers.add(p);
                }
            }
            oneofPeers[s] = peers.stream().mapToInt(Integer::intValue).toArray();
        }
        slotByNumber = new int[1025];
        Arrays.fill(slotByNumber, -1);
        for (int s = 0; s < n; s++) {
            FieldDescriptor f = fields[s];
            wireTypes[s] = f.getLiteType().getWireType();
            packable[s] = f.isRepeated() && f.getLiteType().isPackable();
            unsigned32[s] =
                    f.getType() == FieldDescriptor.Type.UINT32
                            || f.getType() == FieldDescriptor.Type.FIXED32;
            FieldDescriptor.JavaType type = f.getJavaType();
            if (!f.isRepeated()) {
                kinds[s] = SINGULAR;
            } else if (type == FieldDescriptor.JavaType.FLOAT
                    || type == FieldDescriptor.JavaType.DOUBLE) {
                kinds[s] = FP;
                doubles[s] = new double[16];
            } else if (type == FieldDescriptor.JavaType.INT
                    || type == FieldDescriptor.JavaType.LONG) {
                kinds[s] = INTEGRAL;
                longs[s] = new long[16];
            } else {
                kinds[s] = LIST;
            }
            if (f.getNumber() < slotByNumber.length) {
                slotByNumber[f.getNumber()] = s;
            } else {
                slotByLargeNumber.put(f.getNumber(), s);
            }
        }
    }

    private static int slot(List<FieldDescriptor> needed, FieldDescriptor f) {
        int at = needed.indexOf(f);
        if (at < 0) {
            needed.add(f);
            at = needed.size() - 1;
        }
        return at;
    }

    private int slotOf(int number) {
        if (number < slotByNumber.length) {
            return slotByNumber[number];
        }
        Integer s = slotByLargeNumber.get(number);
        return s == null ? -1 : s;
    }

    /** Reads the message in {@code value} from {@code start} into the input map and columns. */
    void read(byte[] value, int start, Map<String, Object> input, Object[] passthrough)
            throws Fallback {
        walk(value, start);
        for (int i = 0; i < inputSlots.length; i++) {
            int s = inputSlots[i];
            if (s < 0) {
                continue;
            }
            Object v = input(s, inputPaths[i], dtypes[i]);
            if (v != ProtobufValues.MISSING) {
                input.put(inputNames[i], v);
            }
        }
        for (int i = 0; i < passthroughSlots.length; i++) {
            int s = passthroughSlots[i];
            passthrough[i] =
                    s < 0 || absent(s)
                            ? null
                            : ProtobufValues.columnValue(fields[s], value(s), passthroughTypes[i]);
        }
    }

    private void walk(byte[] value, int start) throws Fallback {
        Arrays.fill(seen, false);
        Arrays.fill(counts, 0);
        Arrays.fill(values, null);
        Arrays.fill(lists, null);
        CodedInputStream in = CodedInputStream.newInstance(value, start, value.length - start);
        try {
            while (true) {
                int tag = in.readTag();
                if (tag == 0) {
                    return;
                }
                int s = slotOf(WireFormat.getTagFieldNumber(tag));
                int wire = WireFormat.getTagWireType(tag);
                if (s >= 0 && wire == wireTypes[s]) {
                    readOne(s, in);
                } else if (s >= 0 && packable[s] && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    int length = in.readRawVarint32();
                    if (kinds[s] == FP) {
                        readPackedFp(s, in, length);
                    } else {
                        int limit = in.pushLimit(length);
                        while (in.getBytesUntilLimit() > 0) {
                            readOne(s, in);
                        }
                        in.popLimit(limit);
                    }
                } else if (!in.skipField(tag)) {
                    throw Fallback.INSTANCE; // an end-group tag
                }
            }
        } catch (IOException | RuntimeException e) {
            throw Fallback.INSTANCE;
        }
    }

    /**
     * A packed float or double field: its elements' little-endian bytes, copied out at once rather
     * than read one call at a time (64 floats: a quarter of the time with C1).
     */
    private void readPackedFp(int s, CodedInputStream in, int length) throws IOException, Fallback {
        boolean isFloat = fields[s].getType() == FieldDescriptor.Type.FLOAT;
        int width = isFloat ? Float.BYTES : Double.BYTES;
        if (length < 0 || length % width != 0) {
            throw Fallback.INSTANCE; // malformed: DynamicMessage says how
        }
        int n = length / width;
        if (n == 0) {
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(in.readRawBytes(length)).order(ByteOrder.LITTLE_ENDIAN);
        int c = counts[s];
        double[] buf = doubles[s];
        if (c + n > buf.length) {
            buf = doubles[s] = Arrays.copyOf(buf, Math.max(c + n, buf.length * 2));
        }
        if (isFloat) {
            if (floats.length < n) {
                floats = new float[Math.max(n, floats.length * 2)];
            }
            bytes.asFloatBuffer().get(floats, 0, n);
            for (int i = 0; i < n; i++) {
                buf[c + i] = floats[i];
            }
        } else {
            bytes.asDoubleBuffer().get(buf, c, n);
        }
        counts[s] = c + n;
        seen[s] = true;
    }

    private void readOne(int s, CodedInputStream in) throws IOException, Fallback {
        FieldDescriptor f = fields[s];
        seen[s] = true;
        switch (kinds[s]) {
            case FP:
                {
                    double v =
                            f.getType() == FieldDescriptor.Type.FLOAT
                                    ? in.readFloat()
                                    : in.readDouble();
                    double[] buf = doubles[s];
                    if (counts[s] == buf.length) {
                        buf = doubles[s] = Arrays.copyOf(buf, buf.length * 2);
                    }
                    buf[counts[s]++] = v;
                    return;
                }
            case INTEGRAL:
                {
                    long v = ((Number) readValue(f, in)).longValue();
                    long[] buf = longs[s];
                    if (counts[s] == buf.length) {
                        buf = longs[s] = Arrays.copyOf(buf, buf.length * 2);
                    }
                    buf[counts[s]++] = v;
                    return;
                }
            case LIST:
                {
                    @SuppressWarnings("unchecked")
                    List<Object> list = (List<Object>) lists[s];
                    if (list == null) {
                        list = new ArrayList<>();
                        lists[s] = list;
                    }
                    list.add(readValue(f, in));
                    return;
                }
            default:
                for (int p : oneofPeers[s]) {
                    seen[p] = false;
                    values[p] = null;
                }
                if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && values[s] != null) {
                    // A message field seen again merges, as Protobuf parsers do.
                    values[s] =
                            ((DynamicMessage) values[s])
                                    .toBuilder().mergeFrom(in.readBytes()).build();
                } else {
                    values[s] = readValue(f, in);
                }
        }
    }

    /** One value of {@code f} as {@code Message.getField} has it (an element when repeated). */
    private static Object readValue(FieldDescriptor f, CodedInputStream in)
            throws IOException, Fallback {
        switch (f.getType()) {
            case DOUBLE:
                return in.readDouble();
            case FLOAT:
                return in.readFloat();
            case INT64:
                return in.readInt64();
            case UINT64:
                return in.readUInt64();
            case INT32:
                return in.readInt32();
            case FIXED64:
                return in.readFixed64();
            case FIXED32:
                return in.readFixed32();
            case BOOL:
                return in.readBool();
            case STRING:
                return f.getFile().getSyntax() == FileDescriptor.Syntax.PROTO3
                        ? in.readStringRequireUtf8()
                        : in.readString();
            case BYTES:
                return in.readBytes();
            case UINT32:
                return in.readUInt32();
            case SFIXED32:
                return in.readSFixed32();
            case SFIXED64:
                return in.readSFixed64();
            case SINT32:
                return in.readSInt32();
            case SINT64:
                return in.readSInt64();
            case ENUM:
                {
                    int number = in.readEnum();
                    EnumValueDescriptor v = f.getEnumType().findValueByNumber(number);
                    if (v != null) {
                        return v;
                    }
                    if (f.getFile().getSyntax() != FileDescriptor.Syntax.PROTO3) {
                        throw Fallback.INSTANCE; // a closed enum: an unknown field, not a value
                    }
                    return f.getEnumType().findValueByNumberCreatingIfUnknown(number);
                }
            case MESSAGE:
                return DynamicMessage.parseFrom(f.getMessageType(), in.readBytes());
            default:
                throw Fallback.INSTANCE; // groups: applies() keeps them away
        }
    }

    private boolean absent(int s) {
        FieldDescriptor f = fields[s];
        return !f.isRepeated() && f.hasPresence() && !seen[s];
    }

    /** Slot {@code s}'s value as {@code Message.getField} has it. */
    private Object value(int s) {
        FieldDescriptor f = fields[s];
        switch (kinds[s]) {
            case FP:
            case INTEGRAL:
                {
                    List<Object> out = new ArrayList<>(counts[s]);
                    for (int i = 0; i < counts[s]; i++) {
                        out.add(boxed(s, i));
                    }
                    return out;
                }
            case LIST:
                return lists[s] == null ? List.of() : new ArrayList<>(lists[s]);
            default:
                return seen[s] ? values[s] : f.getDefaultValue();
        }
    }

    private Object boxed(int s, int i) {
        switch (fields[s].getJavaType()) {
            case FLOAT:
                return (float) doubles[s][i];
            case DOUBLE:
                return doubles[s][i];
            case INT:
                return (int) longs[s][i];
            default:
                return longs[s][i];
        }
    }

    private Object input(int s, FieldDescriptor[] path, DType dtype) {
        if (path.length > 1) {
            return absent(s)
                    ? ProtobufValues.MISSING
                    : ProtobufReader.input((DynamicMessage) values[s], path, 1, dtype);
        }
        FieldDescriptor f = fields[s];
        int n = counts[s];
        if (kinds[s] == FP && dtype == DType.FLOAT) {
            float[] out = new float[n];
            double[] buf = doubles[s];
            for (int i = 0; i < n; i++) {
                out[i] = (float) buf[i];
            }
            return out;
        }
        if (kinds[s] == FP && dtype == DType.DOUBLE) {
            return Arrays.copyOf(doubles[s], n);
        }
        if (kinds[s] == INTEGRAL && !unsigned32[s]) {
            if (dtype == DType.INT64) {
                return Arrays.copyOf(longs[s], n);
            }
            if (dtype == DType.INT32 && f.getJavaType() == FieldDescriptor.JavaType.INT) {
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = (int) longs[s][i];
                }
                return out;
            }
        }
        return absent(s) ? ProtobufValues.MISSING : ProtobufValues.plainValue(f, value(s));
    }
}
