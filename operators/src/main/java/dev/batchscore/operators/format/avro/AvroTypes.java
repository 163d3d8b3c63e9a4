package dev.batchscore.operators.format.avro;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchscore.models.DType;
import dev.batchscore.operators.format.FormatException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.util.Utf8;
import org.apache.flink.table.data.DecimalData;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BinaryType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DateType;
import org.apache.flink.table.types.logical.DecimalType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.IntType;
import org.apache.flink.table.types.logical.LocalZonedTimestampType;
import org.apache.flink.table.types.logical.LogicalTypeRoot;
import org.apache.flink.table.types.logical.MapType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.TimeType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * Avro schemas as Flink column types, and Avro values (as {@code GenericDatumReader} and {@link
 * PrimitiveArrayDatumReader} make them) as column values, model inputs and plain Java values.
 *
 * <p>Columns: int, long, float, double, boolean and string as themselves; enum and uuid as STRING;
 * bytes as BYTES, fixed as BINARY(n); decimal as DECIMAL(p,s); timestamp-millis/micros/nanos as
 * TIMESTAMP_LTZ(3/6/9), local-timestamp-* as TIMESTAMP(3/6/9); date as DATE; time-millis and
 * time-micros as TIME(3) (Flink keeps times in milliseconds); records as ROW, arrays as ARRAY, maps
 * as MAP&lt;STRING, ...&gt;. A {@code [null, T]} union is T; any other union is STRING, the value's
 * JSON text. Every type is nullable, as Iceberg's optional columns are.
 */
final class AvroTypes {
    private AvroTypes() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    /** An Avro value to something else; null in, null out is the caller's business. */
    interface Converter {
        Object convert(Object avro);
    }

    /** {@code T} for a union of null and {@code T}; the schema itself otherwise. */
    static Schema nonNull(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            List<Schema> types = s.getTypes();
            if (types.size() == 2) {
                if (types.get(0).getType() == Schema.Type.NULL) {
                    return types.get(1);
                }
                if (types.get(1).getType() == Schema.Type.NULL) {
                    return types.get(0);
                }
            }
        }
        return s;
    }

    // ---------------------------------------------------------------------------------------
    // Column types

    /** The Flink column type of an Avro schema (nullable throughout). */
    static org.apache.flink.table.types.logical.LogicalType columnType(Schema schema) {
        return columnType(schema, new HashSet<>());
    }

    private static org.apache.flink.table.types.logical.LogicalType columnType(
            Schema schema, Set<String> enclosing) {
        Schema s = nonNull(schema);
        LogicalType lt = s.getLogicalType();
        String logical = lt == null ? "" : lt.getName();
        switch (s.getType()) {
            case BOOLEAN:
                return new BooleanType();
            case INT:
                switch (logical) {
                    case "date":
                        return new DateType();
                    case "time-millis":
                        return new TimeType(3);
                    default:
                        return new IntType();
                }
            case LONG:
                switch (logical) {
                    case "timestamp-millis":
                        return new LocalZonedTimestampType(3);
                    case "timestamp-micros":
                        return new LocalZonedTimestampType(6);
                    case "timestamp-nanos":
                        return new LocalZonedTimestampType(9);
                    case "local-timestamp-millis":
                        return new TimestampType(3);
                    case "local-timestamp-micros":
                        return new TimestampType(6);
                    case "local-timestamp-nanos":
                        return new TimestampType(9);
                    case "time-micros":
                        return new TimeType(3);
                    default:
                        return new BigIntType();
                }
            case FLOAT:
                return new FloatType();
            case DOUBLE:
                return new DoubleType();
            case STRING:
            case ENUM:
                return new VarCharType(VarCharType.MAX_LENGTH);
            case BYTES:
                return lt instanceof LogicalTypes.Decimal d
                        ? decimal(d, s)
                        : new VarBinaryType(VarBinaryType.MAX_LENGTH);
            case FIXED:
                if (lt instanceof LogicalTypes.Decimal d) {
                    return decimal(d, s);
                }
                return "uuid".equals(logical)
                        ? new VarCharType(VarCharType.MAX_LENGTH)
                        : new BinaryType(s.getFixedSize());
            case RECORD:
                {
                    if (!enclosing.add(s.getFullName())) {
                        throw new FormatException(
                                "Avro record "
                                        + s.getFullName()
                                        + " contains itself, which no column type can hold:"
                                        + " leave the field out of output.passthrough");
                    }
                    List<RowType.RowField> fields = new ArrayList<>();
                    for (Schema.Field f : s.getFields()) {
                        fields.add(
                                new RowType.RowField(f.name(), columnType(f.schema(), enclosing)));
                    }
                    enclosing.remove(s.getFullName());
                    return new RowType(fields);
                }
            case ARRAY:
                return new ArrayType(columnType(s.getElementType(), enclosing));
            case MAP:
                return new MapType(
                        new VarCharType(VarCharType.MAX_LENGTH),
                        columnType(s.getValueType(), enclosing));
            default: // NULL, or a union other than [null, T]
                return new VarCharType(VarCharType.MAX_LENGTH);
        }
    }

    private static DecimalType decimal(LogicalTypes.Decimal d, Schema s) {
        if (d.getPrecision() > DecimalType.MAX_PRECISION) {
            throw new FormatException(
                    "Avro "
                            + s
                            + " is decimal("
                            + d.getPrecision()
                            + ","
                            + d.getScale()
                            + "), wider than a column's DECIMAL("
                            + DecimalType.MAX_PRECISION
                            + "): leave the field out of output.passthrough");
        }
        return new DecimalType(d.getPrecision(), d.getScale());
    }

    /** Whether two column types are the same but for nullability, at any depth. */
    static boolean sameType(
            org.apache.flink.table.types.logical.LogicalType a,
            org.apache.flink.table.types.logical.LogicalType b) {
        if (a.getTypeRoot() != b.getTypeRoot()) {
            return false;
        }
        List<org.apache.flink.table.types.logical.LogicalType> ca = a.getChildren();
        List<org.apache.flink.table.types.logical.LogicalType> cb = b.getChildren();
        if (ca.isEmpty() && cb.isEmpty()) {
            return a.copy(true).equals(b.copy(true));
        }
        if (ca.size() != cb.size()) {
            return false;
        }
        if (a instanceof RowType ra && !ra.getFieldNames().equals(((RowType) b).getFieldNames())) {
            return false;
        }
        for (int i = 0; i < ca.size(); i++) {
            if (!sameType(ca.get(i), cb.get(i))) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------------------------------
    // Column values

    /** Converts values of {@code schema} to the internal values of {@link #columnType}. */
    static Converter converter(Schema schema) {
        Schema s = nonNull(schema);
        LogicalType lt = s.getLogicalType();
        String logical = lt == null ? "" : lt.getName();
        switch (s.getType()) {
            case BOOLEAN:
            case INT:
            case FLOAT:
            case DOUBLE:
                return v -> v; // Boolean, Integer (also DATE days, TIME millis), Float, Double
            case LONG:
                switch (logical) {
                    case "timestamp-millis":
                    case "local-timestamp-millis":
                        return v -> TimestampData.fromEpochMillis((Long) v);
                    case "timestamp-micros":
                    case "local-timestamp-micros":
                        return v -> {
                            long l = (Long) v;
                            return TimestampData.fromEpochMillis(
                                    Math.floorDiv(l, 1000L), (int) Math.floorMod(l, 1000L) * 1000);
                        };
                    case "timestamp-nanos":
                    case "local-timestamp-nanos":
                        return v -> {
                            long l = (Long) v;
                            return TimestampData.fromEpochMillis(
                                    Math.floorDiv(l, 1_000_000L),
                                    (int) Math.floorMod(l, 1_000_000L));
                        };
                    case "time-micros":
                        return v -> (int) Math.floorDiv((Long) v, 1000L);
                    default:
                        return v -> v;
                }
            case STRING:
                return AvroTypes::stringData;
            case ENUM:
                return v -> StringData.fromString(v.toString());
            case BYTES:
                if (lt instanceof LogicalTypes.Decimal d) {
                    return v ->
                            DecimalData.fromUnscaledBytes(bytes(v), d.getPrecision(), d.getScale());
                }
                return AvroTypes::bytes;
            case FIXED:
                if (lt instanceof LogicalTypes.Decimal d) {
                    return v ->
                            DecimalData.fromUnscaledBytes(bytes(v), d.getPrecision(), d.getScale());
                }
                if ("uuid".equals(logical)) {
                    return v -> StringData.fromString(uuid(bytes(v)));
                }
                return AvroTypes::bytes;
            case RECORD:
                {
                    List<Schema.Field> fields = s.getFields();
                    Converter[] converters = new Converter[fields.size()];
                    for (int i = 0; i < converters.length; i++) {
                        // lazily: a recursive schema was refused by columnType already
                        converters[i] = nullSafe(converter(fields.get(i).schema()));
                    }
                    return v -> {
                        IndexedRecord r = (IndexedRecord) v;
                        GenericRowData row = new GenericRowData(converters.length);
                        for (int i = 0; i < converters.length; i++) {
                            row.setField(i, converters[i].convert(r.get(i)));
                        }
                        return row;
                    };
                }
            case ARRAY:
                {
                    Converter element = nullSafe(converter(s.getElementType()));
                    return v -> {
                        if (v instanceof float[] f) {
                            return new GenericArrayData(f);
                        } else if (v instanceof double[] d) {
                            return new GenericArrayData(d);
                        } else if (v instanceof int[] a) {
                            return new GenericArrayData(a);
                        } else if (v instanceof long[] a) {
                            return new GenericArrayData(a);
                        } else if (v instanceof boolean[] a) {
                            return new GenericArrayData(a);
                        }
                        List<?> list = (List<?>) v;
                        Object[] out = new Object[list.size()];
                        for (int i = 0; i < out.length; i++) {
                            out[i] = element.convert(list.get(i));
                        }
                        return new GenericArrayData(out);
                    };
                }
            case MAP:
                {
                    Converter value = nullSafe(converter(s.getValueType()));
                    return v -> {
                        Map<?, ?> map = (Map<?, ?>) v;
                        Map<Object, Object> out = new LinkedHashMap<>(map.size() * 2);
                        for (Map.Entry<?, ?> e : map.entrySet()) {
                            out.put(stringData(e.getKey()), value.convert(e.getValue()));
                        }
                        return new GenericMapData(out);
                    };
                }
            default:
                return v -> StringData.fromString(jsonText(v, schema));
        }
    }

    /**
     * Converts values of {@code schema} to internal values of {@code column}: {@link #converter}
     * when the column has the schema's own type; else the widenings a declared column may need (int
     * to BIGINT, numbers to DOUBLE, anything to STRING as its text); else null.
     */
    static Converter converterFor(
            Schema schema, org.apache.flink.table.types.logical.LogicalType column) {
        boolean same;
        try {
            same = sameType(columnType(schema), column);
        } catch (FormatException e) {
            same = false; // no column type of its own (recursive, too wide): text, if a STRING
        }
        if (same) {
            return converter(schema);
        }
        Schema s = nonNull(schema);
        Schema.Type t = s.getType();
        LogicalTypeRoot root = column.getTypeRoot();
        if (root == LogicalTypeRoot.VARCHAR || root == LogicalTypeRoot.CHAR) {
            return v ->
                    StringData.fromString(
                            v instanceof CharSequence || v instanceof GenericEnumSymbol<?>
                                    ? v.toString()
                                    : jsonText(v, schema));
        }
        if (s.getLogicalType() != null) {
            return null;
        }
        if (root == LogicalTypeRoot.BIGINT && t == Schema.Type.INT) {
            return v -> ((Integer) v).longValue();
        }
        if (root == LogicalTypeRoot.DOUBLE
                && (t == Schema.Type.INT || t == Schema.Type.LONG || t == Schema.Type.FLOAT)) {
            return v -> ((Number) v).doubleValue();
        }
        return null;
    }

    private static Converter nullSafe(Converter c) {
        return v -> v == null ? null : c.convert(v);
    }

    private static StringData stringData(Object v) {
        if (v instanceof Utf8 u) {
            // the reused record reuses the Utf8's bytes: copy them
            return StringData.fromBytes(Arrays.copyOf(u.getBytes(), u.getByteLength()));
        }
        return StringData.fromString(v.toString());
    }

    /** The bytes of a bytes or fixed value, copied (the reused record reuses its buffer). */
    static byte[] bytes(Object v) {
        if (v instanceof ByteBuffer b) {
            ByteBuffer d = b.duplicate();
            byte[] out = new byte[d.remaining()];
            d.get(out);
            return out;
        }
        return ((GenericFixed) v).bytes().clone();
    }

    private static String uuid(byte[] b) {
        if (b.length != 16) {
            return Arrays.toString(b);
        }
        ByteBuffer buf = ByteBuffer.wrap(b);
        return new java.util.UUID(buf.getLong(), buf.getLong()).toString();
    }

    private static String jsonText(Object v, Schema schema) {
        try {
            return JSON.writeValueAsString(toJava(v, schema));
        } catch (JsonProcessingException e) {
            return String.valueOf(v);
        }
    }

    // ---------------------------------------------------------------------------------------
    // Model inputs and plain Java values

    /**
     * A value as {@code BatchScorer} takes it: numbers and booleans as they are, strings and enums
     * as String, bytes and fixed as byte[], primitive arrays as they are, other arrays as Lists,
     * records and maps as Maps.
     */
    static Object toInput(Object v) {
        if (v == null
                || v instanceof Number
                || v instanceof Boolean
                || v instanceof float[]
                || v instanceof double[]
                || v instanceof int[]
                || v instanceof long[]
                || v instanceof boolean[]) {
            return v;
        }
        if (v instanceof CharSequence || v instanceof GenericEnumSymbol<?>) {
            return v.toString();
        }
        if (v instanceof ByteBuffer || v instanceof GenericFixed) {
            return bytes(v);
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object e : list) {
                out.add(toInput(e));
            }
            return out;
        }
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, e) -> out.put(k.toString(), toInput(e)));
            return out;
        }
        if (v instanceof IndexedRecord r) {
            return toJava(r, r.getSchema());
        }
        return v;
    }

    /**
     * A value as plain Java for display: strings, numbers, booleans, byte[], BigDecimal for
     * decimals, ISO-8601 text for dates, times and timestamps, Lists and Maps.
     */
    static Object toJava(Object v, Schema schema) {
        if (v == null) {
            return null;
        }
        Schema s = schema.getType() == Schema.Type.UNION ? branch(schema, v) : schema;
        LogicalType lt = s.getLogicalType();
        String logical = lt == null ? "" : lt.getName();
        switch (s.getType()) {
            case INT:
                switch (logical) {
                    case "date":
                        return LocalDate.ofEpochDay((Integer) v).toString();
                    case "time-millis":
                        return LocalTime.ofNanoOfDay((Integer) v * 1_000_000L).toString();
                    default:
                        return v;
                }
            case LONG:
                if (logical.contains("timestamp")) {
                    long l = (Long) v;
                    Instant at =
                            logical.endsWith("millis")
                                    ? Instant.ofEpochMilli(l)
                                    : logical.endsWith("micros")
                                            ? Instant.ofEpochSecond(
                                                    Math.floorDiv(l, 1_000_000L),
                                                    Math.floorMod(l, 1_000_000L) * 1000L)
                                            : Instant.ofEpochSecond(
                                                    Math.floorDiv(l, 1_000_000_000L),
                                                    Math.floorMod(l, 1_000_000_000L));
                    return logical.startsWith("local")
                            ? LocalDateTime.ofInstant(at, ZoneOffset.UTC).toString()
                            : at.toString();
                }
                if ("time-micros".equals(logical)) {
                    return LocalTime.ofNanoOfDay((Long) v * 1000L).toString();
                }
                return v;
            case STRING:
            case ENUM:
                return v.toString();
            case BYTES:
            case FIXED:
                if (lt instanceof LogicalTypes.Decimal d) {
                    return new BigDecimal(new BigInteger(bytes(v)), d.getScale());
                }
                return "uuid".equals(logical) ? uuid(bytes(v)) : bytes(v);
            case RECORD:
                {
                    IndexedRecord r = (IndexedRecord) v;
                    Map<String, Object> out = new LinkedHashMap<>();
                    for (Schema.Field f : s.getFields()) {
                        out.put(f.name(), toJava(r.get(f.pos()), f.schema()));
                    }
                    return out;
                }
            case ARRAY:
                {
                    List<Object> out = new ArrayList<>();
                    if (v instanceof List<?> list) {
                        for (Object e : list) {
                            out.add(toJava(e, s.getElementType()));
                        }
                    } else {
                        int n = java.lang.reflect.Array.getLength(v);
                        for (int i = 0; i < n; i++) {
                            out.add(java.lang.reflect.Array.get(v, i));
                        }
                    }
                    return out;
                }
            case MAP:
                {
                    Map<String, Object> out = new LinkedHashMap<>();
                    ((Map<?, ?>) v)
                            .forEach((k, e) -> out.put(k.toString(), toJava(e, s.getValueType())));
                    return out;
                }
            default:
                return v;
        }
    }

    /** The branch of {@code union} that {@code v} was read as. */
    private static Schema branch(Schema union, Object v) {
        if (v.getClass().isArray() && !(v instanceof byte[])) {
            for (Schema b : union.getTypes()) {
                if (b.getType() == Schema.Type.ARRAY) {
                    return b;
                }
            }
        }
        try {
            return union.getTypes().get(GenericData.get().resolveUnion(union, v));
        } catch (RuntimeException e) {
            return Schema.create(Schema.Type.NULL); // shown as the value itself
        }
    }

    // ---------------------------------------------------------------------------------------
    // Model fields

    /** The schema of the field {@code path} names ({@code a.b} into nested records), or null. */
    static Schema fieldSchema(Schema record, String path) {
        int[] positions = positions(record, path);
        if (positions == null) {
            return null;
        }
        Schema at = record;
        for (int p : positions) {
            at = nonNull(at).getFields().get(p).schema();
        }
        return at;
    }

    /**
     * The field positions {@code path} walks through: a top-level field of that name, else the
     * nested {@code a.b} (through nullable records); null when the schema has no such field.
     */
    static int[] positions(Schema record, String path) {
        Schema.Field top = record.getField(path);
        if (top != null) {
            return new int[] {top.pos()};
        }
        if (path.indexOf('.') < 0) {
            return null;
        }
        String[] parts = path.split("\\.", -1);
        int[] out = new int[parts.length];
        Schema at = record;
        for (int i = 0; i < parts.length; i++) {
            Schema s = nonNull(at);
            Schema.Field f = s.getType() == Schema.Type.RECORD ? s.getField(parts[i]) : null;
            if (f == null) {
                return null;
            }
            out[i] = f.pos();
            at = f.schema();
        }
        return out;
    }

    /** Whether values of {@code schema} (or each element of its arrays) can feed {@code dtype}. */
    static boolean fits(Schema schema, DType dtype) {
        Schema s = nonNull(schema);
        if (s.getType() == Schema.Type.ARRAY) {
            return fits(s.getElementType(), dtype);
        }
        Schema.Type t = s.getType();
        return switch (dtype) {
            case FLOAT, DOUBLE ->
                    t == Schema.Type.INT
                            || t == Schema.Type.LONG
                            || t == Schema.Type.FLOAT
                            || t == Schema.Type.DOUBLE;
            case INT32, INT64 -> t == Schema.Type.INT || t == Schema.Type.LONG;
            case BOOL -> t == Schema.Type.BOOLEAN;
            case STRING ->
                    t == Schema.Type.STRING
                            || t == Schema.Type.ENUM
                            || t == Schema.Type.BYTES
                            || t == Schema.Type.FIXED;
            default -> true; // the signature check refuses unsupported dtypes before this
        };
    }

    /** The Avro types that feed {@code dtype}, for messages. */
    static String kindsFor(DType dtype) {
        return switch (dtype) {
            case FLOAT, DOUBLE -> "float or double";
            case INT32, INT64 -> "int or long";
            case BOOL -> "boolean";
            case STRING -> "string, enum or bytes";
            default -> "any";
        };
    }

    /** An Avro type in a few words: {@code string}, {@code array of float}, {@code record a.B}. */
    static String describe(Schema schema) {
        Schema s = nonNull(schema);
        String nullable = s != schema ? "nullable " : "";
        String base =
                switch (s.getType()) {
                    case ARRAY -> "array of " + describe(s.getElementType());
                    case MAP -> "map of " + describe(s.getValueType());
                    case RECORD -> "record " + s.getFullName();
                    case ENUM -> "enum " + s.getFullName();
                    case FIXED -> "fixed " + s.getFullName();
                    case UNION ->
                            "union " + s.getTypes().stream().map(AvroTypes::describe).toList();
                    default ->
                            s.getLogicalType() != null
                                    ? s.getType().getName()
                                            + " ("
                                            + s.getLogicalType().getName()
                                            + ")"
                                    : s.getType().getName();
                };
        return nullable + base;
    }
}
