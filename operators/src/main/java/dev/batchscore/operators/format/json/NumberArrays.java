package dev.batchscore.operators.format.json;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;

/**
 * The hot path of a vector input: a JSON array of plain numbers for a rank-1 {@code DT_FLOAT} or
 * {@code DT_DOUBLE} field becomes a {@code float[]} or {@code double[]} straight from the parsed
 * nodes, which the encoder takes as is, instead of a {@code List} of boxed numbers that it walks
 * and converts again. Only values the general path would accept unchanged take it (finite, in
 * range, int/long/double nodes); anything else returns null and goes the general way, so results
 * and error messages are the same either way.
 */
final class NumberArrays {
    private NumberArrays() {}

    /** Whether {@code field} can take a primitive array from {@link #toArray}. */
    static boolean applies(FieldSpec field) {
        return field.rowShape().size() == 1
                && (field.dtype() == DType.FLOAT || field.dtype() == DType.DOUBLE);
    }

    /** {@code node} as a {@code float[]} or {@code double[]} for {@code dtype}, or null. */
    static Object toArray(JsonNode node, DType dtype) {
        if (!node.isArray()) {
            return null;
        }
        int n = node.size();
        if (dtype == DType.FLOAT) {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                double d = plain(node.get(i));
                if (!(Math.abs(d) <= Float.MAX_VALUE)) { // also NaN: the general path says why
                    return null;
                }
                out[i] = (float) d;
            }
            return out;
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double d = plain(node.get(i));
            if (!Double.isFinite(d)) {
                return null;
            }
            out[i] = d;
        }
        return out;
    }

    /** The value of an int, long or double node; NaN for anything else. */
    private static double plain(JsonNode e) {
        return e.isDouble() || e.isInt() || e.isLong() ? e.doubleValue() : Double.NaN;
    }
}
