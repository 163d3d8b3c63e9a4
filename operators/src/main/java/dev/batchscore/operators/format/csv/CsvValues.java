package dev.batchscore.operators.format.csv;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.table.data.StringData;

/**
 * Column text to model values and passthrough values. A number that does not parse is the record's
 * decode error here, not the encoder's: the message can then quote the CSV text and name the
 * column, which the model runtime (seeing only a string) could not do as well.
 */
final class CsvValues {
    private CsvValues() {}

    /** Why a conversion failed: the caller wraps it into the record's one-line reason. */
    static final class NotA extends Exception {
        private static final long serialVersionUID = 1L;

        NotA(String what) {
            super(what, null, false, false);
        }
    }

    /**
     * The value a model field gets from its column's text: a number, boolean or string for a scalar
     * field, a primitive array (or list of strings) parsed from values separated by spaces or
     * {@code ;} for a field with a row shape.
     */
    static Object forModel(String text, FieldSpec field) throws NotA {
        if (field.rowShape().isEmpty()) {
            return scalar(text.trim(), field.dtype(), text);
        }
        String[] parts = split(text);
        int n = parts.length;
        switch (field.dtype()) {
            case FLOAT:
                {
                    float[] out = new float[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Float) scalar(parts[i], DType.FLOAT, text);
                    }
                    return out;
                }
            case DOUBLE:
                {
                    double[] out = new double[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Double) scalar(parts[i], DType.DOUBLE, text);
                    }
                    return out;
                }
            case INT32:
            case INT64:
                {
                    long[] out = new long[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Long) scalar(parts[i], DType.INT64, text);
                    }
                    // int[] is the model runtime's fast path for DT_INT32
                    return field.dtype() == DType.INT64 ? out : ints(out);
                }
            case BOOL:
                {
                    boolean[] out = new boolean[n];
                    for (int i = 0; i < n; i++) {
                        out[i] = (Boolean) scalar(parts[i], DType.BOOL, text);
                    }
                    return out;
                }
            default:
                return List.of(parts);
        }
    }

    private static Object ints(long[] values) throws NotA {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            if (values[i] < Integer.MIN_VALUE || values[i] > Integer.MAX_VALUE) {
                throw new NotA("an integer in DT_INT32's range");
            }
            out[i] = (int) values[i];
        }
        return out;
    }

    /** The values of a vector column: separated by spaces or {@code ;}, optionally in brackets. */
    static String[] split(String text) {
        String t = text.trim();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1).trim();
        }
        if (t.isEmpty()) {
            return new String[0];
        }
        List<String> out = new ArrayList<>();
        for (String p : t.split("[;\\s]+")) {
            if (!p.isEmpty()) {
                out.add(p);
            }
        }
        return out.toArray(new String[0]);
    }

    private static Object scalar(String t, DType dtype, String whole) throws NotA {
        switch (dtype) {
            case FLOAT:
                if (!isDecimal(t)) {
                    throw new NotA("a number");
                }
                return Float.parseFloat(t);
            case DOUBLE:
                if (!isDecimal(t)) {
                    throw new NotA("a number");
                }
                return Double.parseDouble(t);
            case INT32:
            case INT64:
                try {
                    return Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                } catch (NumberFormatException e) {
                    throw new NotA("an integer");
                }
            case BOOL:
                return switch (t.toLowerCase(Locale.ROOT)) {
                    case "true", "1" -> Boolean.TRUE;
                    case "false", "0" -> Boolean.FALSE;
                    default -> throw new NotA("true, false, 1 or 0");
                };
            default:
                return whole;
        }
    }

    /**
     * A decimal number as CSV writers produce it ({@code -1.5e3}, {@code .5}), or NaN/Infinity;
     * Java's own parser also takes hex floats and {@code d}/{@code f} suffixes, which are no CSV
     * number.
     */
    static boolean isDecimal(String t) {
        int i = 0;
        int n = t.length();
        if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
            i++;
        }
        String rest = t.substring(i);
        if (rest.equals("NaN") || rest.equals("Infinity")) {
            return true; // the model runtime refuses them unless non-finite values are allowed
        }
        int digits = 0;
        while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
            i++;
            digits++;
        }
        if (i < n && t.charAt(i) == '.') {
            i++;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                i++;
                digits++;
            }
        }
        if (digits == 0) {
            return false;
        }
        if (i < n && (t.charAt(i) == 'e' || t.charAt(i) == 'E')) {
            i++;
            if (i < n && (t.charAt(i) == '+' || t.charAt(i) == '-')) {
                i++;
            }
            int exp = 0;
            while (i < n && t.charAt(i) >= '0' && t.charAt(i) <= '9') {
                i++;
                exp++;
            }
            if (exp == 0) {
                return false;
            }
        }
        return i == n;
    }

    /** A passthrough column's value: its text, or parsed for a declared type; null if it fails. */
    static Object passthrough(String text, PassthroughField.Type type) {
        if (text == null) {
            return null;
        }
        String t = text.trim();
        try {
            return switch (type) {
                case STRING -> StringData.fromString(text);
                case LONG -> Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
                case DOUBLE -> isDecimal(t) ? Double.parseDouble(t) : null;
                case BOOLEAN ->
                        t.equalsIgnoreCase("true")
                                ? Boolean.TRUE
                                : t.equalsIgnoreCase("false") ? Boolean.FALSE : null;
            };
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** What a column must hold for a model field, for {@code inspect}. */
    static String wanted(FieldSpec field) {
        boolean scalar = field.rowShape().isEmpty();
        String what =
                switch (field.dtype()) {
                    case FLOAT, DOUBLE -> scalar ? "a number" : "numbers";
                    case INT32, INT64 -> scalar ? "an integer" : "integers";
                    case BOOL -> scalar ? "true/false or 1/0" : "true/false or 1/0 values";
                    default -> scalar ? "text" : "words";
                };
        return scalar ? what : what + " separated by spaces or ';'";
    }
}
