package dev.batchscore.operators.format.csv;

import dev.batchscore.operators.format.DecodeException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one CSV line (a record value, UTF-8) into its fields as RFC 4180 writes them: a field in
 * double quotes may hold the delimiter, line breaks and {@code ""} for a quote. A state machine
 * over the bytes: the delimiter, quote and line breaks are ASCII, and no byte of a multi-byte UTF-8
 * character is, so no decoding happens before a field is cut out.
 *
 * <p>An empty unquoted field is null (no value), a quoted empty field {@code ""} the empty string,
 * so a producer can tell them apart. One line break at the end of the value is ignored; a quote
 * inside an unquoted field is kept as a character (common outside RFC 4180, e.g. {@code 5'10"}).
 * Not thread-safe: one per reader.
 */
final class CsvParser {
    private static final byte QUOTE = '"';

    private enum State {
        FIELD_START,
        UNQUOTED,
        QUOTED,
        QUOTE_IN_QUOTED
    }

    private final byte delimiter;
    private final ByteArrayOutputStream quoted = new ByteArrayOutputStream();

    CsvParser(char delimiter) {
        if (delimiter > 0x7f || delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
            throw new IllegalArgumentException(
                    "CSV delimiter must be ASCII, not a quote or a line break");
        }
        this.delimiter = (byte) delimiter;
    }

    /** The fields of {@code value}: strings, null for an empty unquoted field. */
    List<String> parse(byte[] value) throws DecodeException {
        int end = value.length;
        if (end > 0 && value[end - 1] == '\n') {
            end--;
            if (end > 0 && value[end - 1] == '\r') {
                end--;
            }
        } else if (end > 0 && value[end - 1] == '\r') {
            end--;
        }
        List<String> fields = new ArrayList<>();
        State state = State.FIELD_START;
        int start = 0;
        int quoteAt = -1;
        for (int i = 0; i < end; i++) {
            byte b = value[i];
            switch (state) {
                case FIELD_START:
                    if (b == QUOTE) {
                        state = State.QUOTED;
                        quoteAt = i;
                        quoted.reset();
                    } else if (b == delimiter) {
                        fields.add(null);
                    } else if (b == '\n' || b == '\r') {
                        throw lineBreak(i, fields.size());
                    } else {
                        state = State.UNQUOTED;
                        start = i;
                    }
                    break;
                case UNQUOTED:
                    if (b == delimiter) {
                        fields.add(text(value, start, i));
                        state = State.FIELD_START;
                    } else if (b == '\n' || b == '\r') {
                        throw lineBreak(i, fields.size());
                    }
                    break;
                case QUOTED:
                    if (b == QUOTE) {
                        state = State.QUOTE_IN_QUOTED;
                    } else {
                        quoted.write(b);
                    }
                    break;
                case QUOTE_IN_QUOTED:
                    if (b == QUOTE) {
                        quoted.write(QUOTE); // "" inside quotes: one quote
                        state = State.QUOTED;
                    } else if (b == delimiter) {
                        fields.add(quoted.toString(StandardCharsets.UTF_8));
                        state = State.FIELD_START;
                    } else {
                        throw new DecodeException(
                                "CSV field "
                                        + (fields.size() + 1)
                                        + " has "
                                        + shown(b)
                                        + " after its closing quote (byte "
                                        + i
                                        + "): a quote inside a quoted field is written \"\"");
                    }
                    break;
                default:
                    throw new IllegalStateException(state.name());
            }
        }
        switch (state) {
            case QUOTED:
                throw new DecodeException(
                        "CSV field "
                                + (fields.size() + 1)
                                + " opens a quote at byte "
                                + quoteAt
                                + " that is never closed: close it, and write a quote inside"
                                + " it as \"\"");
            case QUOTE_IN_QUOTED:
                fields.add(quoted.toString(StandardCharsets.UTF_8));
                break;
            case UNQUOTED:
                fields.add(text(value, start, end));
                break;
            default:
                fields.add(null); // empty last field (or an empty line: one null field)
                break;
        }
        return fields;
    }

    private static String text(byte[] value, int from, int to) {
        return new String(value, from, to - from, StandardCharsets.UTF_8);
    }

    private static DecodeException lineBreak(int at, int field) {
        return new DecodeException(
                "CSV value has a line break outside quotes at byte "
                        + at
                        + " (in field "
                        + (field + 1)
                        + "): produce one CSV line per record, or quote a field that holds one");
    }

    private static String shown(byte b) {
        return b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("byte 0x%02x", b);
    }
}
