package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * How Protobuf field values become column values (Flink's internal data structures), model inputs
 * and plain Java values, and the column type a field gets.
 *
 * <p>Column types: int32, sint32 and sfixed32 are INT; int64, sint64, sfixed64, uint32 and fixed32
 * BIGINT (uint32 as its unsigned value); uint64 and fixed64 BIGINT holding the same 64 bits (a
 * value above 2^63-1 reads as negative); float FLOAT, double DOUBLE, bool BOOLEAN, string and enum
 * (its value's name) STRING, bytes BYTES; {@code google.protobuf.Timestamp} TIMESTAMP_LTZ(6) (its
 * nanoseconds cut to microseconds: Iceberg makes a precision above 6 a {@code timestamp_ns}, which
 * only format v3 tables have); the wrapper types ({@code google.protobuf.Int64Value}, ...) their
 * value's type, null when unset; other messages ROW; repeated fields ARRAY, map fields MAP. A
 * message that contains itself is BYTES (its serialized form) where it recurs, since a column type
 * cannot be infinite.
 */
final class ProtobufValues {
    private ProtobufValues() {}

    static final String TIMESTAMP = "google.protobuf.Timestamp";
    static final int TIMESTAMP_PRECISION = 6;
    private static final Set<String> WRAPPERS =
            Set.of(
                    "google.protobuf.DoubleValue",
                    "google.protobuf.FloatValue",
                    "google.protobuf.Int64Value",
                    "google.protobuf.UInt64Value",
                    "google.protobuf.Int32Value",
                    "google.protobuf.UInt32Value",
                    "google.protobuf.BoolValue",
                    "google.protobuf.StringValue",
                    "google.protobuf.BytesValue");

    static boolean isWrapper(Descriptor d) {
        return WRAPPERS.contains(d.getFullName());
    }

    /** The wrapper's {@code value} field. */
    static FieldDescriptor wrapped(Descriptor wrapper) {
        return wrapper.findFieldByNumber(1);
    }

    // ---- column types ----

    /** The column type of field {@code f} (repeated and map fields included). */
    static LogicalType columnType(FieldDescriptor f) {
        return columnType(f, new HashSet<>());
    }

    private static LogicalType columnType(FieldDescriptor f, Set<String> enclosing) {
        if (f.isMapField()) {
            Descriptor entry = f.getMessageType();
            return new MapType(
                    elementType(entry.findFieldByNumber(1), enclosing).copy(false),
                    elementType(entry.findFieldByNumber(2), enclosing));
        }
        LogicalType element = elementType(f, enclosing);
        return f.isRepeated() ? new ArrayType(element.copy(false)) : element;
    }

    /** The type of one value of {@code f} (the element type of a repeated field). */
    private static LogicalType elementType(FieldDescriptor f, Set<String> enclosing) {
        switch (f.getJavaType()) {
            case INT:
                return isUnsigned(f) ? new BigIntType() : new IntType();
            case LONG:
                return new BigIntType();
            case FLOAT:
                return new FloatType();
            case DOUBLE:
                return new DoubleType();
            case BOOLEAN:
                return new BooleanType();
            case STRING:
            case ENUM:
                return new VarCharType(VarCharType.MAX_LENGTH);
            case BYTE_STRING:
                return new VarBinaryType(VarBinaryType.MAX_LENGTH);
            case MESSAGE:
            default:
                return messageType(f.getMessageType(), enclosing);
        }
    }

    private static LogicalType messageType(Descriptor d, Set<String> enclosing) {
        if (d.getFullName().equals(TIMESTAMP)) {
            return new LocalZonedTimestampType(TIMESTAMP_PRECISION);
        }
        if (isWrapper(d)) {
            return elementType(wrapped(d), enclosing);
        }
        if (!enclosing.add(d.getFullName())) {
            return new VarBinaryType(VarBinaryType.MAX_LENGTH);
        }
        List<RowType.RowField> fields = new ArrayList<>();
        for (FieldDescriptor f : d.getFields()) {
            fields.add(new RowType.RowField(f.getName(), columnType(f, enclosing)));
        }
        enclosing.remove(d.getFullName());
        return new RowType(fields);
    }

    private static boolean isUnsigned(FieldDescriptor f) {
        return f.getType() == FieldDescriptor.Type.UINT32
                || f.getType() == FieldDescriptor.Type.FIXED32;
    }

    // ---- column values ----

    /**
     * The column value of {@code f} in {@code message}, of {@code type} ({@link #columnType}): null
     * when the field has presence and is unset; a proto3 scalar without presence is its default.
     */
    static Object column(Message message, FieldDescriptor f, LogicalType type) {
        if (!f.isRepeated() && f.hasPresence() && !message.hasField(f)) {
            return null;
        }
        return columnValue(f, message.getField(f), type);
    }

    /** The column value of {@code value}, {@code f}'s value as {@code Message.getField} has it. */
    static Object columnValue(FieldDescriptor f, Object value, LogicalType type) {
        if (f.isMapField()) {
            MapType mapType = (MapType) type;
            Descriptor entry = f.getMessageType();
            FieldDescriptor k = entry.findFieldByNumber(1);
            FieldDescriptor v = entry.findFieldByNumber(2);
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Object e : (List<?>) value) {
                Message m = (Message) e;
                out.put(
                        element(k, m.getField(k), mapType.getKeyType()),
                        element(v, m.getField(v), mapType.getValueType()));
            }
            return new GenericMapData(out);
        }
        if (f.isRepeated()) {
            LogicalType elementType = ((ArrayType) type).getElementType();
            List<?> list = (List<?>) value;
            Object[] out = new Object[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = element(f, list.get(i), elementType);
            }
            return new GenericArrayData(out);
        }
        return element(f, value, type);
    }

    private static Object element(FieldDescriptor f, Object value, LogicalType type) {
        switch (f.getJavaType()) {
            case INT:
                return isUnsigned(f)
                        ? (Object) Integer.toUnsignedLong((Integer) value)
                        : (Object) value;
            case LONG:
            case FLOAT:
            case DOUBLE:
            case BOOLEAN:
                return value;
            case STRING:
                return StringData.fromString((String) value);
            case ENUM:
                return StringData.fromString(((EnumValueDescriptor) value).getName());
            case BYTE_STRING:
                return ((ByteString) value).toByteArray();
            case MESSAGE:
            default:
                return message((Message) value, type);
        }
    }

    private static Object message(Message m, LogicalType type) {
        Descriptor d = m.getDescriptorForType();
        if (type.getTypeRoot() == LogicalTypeRoot.TIMESTAMP_WITH_LOCAL_TIME_ZONE) {
            long seconds = (Long) m.getField(d.findFieldByNumber(1));
            int nanos = (Integer) m.getField(d.findFieldByNumber(2));
            long millis = Math.addExact(Math.multiplyExact(seconds, 1000L), nanos / 1_000_000);
            return TimestampData.fromEpochMillis(millis, nanos % 1_000_000 / 1000 * 1000);
        }
        if (isWrapper(d)) {
            FieldDescriptor v = wrapped(d);
            return element(v, m.getField(v), type);
        }
        if (type.getTypeRoot() == LogicalTypeRoot.VARBINARY) {
            return m.toByteArray(); // a recursive message
        }
        RowType row = (RowType) type;
        List<FieldDescriptor> fields = d.getFields();
        GenericRowData out = new GenericRowData(fields.size());
        for (int i = 0; i < fields.size(); i++) {
            out.setField(i, column(m, fields.get(i), row.getTypeAt(i)));
        }
        return out;
    }

    // ---- plain Java values (model inputs, display) ----

    /**
     * {@code f}'s value in {@code message} as a plain Java value, or {@link #MISSING} when it has
     * presence and is unset (a proto3 scalar without presence is its default): numbers boxed
     * (uint32 and fixed32 as Long), strings, enums by name, bytes as byte[], Timestamps as their
     * ISO-8601 text, wrappers as their value, messages as maps, repeated fields as lists, map
     * fields as maps.
     */
    static Object plain(Message message, FieldDescriptor f) {
        if (!f.isRepeated() && f.hasPresence() && !message.hasField(f)) {
            return MISSING;
        }
        return plainValue(f, message.getField(f));
    }

    /** The plain value of {@code value}, {@code f}'s value as {@code Message.getField} has it. */
    static Object plainValue(FieldDescriptor f, Object value) {
        if (f.isMapField()) {
            Descriptor entry = f.getMessageType();
            FieldDescriptor k = entry.findFieldByNumber(1);
            FieldDescriptor v = entry.findFieldByNumber(2);
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Object e : (List<?>) value) {
                Message m = (Message) e;
                out.put(plainElement(k, m.getField(k)), plainElement(v, m.getField(v)));
            }
            return out;
        }
        if (f.isRepeated()) {
            List<?> list = (List<?>) value;
            List<Object> out = new ArrayList<>(list.size());
            for (Object e : list) {
                out.add(plainElement(f, e));
            }
            return out;
        }
        return plainElement(f, value);
    }

    /** What {@link #plain} returns for an unset field with presence. */
    static final Object MISSING = new Object();

    private static Object plainElement(FieldDescriptor f, Object value) {
        switch (f.getJavaType()) {
            case INT:
                return isUnsigned(f) ? (Object) Integer.toUnsignedLong((Integer) value) : value;
            case ENUM:
                return ((EnumValueDescriptor) value).getName();
            case BYTE_STRING:
                return ((ByteString) value).toByteArray();
            case MESSAGE:
                return plainMessage((Message) value);
            default:
                return value;
        }
    }

    /** A message as a map of its fields (unset ones with presence left out). */
    static Object plainMessage(Message m) {
        Descriptor d = m.getDescriptorForType();
        if (d.getFullName().equals(TIMESTAMP)) {
            long seconds = (Long) m.getField(d.findFieldByNumber(1));
            int nanos = (Integer) m.getField(d.findFieldByNumber(2));
            return Instant.ofEpochSecond(seconds, nanos).toString();
        }
        if (isWrapper(d)) {
            FieldDescriptor v = wrapped(d);
            return plainElement(v, m.getField(v));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (FieldDescriptor f : d.getFields()) {
            Object v = plain(m, f);
            if (v != MISSING) {
                out.put(f.getName(), v);
            }
        }
        return out;
    }
}
