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
    private static final int MAX_DEPTH = 64;
    private static final int MAX_TOKEN = 256;
    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    private final byte[] in;
    private int pos;

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
        if (depth > MAX_DEPTH) {
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
        if (depth > MAX_DEPTH) {
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
        int start = ++pos; // '"'
        int limit = Math.min(in.length, start + MAX_TOKEN * 64);
        while (pos < limit) {
            byte b = in[pos];
            if (b == '"') {
                String s = new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
                pos++;
                return s;
            }
            if (b == '\\' || b < 0x20) {
                return null;
            }
            pos++;
        }
        return null;
    }

    private boolean literal(String word) {
        int n = word.length();
        if (pos + n > in.length) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (in[pos + i] != word.charAt(i)) {
                return false;
            }
        }
        pos += n;
        return delimiterFollows();
    }

    /**
     * A JSON number as Jackson's tree holds it: an int or long node for an integer of up to 18
     * digits, a double node (the correctly rounded double) for a fraction or exponent; null for
     * anything else (a longer integer is a BigInteger there, a malformed number an error).
     */
    private JsonNode number() {
        // Locals, not the fields, in the loops: the hottest code of the decoder.
        final byte[] in = this.in;
        final int n = in.length;
        int p = pos;
        final int start = p;
        boolean negative = in[p] == '-';
        if (negative) {
            p++;
        }
        long mantissa = 0;
        // Significant digits in the mantissa (at most 18, so it cannot overflow); 19 once a digit
        // did not fit.
        int digits = 0;
        int dropped = 0; // integer digits that did not fit the mantissa
        final int intStart = p;
        int d;
        while (p < n && (d = in[p] - '0') >= 0 && d <= 9) {
            if (digits < 18) {
                mantissa = mantissa * 10 + d;
                if (mantissa != 0) {
                    digits++;
                }
            } else {
                dropped++;
                digits = 19; // the mantissa is cut: too precise for the fast path below
            }
            p++;
        }
        final int intDigits = p - intStart;
        if (intDigits == 0 || (intDigits > 1 && in[intStart] == '0')) {
            return null; // no digits, or a leading zero
        }
        int exponent = dropped;
        boolean fp = false;
        if (p < n && in[p] == '.') {
            fp = true;
            p++;
            final int fracStart = p;
            while (p < n && (d = in[p] - '0') >= 0 && d <= 9) {
                if (digits < 18) {
                    mantissa = mantissa * 10 + d;
                    exponent--;
                    if (mantissa != 0) {
                        digits++;
                    }
                } else {
                    digits = 19; // the mantissa is cut: too precise for the fast path below
                }
                p++;
            }
            if (p == fracStart) {
                return null;
            }
        }
        if (p < n && (in[p] == 'e' || in[p] == 'E')) {
            fp = true;
            p++;
            boolean negativeExp = false;
            if (p < n && (in[p] == '+' || in[p] == '-')) {
                negativeExp = in[p] == '-';
                p++;
            }
            final int expStart = p;
            int exp = 0;
            while (p < n && (d = in[p] - '0') >= 0 && d <= 9) {
                if (exp < 100_000) {
                    exp = exp * 10 + d;
                }
                p++;
            }
            if (p == expStart) {
                return null;
            }
            exponent += negativeExp ? -exp : exp;
        }
        pos = p;
        if (p - start > MAX_TOKEN || !delimiterFollows()) {
            return null;
        }
        if (!fp) {
            if (intDigits > 18) {
                return null;
            }
            if (negative && mantissa == 0) {
                return null; // -0: leave the corner to Jackson
            }
            long v = negative ? -mantissa : mantissa;
            return v == (int) v ? IntNode.valueOf((int) v) : LongNode.valueOf(v);
        }
        return DoubleNode.valueOf(toDouble(negative, mantissa, digits, exponent, start));
    }

    /**
     * mantissa x 10^exponent, correctly rounded: exact arithmetic when both fit a double (Clinger's
     * fast path), else the JDK's parser, which rounds correctly too.
     */
    private double toDouble(boolean negative, long mantissa, int digits, int exponent, int start) {
        if (mantissa == 0 && digits == 0) {
            return negative ? -0.0 : 0.0;
        }
        if (digits <= 18 && mantissa < (1L << 53) && Math.abs(exponent) <= 22) {
            double m = mantissa;
            double d = exponent >= 0 ? m * POWERS_OF_TEN[exponent] : m / POWERS_OF_TEN[-exponent];
            return negative ? -d : d;
        }
        return Double.parseDouble(new String(in, start, pos - start, StandardCharsets.ISO_8859_1));
    }

    private boolean delimiterFollows() {
        if (pos >= in.length) {
            return true;
        }
        byte b = in[pos];
        return b == ',' || b == ']' || b == '}' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    private void skipWhitespace() {
        while (pos < in.length) {
            byte b = in[pos];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return;
            }
            pos++;
        }
    }
}
