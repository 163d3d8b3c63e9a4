package dev.batchscore.operators.format.json;

import dev.batchscore.models.DType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The hot path of {@link JsonReader}: one pass over a record's bytes that decodes the top-level
 * fields the reader needs and only checks the rest, with no node tree. A plain number array for a
 * {@code DT_FLOAT} or {@code DT_DOUBLE} vector goes straight into a scratch buffer of that type;
 * scalars into primitive fields. Profiled on the reference tabular records, the tree and the second
 * pass converting it to a {@code float[]} were over a third of the decoding time.
 *
 * <p>It accepts only records {@link AsciiJsonParser} accepts too and reads their values exactly as
 * it does (the same limits, every number to the same double); {@link #scan} returns false for
 * anything else, and the caller then takes the tree path, so values and error messages are the same
 * either way. Skipped values are checked as strictly as parsed ones (syntax, duplicate keys at
 * every depth), since a record the tree path rejects must not be read here.
 *
 * <p>Not thread-safe: one per reader, and it reuses its buffers from record to record.
 */
final class JsonFieldScanner {
    /** What a needed field held in the last scanned record. */
    enum Found {
        MISSING,
        NULL,
        /** An integer that fits an int; {@link #longValue}. */
        INT,
        /** Any other integer of up to 18 digits; {@link #longValue}. */
        LONG,
        /** A number with a fraction or an exponent; {@link #doubleValue}. */
        DOUBLE,
        TRUE,
        FALSE,
        /** {@link #string}. */
        STRING,
        /** A number array in the field's array buffer; {@link #copyArray}. */
        ARRAY,
        /** An object, or an array that is not for a primitive buffer: checked, not decoded. */
        OTHER
    }

    // Duplicate keys are found in one open-addressing table for all objects of a record; an entry
    // belongs to the object whose stamp it holds, and stamps older than the record are free slots,
    // so nothing is cleared between records. More keys or objects than this: the tree path.
    private static final int MAX_KEYS = 1024;
    private static final int MAX_OBJECTS = 1 << 16;

    // The needed fields, by slot, and a hash table over their names.
    private final JsonNumber jsonNumber = new JsonNumber();
    private final byte[][] names;
    private final int[] nameHashes;
    private final DType[] arrayTypes;
    private final int[] nameTable;

    // What the last record held, by slot.
    private final Found[] found;
    private final long[] longs;
    private final double[] doubles;
    private final int[] stringStarts;
    private final int[] stringEnds;
    private final int[] arrayLengths;
    private final float[][] floatBuffers;
    private final double[][] doubleBuffers;

    private final int[] keyTableStamps = new int[2 * MAX_KEYS];
    private final int[] keyTableKeys = new int[2 * MAX_KEYS];
    private final int[] keyStarts = new int[MAX_KEYS];
    private final int[] keyLengths = new int[MAX_KEYS];
    private final int[] keyHashes = new int[MAX_KEYS];
    private int keyCount;
    private int stamp;
    private int recordFirstStamp;

    private byte[] in;
    private int pos;
    // The last number scanned.
    private long numberLong;
    private double numberDouble;

    /**
     * @param names the top-level field names to decode, one slot each
     * @param arrayTypes per slot: {@code FLOAT} or {@code DOUBLE} when a number array there goes
     *     into a primitive buffer, else null (an array is then {@link Found#OTHER})
     */
    JsonFieldScanner(String[] names, DType[] arrayTypes) {
        int n = names.length;
        this.names = new byte[n][];
        this.nameHashes = new int[n];
        this.arrayTypes = arrayTypes.clone();
        this.nameTable = new int[Integer.highestOneBit(Math.max(4 * n, 8) - 1) << 1];
        for (int slot = 0; slot < n; slot++) {
            // UTF-8: a name outside ASCII can match no key here (such records go the tree way).
            byte[] bytes = names[slot].getBytes(StandardCharsets.UTF_8);
            this.names[slot] = bytes;
            nameHashes[slot] = hash(bytes, 0, bytes.length);
            int i = mix(nameHashes[slot]) & (nameTable.length - 1);
            while (nameTable[i] != 0) {
                i = (i + 1) & (nameTable.length - 1);
            }
            nameTable[i] = slot + 1;
        }
        found = new Found[n];
        longs = new long[n];
        doubles = new double[n];
        stringStarts = new int[n];
        stringEnds = new int[n];
        arrayLengths = new int[n];
        floatBuffers = new float[n][];
        doubleBuffers = new double[n][];
        for (int slot = 0; slot < n; slot++) {
            if (arrayTypes[slot] == DType.FLOAT) {
                floatBuffers[slot] = new float[64];
            } else if (arrayTypes[slot] == DType.DOUBLE) {
                doubleBuffers[slot] = new double[64];
            } else if (arrayTypes[slot] != null) {
                throw new IllegalArgumentException("no primitive buffer for " + arrayTypes[slot]);
            }
        }
    }

    /**
     * Scans {@code value}: true when it is one plain JSON object this scanner reads exactly as the
     * tree path would, its needed fields then being in {@link #found} and the accessors until the
     * next scan; false when the tree path must read it.
     */
    boolean scan(byte[] value) {
        Arrays.fill(found, Found.MISSING);
        if (value == null) {
            return false;
        }
        in = value;
        pos = 0;
        keyCount = 0;
        if (stamp > Integer.MAX_VALUE - MAX_OBJECTS - 2) {
            Arrays.fill(keyTableStamps, 0);
            stamp = 0;
        }
        recordFirstStamp = stamp + 1;
        skipWhitespace();
        if (pos >= in.length || in[pos] != '{' || !object(0, true)) {
            return false;
        }
        skipWhitespace();
        return pos == in.length;
    }

    Found found(int slot) {
        return found[slot];
    }

    long longValue(int slot) {
        return longs[slot];
    }

    double doubleValue(int slot) {
        return doubles[slot];
    }

    /** The string a {@link Found#STRING} slot holds (ASCII, no escapes, so one char per byte). */
    String string(int slot) {
        return new String(
                in,
                stringStarts[slot],
                stringEnds[slot] - stringStarts[slot],
                StandardCharsets.ISO_8859_1);
    }

    /** A new {@code float[]} or {@code double[]} of an {@link Found#ARRAY} slot's numbers. */
    Object copyArray(int slot) {
        return arrayTypes[slot] == DType.FLOAT
                ? Arrays.copyOf(floatBuffers[slot], arrayLengths[slot])
                : Arrays.copyOf(doubleBuffers[slot], arrayLengths[slot]);
    }

    DType arrayType(int slot) {
        return arrayTypes[slot];
    }

    /** An object at {@code pos} ('{'); at the top level its needed fields are decoded. */
    private boolean object(int depth, boolean top) {
        if (depth > AsciiJson.MAX_DEPTH || stamp - recordFirstStamp >= MAX_OBJECTS) {
            return false;
        }
        int objectStamp = ++stamp;
        pos++; // '{'
        skipWhitespace();
        if (pos < in.length && in[pos] == '}') {
            pos++;
            return true;
        }
        while (true) {
            if (pos >= in.length || in[pos] != '"') {
                return false;
            }
            int keyStart = pos + 1;
            int keyHash = key();
            if (pos < 0) {
                return false;
            }
            int keyLength = pos - 1 - keyStart;
            if (!addKey(objectStamp, keyStart, keyLength, keyHash)) {
                return false; // a duplicate key (the tree path says so), or too many keys
            }
            skipWhitespace();
            if (pos >= in.length || in[pos] != ':') {
                return false;
            }
            pos++;
            skipWhitespace();
            int slot = top ? slotOf(keyStart, keyLength, keyHash) : -1;
            if (!(slot >= 0 ? neededValue(slot, depth) : skipValue(depth))) {
                return false;
            }
            skipWhitespace();
            if (pos >= in.length) {
                return false;
            }
            byte b = in[pos++];
            if (b == '}') {
                return true;
            }
            if (b != ',') {
                return false;
            }
            skipWhitespace();
        }
    }

    /**
     * A key at {@code pos} ('"'): its hash, with {@code pos} after the closing quote; {@code pos}
     * is -1 when it is not a plain string.
     */
    private int key() {
        final byte[] in = this.in;
        int p = pos + 1;
        final int limit = Math.min(in.length, p + AsciiJson.MAX_STRING);
        int h = 0;
        while (p < limit) {
            byte b = in[p];
            if (b == '"') {
                pos = p + 1;
                return h;
            }
            if (b == '\\' || b < 0x20) {
                break;
            }
            h = 31 * h + b;
            p++;
        }
        pos = -1;
        return -1;
    }

    private static int hash(byte[] bytes, int from, int length) {
        int h = 0;
        for (int i = from; i < from + length; i++) {
            h = 31 * h + bytes[i];
        }
        return h;
    }

    private static int mix(int h) {
        return (h * 0x9E3779B9) >>> 7;
    }

    /** Records a key of the object {@code objectStamp}; false for a duplicate or too many keys. */
    private boolean addKey(int objectStamp, int start, int length, int hash) {
        if (keyCount == MAX_KEYS) {
            return false;
        }
        int mask = keyTableStamps.length - 1;
        int i = mix(hash) & mask;
        while (keyTableStamps[i] >= recordFirstStamp) {
            int k = keyTableKeys[i];
            if (keyTableStamps[i] == objectStamp
                    && keyHashes[k] == hash
                    && keyLengths[k] == length
                    && Arrays.equals(
                            in, keyStarts[k], keyStarts[k] + length, in, start, start + length)) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keyTableStamps[i] = objectStamp;
        keyTableKeys[i] = keyCount;
        keyStarts[keyCount] = start;
        keyLengths[keyCount] = length;
        keyHashes[keyCount] = hash;
        keyCount++;
        return true;
    }

    /** The slot of the needed field named by the key at {@code start}, or -1. */
    private int slotOf(int start, int length, int hash) {
        int mask = nameTable.length - 1;
        for (int i = mix(hash) & mask; nameTable[i] != 0; i = (i + 1) & mask) {
            int slot = nameTable[i] - 1;
            byte[] name = names[slot];
            if (nameHashes[slot] == hash
                    && name.length == length
                    && Arrays.equals(name, 0, length, in, start, start + length)) {
                return slot;
            }
        }
        return -1;
    }

    /** The value at {@code pos} of a needed field, into its slot. */
    private boolean neededValue(int slot, int depth) {
        if (pos >= in.length) {
            return false;
        }
        switch (in[pos]) {
            case '[':
                if (arrayTypes[slot] != null) {
                    found[slot] = Found.ARRAY;
                    return depth + 1 <= AsciiJson.MAX_DEPTH && numberArray(slot);
                }
                found[slot] = Found.OTHER;
                return skipValue(depth);
            case '{':
                found[slot] = Found.OTHER;
                return skipValue(depth);
            case '"':
                stringStarts[slot] = pos + 1;
                if (!skipString()) {
                    return false;
                }
                stringEnds[slot] = pos - 1;
                found[slot] = Found.STRING;
                return true;
            case 't':
                found[slot] = Found.TRUE;
                return literal("true");
            case 'f':
                found[slot] = Found.FALSE;
                return literal("false");
            case 'n':
                found[slot] = Found.NULL;
                return literal("null");
            default:
                Found number = number(true);
                if (number == null) {
                    return false;
                }
                found[slot] = number;
                longs[slot] = numberLong;
                doubles[slot] = numberDouble;
                return true;
        }
    }

    /**
     * An array of plain numbers at {@code pos}, into the slot's buffer as NumberArrays converts
     * them: via the double the tree holds, so a float is that double rounded once more. Anything
     * NumberArrays would not take (null, strings, nesting, out of range) is false.
     */
    private boolean numberArray(int slot) {
        boolean floats = arrayTypes[slot] == DType.FLOAT;
        pos++; // '['
        skipWhitespace();
        int count = 0;
        if (pos < in.length && in[pos] == ']') {
            pos++;
            arrayLengths[slot] = 0;
            return true;
        }
        while (true) {
            double d = shortNumber();
            if (d != d) { // not a short number: the general reader (it never gives NaN)
                Found number = number(true);
                if (number == null) {
                    return false;
                }
                d = number == Found.DOUBLE ? numberDouble : (double) numberLong;
            }
            if (floats) {
                if (!(Math.abs(d) <= Float.MAX_VALUE)) {
                    return false;
                }
                float[] buffer = floatBuffers[slot];
                if (count == buffer.length) {
                    buffer = floatBuffers[slot] = Arrays.copyOf(buffer, 2 * count);
                }
                buffer[count++] = (float) d;
            } else {
                if (!Double.isFinite(d)) {
                    return false;
                }
                double[] buffer = doubleBuffers[slot];
                if (count == buffer.length) {
                    buffer = doubleBuffers[slot] = Arrays.copyOf(buffer, 2 * count);
                }
                buffer[count++] = d;
            }
            // skipWhitespace only where there may be some: this loop is the record's hot spot.
            if (pos < in.length && in[pos] <= ' ') {
                skipWhitespace();
            }
            if (pos >= in.length) {
                return false;
            }
            byte b = in[pos++];
            if (b == ']') {
                arrayLengths[slot] = count;
                return true;
            }
            if (b != ',') {
                return false;
            }
            if (pos < in.length && in[pos] <= ' ') {
                skipWhitespace();
            }
        }
    }

    /** Checks the value at {@code pos} as AsciiJsonParser would parse it, building nothing. */
    private boolean skipValue(int depth) {
        if (pos >= in.length) {
            return false;
        }
        switch (in[pos]) {
            case '{':
                return object(depth + 1, false);
            case '[':
                return skipArray(depth + 1);
            case '"':
                return skipString();
            case 't':
                return literal("true");
            case 'f':
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number(false) != null;
        }
    }

    private boolean skipArray(int depth) {
        if (depth > AsciiJson.MAX_DEPTH) {
            return false;
        }
        pos++; // '['
        skipWhitespace();
        if (pos < in.length && in[pos] == ']') {
            pos++;
            return true;
        }
        while (true) {
            if (!skipValue(depth)) {
                return false;
            }
            skipWhitespace();
            if (pos >= in.length) {
                return false;
            }
            byte b = in[pos++];
            if (b == ']') {
                return true;
            }
            if (b != ',') {
                return false;
            }
            skipWhitespace();
        }
    }

    /** A string without escapes or control characters at {@code pos} ('"'). */
    private boolean skipString() {
        int end = AsciiJson.stringEnd(in, pos + 1);
        if (end < 0) {
            return false;
        }
        pos = end + 1;
        return true;
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
     * The JSON number at {@code pos}, as AsciiJsonParser reads it (the same code, kept in step by
     * the tests): {@link Found#INT} or {@link Found#LONG} in {@link #numberLong}, {@link
     * Found#DOUBLE} in {@link #numberDouble} (computed only when {@code value}), or null for what
     * it leaves to Jackson.
     */
    private Found number(boolean value) {
        if (!jsonNumber.read(in, pos)) {
            return null;
        }
        pos = jsonNumber.end;
        if (jsonNumber.end - jsonNumber.start > AsciiJson.MAX_NUMBER || !delimiterFollows()) {
            return null;
        }
        if (!jsonNumber.fractional) {
            if (!jsonNumber.isPlainInteger()) {
                return null; // a BigInteger or -0 in the tree path: Jackson's corner
            }
            long v = jsonNumber.longValue();
            numberLong = v;
            return v == (int) v ? Found.INT : Found.LONG;
        }
        if (value) {
            numberDouble = jsonNumber.toDouble(in);
        }
        return Found.DOUBLE;
    }

    /**
     * The number at {@code pos} when it is short (at most 18 digits, an exponent of at most 4) and
     * exact by Clinger's fast path: the same value {@link #number} gives, in fewer steps per digit
     * (no count of significant digits), which is most of the time a vector of floats takes. NaN,
     * with {@code pos} unchanged, for anything else.
     */
    private double shortNumber() {
        final byte[] in = this.in;
        final int n = in.length;
        int p = pos;
        // 1 for a '-', else 0, without a branch: a vector's signs are random, and a mispredicted
        // branch per number costs more than this (the byte masked, so only '-' gives 0 - 1 < 0).
        final int negative = p < n ? (((in[p] & 0xFF) ^ '-') - 1) >>> 31 : 0;
        p += negative;
        final int intStart = p;
        long mantissa = 0;
        int d;
        // No overflow check: more than 18 digits are refused below, whatever the mantissa became.
        while (p < n && ((d = in[p] - '0') & 0xFF) < 10) { // one test: a byte below '0' wraps high
            mantissa = mantissa * 10 + d;
            p++;
        }
        final int intDigits = p - intStart;
        if (intDigits == 0 || intDigits > 18 || (intDigits > 1 && in[intStart] == '0')) {
            return Double.NaN;
        }
        int exponent = 0;
        boolean fp = false;
        if (p < n && in[p] == '.') {
            fp = true;
            final int fracStart = ++p;
            while (p < n && ((d = in[p] - '0') & 0xFF) < 10) {
                mantissa = mantissa * 10 + d;
                p++;
            }
            if (p == fracStart || intDigits + p - fracStart > 18) {
                return Double.NaN;
            }
            exponent = fracStart - p;
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
            while (p < n && ((d = in[p] - '0') & 0xFF) < 10) {
                exp = exp * 10 + d;
                p++;
            }
            if (p == expStart || p - expStart > 4) {
                return Double.NaN;
            }
            exponent += negativeExp ? -exp : exp;
        }
        if (!AsciiJson.delimiterAt(in, p)) {
            return Double.NaN;
        }
        if (!fp) {
            if (negative != 0 && mantissa == 0) {
                return Double.NaN; // -0: the general reader's refusal
            }
            pos = p;
            return negative != 0 ? -mantissa : mantissa;
        }
        if (mantissa >= (1L << 53) || exponent < -22 || exponent > 22) {
            return Double.NaN;
        }
        pos = p;
        double m = mantissa;
        double v =
                exponent >= 0
                        ? m * JsonNumber.POWERS_OF_TEN[exponent]
                        : m / JsonNumber.POWERS_OF_TEN[-exponent];
        // The sign bit set from negative, again without a branch.
        return Double.longBitsToDouble(Double.doubleToRawLongBits(v) | ((long) negative << 63));
    }

    private boolean delimiterFollows() {
        return AsciiJson.delimiterAt(in, pos);
    }

    private void skipWhitespace() {
        pos = AsciiJson.skipWhitespace(in, pos);
    }
}
