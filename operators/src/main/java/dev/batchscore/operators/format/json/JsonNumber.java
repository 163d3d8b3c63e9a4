package dev.batchscore.operators.format.json;

import java.nio.charset.StandardCharsets;

/**
 * One JSON number read from ASCII bytes, the way both fast paths take it: {@link AsciiJsonParser}
 * builds Jackson's nodes from it and {@link JsonFieldScanner} writes it straight into arrays, so
 * both give every number the same value. Its digits go into a mantissa of at most 18 significant
 * digits and a power of ten; {@link #toDouble} rounds correctly. One instance per parser, reused:
 * the fields describe the last number {@link #read}.
 */
final class JsonNumber {
    static final double[] POWERS_OF_TEN = new double[23];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    int start;
    int end;
    boolean negative;
    long mantissa;
    // Significant digits in the mantissa (at most 18, so it cannot overflow); 19 once a digit did
    // not fit.
    int digits;
    int exponent;
    int intDigits;
    boolean fractional; // a fraction or an exponent

    /**
     * Reads the number at {@code in[p]}; false when there is none there (no digits, a leading zero,
     * a dot or an exponent without digits). {@link #end} is the index after it.
     */
    boolean read(byte[] in, int p) {
        final int n = in.length;
        start = p;
        if (p >= n) {
            return false;
        }
        final boolean neg = in[p] == '-';
        if (neg) {
            p++;
        }
        long m = 0;
        int sig = 0;
        int dropped = 0; // integer digits that did not fit the mantissa
        final int intStart = p;
        int d;
        while (p < n && (d = in[p] - '0') >= 0 && d <= 9) {
            if (sig < 18) {
                m = m * 10 + d;
                if (m != 0) {
                    sig++;
                }
            } else {
                dropped++;
                sig = 19; // the mantissa is cut: too precise for the fast path of toDouble
            }
            p++;
        }
        final int ints = p - intStart;
        if (ints == 0 || (ints > 1 && in[intStart] == '0')) {
            return false;
        }
        int exp10 = dropped;
        boolean fp = false;
        if (p < n && in[p] == '.') {
            fp = true;
            p++;
            final int fracStart = p;
            while (p < n && (d = in[p] - '0') >= 0 && d <= 9) {
                if (sig < 18) {
                    m = m * 10 + d;
                    exp10--;
                    if (m != 0) {
                        sig++;
                    }
                } else {
                    sig = 19;
                }
                p++;
            }
            if (p == fracStart) {
                return false;
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
                return false;
            }
            exp10 += negativeExp ? -exp : exp;
        }
        end = p;
        negative = neg;
        mantissa = m;
        digits = sig;
        exponent = exp10;
        intDigits = ints;
        fractional = fp;
        return true;
    }

    /**
     * An integer Jackson's tree holds as an int or a long: at most 18 digits (a longer one is a
     * BigInteger there) and not -0 (a corner left to Jackson).
     */
    boolean isPlainInteger() {
        return !fractional && intDigits <= 18 && !(negative && mantissa == 0);
    }

    long longValue() {
        return negative ? -mantissa : mantissa;
    }

    /**
     * mantissa x 10^exponent, correctly rounded: exact arithmetic when both fit a double (Clinger's
     * fast path), else the JDK's parser over the number's text in {@code in}, which rounds
     * correctly too.
     */
    double toDouble(byte[] in) {
        if (mantissa == 0 && digits == 0) {
            return negative ? -0.0 : 0.0;
        }
        if (digits <= 18 && mantissa < (1L << 53) && Math.abs(exponent) <= 22) {
            double m = mantissa;
            double d = exponent >= 0 ? m * POWERS_OF_TEN[exponent] : m / POWERS_OF_TEN[-exponent];
            return negative ? -d : d;
        }
        return Double.parseDouble(new String(in, start, end - start, StandardCharsets.ISO_8859_1));
    }
}
