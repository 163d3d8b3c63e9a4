package dev.batchscore.operators;

import java.io.Serializable;
import java.util.Objects;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.BooleanType;
import org.apache.flink.table.types.logical.DoubleType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.VarCharType;

/**
 * A field copied from the input record to the scored row unchanged.
 *
 * <p>The column type is one of the four {@link Type}s users declare ({@code name:type}), or, for a
 * format with a schema (Avro, Protobuf), whatever the schema gives the field: timestamps, decimals,
 * nested rows, lists and maps included. How a record's value becomes the column's value is the
 * record format's business.
 *
 * @param name the record field name, which is also the column name
 * @param columnType the column's Flink type (nullable)
 */
public record PassthroughField(String name, LogicalType columnType) implements Serializable {

    /** The column types users declare for a passthrough field. */
    public enum Type {
        STRING(new VarCharType(VarCharType.MAX_LENGTH)),
        LONG(new BigIntType()),
        DOUBLE(new DoubleType()),
        BOOLEAN(new BooleanType());

        private final LogicalType logicalType;

        Type(LogicalType logicalType) {
            this.logicalType = logicalType;
        }

        public LogicalType logicalType() {
            return logicalType;
        }
    }

    public PassthroughField {
        Objects.requireNonNull(name, "passthrough field name");
        Objects.requireNonNull(columnType, "passthrough field type");
        if (name.isBlank()) {
            throw new IllegalArgumentException("passthrough field name is blank");
        }
        columnType = columnType.copy(true);
    }

    public PassthroughField(String name, Type type) {
        this(name, Objects.requireNonNull(type, "passthrough field type").logicalType());
    }

    /** The declared type this column's type is, or null when it is none of them (a schema's). */
    public Type type() {
        for (Type t : Type.values()) {
            if (t.logicalType.equals(columnType)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Parses {@code name} or {@code name:type} (type case-insensitive, {@code string} by default),
     * as the CLI writes it.
     */
    public static PassthroughField parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon < 0) {
            return new PassthroughField(text.trim(), Type.STRING);
        }
        String typeName = text.substring(colon + 1).trim();
        try {
            return new PassthroughField(
                    text.substring(0, colon).trim(),
                    Type.valueOf(typeName.toUpperCase(java.util.Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "passthrough field '"
                            + text
                            + "' has unknown type '"
                            + typeName
                            + "'; use one of string, long, double, boolean",
                    e);
        }
    }

    @Override
    public String toString() {
        Type t = type();
        return name + ":" + (t != null ? t.name().toLowerCase(java.util.Locale.ROOT) : columnType);
    }
}
