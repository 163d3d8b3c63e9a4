package dev.batchscore.operators.format.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.nio.charset.StandardCharsets;

/**
 * The hot path of {@link JsonRecordDecoder}: parses the plain JSON most records are (an object of
 * ASCII keys and values: numbers, arrays of numbers, unescaped strings, true, false, null) straight
 * from the bytes into the same tree Jackson builds, with numbers parsed without a detour through a
 * char buffer. Profiled on the reference tabular records (64 floats each), Jackson's tokenizing of
 * the numbers was most of the scoring thread's CPU.
 *
 * <p>It accepts only what it is sure of and returns null for anything else (escapes, duplicate
 * keys, NaN, very long numbers or keys, deep nesting, malformed input...), which the decoder then
 * parses with Jackson as before: records, values and error messages are the same either way.
 */
final class AsciiJsonParser {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final byte[] in;
    private int pos;
    private final JsonNumber jsonNumber = new JsonNumber();

    private AsciiJsonParser(byte[] in) {
        this.in = in;
    }

    /**
     * {@code value} as a JSON object, or null when Jackson should decide. What it accepts is all
     * ASCII: a byte of 0x80 or more (negative) is neither a token nor allowed in its strings.
     */
    static ObjectNode parse(byte[] value) {
        AsciiJsonParser p = new AsciiJsonParser(value);
        p.skipWhitespace();
        if (p.pos >= value.length || value[p.pos] != '{') {
            return null;
        }
        ObjectNode node = p.object(0);
        if (node == null) {
            return null;
        }
        p.skipWhitespace();
        return p.pos == value.length ? node : null;
    }

    private JsonNode value(int depth) {
        if (pos >= in.length) {
            return null;
        }
        byte b = in[pos];
        switch (b) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                String s = string();
                return s == null ? null : TextNode.valueOf(s);
            case 't':
                return literal("true") ? BooleanNode.TRUE : null;
            case 'f':
                return literal("false") ? BooleanNode.FALSE : null;
            case 'n':
                return literal("null") ? NullNode.instance : null;
            default:
                return b == '-' || (b >= '0' && b <= '9') ? number() : null;
        }
    }

    private ObjectNode object(int depth) {
        if (depth > AsciiJson.MAX_DEPTH) {
            return null;
        }
        pos++; // '{'
        ObjectNode node = NODES.objectNode();
        skipWhitespace();
        if (pos < in.length && in[pos] == '}') {
            pos++;
            return node;
        }
        while (true) {
            if (pos >= in.length || in[pos] != '"') {
                return null;
            }
            String key = string();
            if (key == null) {
                return null;
            }
            skipWhitespace();
            if (pos >= in.length || in[pos] != ':') {
                return null;
            }
            pos++;
            skipWhitespace();
            JsonNode v = value(depth);
            if (v == null || node.replace(key, v) != null) { // a duplicate key: Jackson says so
                return null;
            }
            skipWhitespace();
            if (pos >= in.length) {
                return null;
            }
            byte b = in[pos++];
            if (b == '}') {
                return node;
            }
            if (b != ',') {
                return null;
            }
            skipWhitespace();
        }
    }

    private ArrayNode array(int depth) {
        if (depth > AsciiJson.MAX_DEPTH) {
            return null;
        }
        pos++; // '['
        ArrayNode node = NODES.arrayNode();
        skipWhitespace();
        if (pos < in.length && in[pos] == ']') {
            pos++;
            return node;
        }
        while (true) {
            JsonNode v = value(depth);
            if (v == null) {
                return null;
            }
            node.add(v);
            skipWhitespace();
            if (pos >= in.length) {
                return null;
            }
            byte b = in[pos++];
            if (b == ']') {
                return node;
            }
            if (b != ',') {
                return null;
            }
            skipWhitespace();
        }
    }

    /** A string without escapes or control characters, or null. */
    private String string() {
        int start = pos + 1; // after '"'
        int end = AsciiJson.stringEnd(in, start);
        if (end < 0) {
            return null;
        }
        pos = end + 1;
        return new String(in, start, end - start, StandardCharsets.ISO_8859_1);
    }

    private boolean literal(String word) {
        int end = AsciiJson.literalEnd(in, pos, word);
        if (end < 0) {
            return false;
        }
        pos = end;
        return true;
    }

    /**
     * A JSON number as Jackson's tree holds it: an int or long node for an integer of up to 18
     * digits, a double node (the correctly rounded double) for a fraction or exponent; null for
     * anything else (a longer integer is a BigInteger there, a malformed number an error).
     */
    private JsonNode number() {
        if (!jsonNumber.read(in, pos)) {
            return null; // no digits, a leading zero, a dot or exponent without digits
        }
        pos = jsonNumber.end;
        if (jsonNumber.end - jsonNumber.start > AsciiJson.MAX_NUMBER || !delimiterFollows()) {
            return null;
        }
        if (!jsonNumber.fractional) {
            if (!jsonNumber.isPlainInteger()) {
                return null;
            }
            long v = jsonNumber.longValue();
            return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
        }
        return DoubleNode.valueOf(jsonNumber.toDouble(in));
    }

    private boolean delimiterFollows() {
        return AsciiJson.delimiterAt(in, pos);
    }

    private void skipWhitespace() {
        pos = AsciiJson.skipWhitespace(in, pos);
    }
}
