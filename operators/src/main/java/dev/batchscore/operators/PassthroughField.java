package dev.batchscore.operators;

import java.io.Serializable;
import java.util.Objects;

/**
 * A JSON field copied from the input record to the scored row unchanged.
 *
 * <p>A value whose JSON type does not match {@code type} is stored as its JSON text when the column
 * is {@link Type#STRING} (so objects and arrays survive as text) and as {@code null} otherwise; a
 * missing field or a JSON {@code null} is {@code null}.
 *
 * @param name the JSON field name, which is also the column name
 * @param type the column type
 */
public record PassthroughField(String name, Type type) implements Serializable {

    /** Column types a passthrough field can have. */
    public enum Type {
        STRING,
        LONG,
        DOUBLE,
        BOOLEAN
    }

    public PassthroughField {
        Objects.requireNonNull(name, "passthrough field name");
        Objects.requireNonNull(type, "passthrough field type");
        if (name.isBlank()) {
            throw new IllegalArgumentException("passthrough field name is blank");
        }
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
}
