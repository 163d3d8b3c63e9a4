package dev.batchscore.operators.format.json;

/**
 * The byte-level rules both fast JSON paths share ({@link AsciiJsonParser}, which builds Jackson's
 * tree, and {@link JsonFieldScanner}, which reads fields straight into arrays): what a plain token
 * is, where it ends and the limits past which a record goes to Jackson. In one place, so the same
 * records take the same path in both.
 */
final class AsciiJson {
    static final int MAX_DEPTH = 64;

    /** The longest number taken; a longer one goes to Jackson. */
    static final int MAX_NUMBER = 256;

    /** The longest string taken (its closing quote this far or farther: Jackson). */
    static final int MAX_STRING = MAX_NUMBER * 64;

    private AsciiJson() {}

    /** Whether a token may end before {@code in[p]}: the end, a comma, a bracket or whitespace. */
    static boolean delimiterAt(byte[] in, int p) {
        if (p >= in.length) {
            return true;
        }
        byte b = in[p];
        return b == ',' || b == ']' || b == '}' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /** The index of the first byte at or after {@code p} that is not JSON whitespace. */
    static int skipWhitespace(byte[] in, int p) {
        while (p < in.length) {
            byte b = in[p];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                break;
            }
            p++;
        }
        return p;
    }

    /**
     * The index of the closing quote of the string whose first character is at {@code start}, or -1
     * when it is not plain (an escape, a control character, or longer than {@link #MAX_STRING}).
     */
    static int stringEnd(byte[] in, int start) {
        final int limit = Math.min(in.length, start + MAX_STRING);
        for (int p = start; p < limit; p++) {
            byte b = in[p];
            if (b == '"') {
                return p;
            }
            if (b == '\\' || b < 0x20) {
                return -1;
            }
        }
        return -1;
    }

    /** The index after {@code word} at {@code p} when a delimiter follows it, else -1. */
    static int literalEnd(byte[] in, int p, String word) {
        int n = word.length();
        if (p + n > in.length) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (in[p + i] != word.charAt(i)) {
                return -1;
            }
        }
        return delimiterAt(in, p + n) ? p + n : -1;
    }
}
