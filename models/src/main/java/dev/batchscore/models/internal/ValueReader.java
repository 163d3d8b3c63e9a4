package dev.batchscore.models.internal;

import dev.batchscore.models.DType;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads one record field (as a JSON parser yields it) into a flat typed array, checking type, shape
 * and range. Every check that can fail on a record happens here, before any tensor exists.
 */
final class ValueReader {
    private static final double INT64_BOUND = 9.223372036854775808E18; // 2^63

    private ValueReader() {}

    /**
     * @param expected the row shape the model wants, -1 for a free dimension, {@code null} when any
     *     shape goes (unknown rank)
     * @param prefix the start of every message, e.g. {@code model input 'x' expects DT_FLOAT
     *     [-1,1]; field 'x'}
     */
    static RowValue read(Object value, DType dtype, List<Long> expected, String prefix)
            throws EncodeException {
        return read(value, dtype, expected, prefix, false);
    }

    /**
     * As {@link #read(Object, DType, List, String)}; {@code allowNonFinite} lets NaN and
     * +/-Infinity through to DT_FLOAT and DT_DOUBLE inputs instead of rejecting the record.
     */
    static RowValue read(
            Object value, DType dtype, List<Long> expected, String prefix, boolean allowNonFinite)
            throws EncodeException {
        if (value == null) {
            throw new EncodeException(prefix + " is null");
        }
        RowValue fast = fastPath(value, dtype, expected, prefix, allowNonFinite);
        if (fast != null) {
            return fast;
        }
        List<Object> leaves = new ArrayList<>();
        long[] seen;
        if (isScalar(value, dtype)) {
            leaves.add(value);
            seen = new long[0];
        } else {
            List<Long> dims = new ArrayList<>();
            collect(value, dtype, 0, dims, leaves, prefix);
            seen = dims.stream().mapToLong(Long::longValue).toArray();
        }
        long[] shape =
                matchShape(
                        seen,
                        value.getClass().isArray() && !(value instanceof Object[]),
                        expected,
                        prefix,
                        value);
        return new RowValue(shape, convert(leaves, dtype, seen.length > 0, prefix, allowNonFinite));
    }

    private static boolean isScalar(Object v, DType dtype) {
        if (v instanceof byte[]) {
            return dtype == DType.STRING;
        }
        return !(v instanceof List) && !v.getClass().isArray();
    }

    /** Primitive arrays of the model's own type: no boxing, the row-major data as given. */
    private static RowValue fastPath(
            Object value, DType dtype, List<Long> expected, String prefix, boolean allowNonFinite)
            throws EncodeException {
        int len;
        if (value instanceof float[] f && dtype == DType.FLOAT) {
            if (!allowNonFinite && !allFinite(f)) {
                for (int i = 0; i < f.length; i++) {
                    if (!Float.isFinite(f[i])) {
                        throw new EncodeException(
                                prefix + " element " + i + " is " + f[i] + nonFiniteReason());
                    }
                }
            }
            len = f.length;
        } else if (value instanceof double[] d && dtype == DType.DOUBLE) {
            if (!allowNonFinite && !allFinite(d)) {
                for (int i = 0; i < d.length; i++) {
                    if (!Double.isFinite(d[i])) {
                        throw new EncodeException(
                                prefix + " element " + i + " is " + d[i] + nonFiniteReason());
                    }
                }
            }
            len = d.length;
        } else if (value instanceof int[] a && dtype == DType.INT32) {
            len = a.length;
        } else if (value instanceof long[] a && dtype == DType.INT64) {
            len = a.length;
        } else if (value instanceof boolean[] a && dtype == DType.BOOL) {
            len = a.length;
        } else {
            return null;
        }
        long[] shape = matchShape(new long[] {len}, true, expected, prefix, value);
        return new RowValue(shape, value);
    }

    /**
     * Whether every value is finite, without a branch per value: a finite value times zero is zero,
     * an infinite or NaN one gives NaN, and NaN stays in the sum. The caller looks for the culprit
     * only when this says no.
     */
    static boolean allFinite(float[] values) {
        float zero = 0f;
        for (float v : values) {
            zero += v * 0f;
        }
        return zero == 0f;
    }

    /** As {@link #allFinite(float[])}. */
    static boolean allFinite(double[] values) {
        double zero = 0d;
        for (double v : values) {
            zero += v * 0d;
        }
        return zero == 0d;
    }

    private static void collect(
            Object v, DType dtype, int depth, List<Long> dims, List<Object> leaves, String prefix)
            throws EncodeException {
        int[] rank = {-1};
        collect(v, dtype, depth, dims, leaves, rank, prefix);
    }

    /**
     * {@code rank[0]} is the depth leaves sit at once one was seen; a list or leaf elsewhere is
     * ragged.
     */
    private static void collect(
            Object v,
            DType dtype,
            int depth,
            List<Long> dims,
            List<Object> leaves,
            int[] rank,
            String prefix)
            throws EncodeException {
        int n = v instanceof List<?> list ? list.size() : Array.getLength(v);
        if (dims.size() == depth) {
            dims.add((long) n);
        } else if (dims.get(depth) != n) {
            throw new EncodeException(
                    prefix
                            + " is a ragged list (lists at depth "
                            + depth
                            + " have "
                            + dims.get(depth)
                            + " and "
                            + n
                            + " values); a tensor needs every list at a depth equally long");
        }
        for (int i = 0; i < n; i++) {
            Object e = v instanceof List<?> list ? list.get(i) : Array.get(v, i);
            boolean nested = e != null && !isScalar(e, dtype);
            int here = nested ? -2 : depth + 1;
            if (nested) {
                if (rank[0] == depth + 1) {
                    throw new EncodeException(prefix + " mixes values and lists at depth " + depth);
                }
                collect(e, dtype, depth + 1, dims, leaves, rank, prefix);
            } else {
                if (rank[0] == -1) {
                    rank[0] = here;
                } else if (rank[0] != here) {
                    throw new EncodeException(prefix + " mixes values and lists at depth " + depth);
                }
                leaves.add(e);
            }
        }
    }

    private static long[] matchShape(
            long[] seen, boolean flatArray, List<Long> expected, String prefix, Object value)
            throws EncodeException {
        if (expected == null) {
            return seen;
        }
        if (seen.length == 1 && expected.size() == 1) {
            // The common case (a feature vector), decided without the general rules below: they
            // give the same answer for it, and their streams cost more than the row's own copy.
            long want = expected.get(0);
            if (want < 0 || want == seen[0]) {
                return seen;
            }
        }
        long seenCount = product(seen);
        boolean allOnes = !expected.isEmpty() && expected.stream().allMatch(d -> d == 1L);
        if (allOnes && seenCount == 1) {
            // A per-row shape of [1] takes a scalar or a one-element list.
            return toArray(expected);
        }
        boolean known = expected.stream().allMatch(d -> d >= 0);
        if (flatArray && known && expected.size() > 1 && seenCount == product(toArray(expected))) {
            // A flat primitive array is accepted as the row-major form of a fixed-shape row.
            return toArray(expected);
        }
        boolean ok = seen.length == expected.size();
        for (int i = 0; ok && i < seen.length; i++) {
            ok = expected.get(i) < 0 || expected.get(i) == seen[i];
        }
        if (ok) {
            return seen;
        }
        String want = TfTypes.shapeString(expected);
        if (seen.length == 0) {
            throw new EncodeException(
                    prefix + " is " + describe(value) + ", expected a list of shape " + want);
        }
        if (expected.isEmpty()) {
            throw new EncodeException(
                    prefix
                            + " is a list of shape "
                            + TfTypes.shapeString(seen)
                            + ", expected a single value");
        }
        if (seen.length == 1 && expected.size() == 1) {
            throw new EncodeException(
                    prefix + " has " + seen[0] + " values, expected " + expected.get(0));
        }
        throw new EncodeException(
                prefix + " is a list of shape " + TfTypes.shapeString(seen) + ", expected " + want);
    }

    private static Object convert(
            List<Object> leaves,
            DType dtype,
            boolean indexed,
            String prefix,
            boolean allowNonFinite)
            throws EncodeException {
        int n = leaves.size();
        switch (dtype) {
            case FLOAT:
                {
                    float[] out = new float[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = toFloat(leaves.get(i), where(prefix, indexed, i), allowNonFinite);
                    }
                    return out;
                }
            case DOUBLE:
                {
                    double[] out = new double[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = toDouble(leaves.get(i), where(prefix, indexed, i), allowNonFinite);
                    }
                    return out;
                }
            case INT32:
                {
                    int[] out = new int[n];
                    for (int i = 0; i < n; i++) {
                        out[i] =
                                (int) toLong(leaves.get(i), DType.INT32, where(prefix, indexed, i));
                    }
                    return out;
                }
            case INT64:
                {
                    long[] out = new long[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = toLong(leaves.get(i), DType.INT64, where(prefix, indexed, i));
                    }
                    return out;
                }
            case BOOL:
                {
                    boolean[] out = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        Object v = leaves.get(i);
                        if (!(v instanceof Boolean b)) {
                            throw wrongType(where(prefix, indexed, i), v);
                        }
                        out[i] = b;
                    }
                    return out;
                }
            case STRING:
                {
                    byte[][] out = new byte[n][];
                    for (int i = 0; i < n; i++) {
                        Object v = leaves.get(i);
                        if (v instanceof String s) {
                            out[i] = s.getBytes(StandardCharsets.UTF_8);
                        } else if (v instanceof byte[] b) {
                            out[i] = b;
                        } else {
                            throw wrongType(where(prefix, indexed, i), v);
                        }
                    }
                    return out;
                }
            default:
                throw new EncodeException(
                        prefix + " cannot be encoded: the model's dtype is not supported");
        }
    }

    private static String where(String prefix, boolean indexed, int i) {
        return indexed ? prefix + " element " + i : prefix;
    }

    static float toFloat(Object v, String prefix) throws EncodeException {
        return toFloat(v, prefix, false);
    }

    static float toFloat(Object v, String prefix, boolean allowNonFinite) throws EncodeException {
        if (v instanceof Float f) {
            if (!Float.isFinite(f) && !allowNonFinite) {
                throw new EncodeException(prefix + " is " + f + nonFiniteReason());
            }
            return f;
        }
        double d = toDouble(v, prefix, allowNonFinite);
        if (Double.isFinite(d) && Math.abs(d) > Float.MAX_VALUE) {
            throw new EncodeException(
                    prefix
                            + " is "
                            + v
                            + ", out of range for DT_FLOAT (largest magnitude "
                            + Float.MAX_VALUE
                            + "); the model needs a DT_DOUBLE input for it");
        }
        return (float) d;
    }

    static double toDouble(Object v, String prefix) throws EncodeException {
        return toDouble(v, prefix, false);
    }

    static double toDouble(Object v, String prefix, boolean allowNonFinite) throws EncodeException {
        if (!(v instanceof Number num)) {
            throw wrongType(prefix, v);
        }
        double d = num.doubleValue();
        boolean nonFiniteValue =
                Double.isNaN(d)
                        || (Double.isInfinite(d) && (v instanceof Double || v instanceof Float));
        if (nonFiniteValue && allowNonFinite) {
            return d;
        }
        if (nonFiniteValue) {
            throw new EncodeException(prefix + " is " + d + nonFiniteReason());
        }
        if (Double.isInfinite(d)) {
            throw new EncodeException(prefix + " is " + v + ", out of range for DT_DOUBLE");
        }
        return d;
    }

    static long toLong(Object v, DType dtype, String prefix) throws EncodeException {
        if (!(v instanceof Number num)) {
            throw wrongType(prefix, v);
        }
        long min = dtype == DType.INT32 ? Integer.MIN_VALUE : Long.MIN_VALUE;
        long max = dtype == DType.INT32 ? Integer.MAX_VALUE : Long.MAX_VALUE;
        String range =
                ", out of range for " + TfTypes.rawName(dtype) + " [" + min + ", " + max + "]";
        long l;
        if (v instanceof Integer
                || v instanceof Long
                || v instanceof Short
                || v instanceof Byte
                || v instanceof java.util.concurrent.atomic.AtomicInteger
                || v instanceof java.util.concurrent.atomic.AtomicLong) {
            l = num.longValue();
        } else if (v instanceof BigInteger bi) {
            if (bi.bitLength() > 63) {
                throw new EncodeException(prefix + " is " + v + range);
            }
            l = bi.longValue();
        } else if (v instanceof BigDecimal bd) {
            BigInteger bi;
            try {
                bi = bd.toBigIntegerExact();
            } catch (ArithmeticException e) {
                throw new EncodeException(
                        prefix
                                + " is "
                                + v
                                + ", not an integer as "
                                + TfTypes.rawName(dtype)
                                + " needs");
            }
            if (bi.bitLength() > 63) {
                throw new EncodeException(prefix + " is " + v + range);
            }
            l = bi.longValue();
        } else {
            double d = num.doubleValue();
            if (!Double.isFinite(d)) {
                throw new EncodeException(
                        prefix
                                + " is "
                                + d
                                + ", not an integer as "
                                + TfTypes.rawName(dtype)
                                + " needs");
            }
            if (d != Math.rint(d)) {
                throw new EncodeException(
                        prefix
                                + " is "
                                + v
                                + ", not an integer as "
                                + TfTypes.rawName(dtype)
                                + " needs");
            }
            if (d < -INT64_BOUND || d >= INT64_BOUND) {
                throw new EncodeException(prefix + " is " + v + range);
            }
            l = (long) d;
        }
        if (l < min || l > max) {
            throw new EncodeException(prefix + " is " + v + range);
        }
        return l;
    }

    private static String nonFiniteReason() {
        return "; non-finite values are rejected because the model would compute with them silently";
    }

    static EncodeException wrongType(String prefix, Object v) {
        return new EncodeException(prefix + " is " + describe(v));
    }

    /** How a message names a value: {@code a string ("abc")}, {@code a boolean (true)}, ... */
    static String describe(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
            return "a string (\"" + shown + "\")";
        }
        if (v instanceof Boolean) {
            return "a boolean (" + v + ")";
        }
        if (v instanceof Number) {
            return "a number (" + v + ")";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List<?> l) {
            return "a list of " + l.size() + " values";
        }
        if (v.getClass().isArray()) {
            return "an array of " + Array.getLength(v) + " values";
        }
        return "a " + v.getClass().getSimpleName();
    }

    static long product(long[] shape) {
        long p = 1;
        for (long d : shape) {
            p *= d;
        }
        return p;
    }

    static long[] toArray(List<Long> shape) {
        long[] a = new long[shape.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = shape.get(i);
        }
        return a;
    }
}
