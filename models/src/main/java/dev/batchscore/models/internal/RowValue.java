package dev.batchscore.models.internal;

/**
 * One record's value for one input, flattened row-major.
 *
 * @param shape the row's shape (without a batch dimension)
 * @param data a {@code float[]}, {@code double[]}, {@code int[]}, {@code long[]}, {@code boolean[]}
 *     or {@code byte[][]} holding exactly the product of {@code shape} elements
 */
record RowValue(long[] shape, Object data) {

    long count() {
        long c = 1;
        for (long d : shape) {
            c *= d;
        }
        return c;
    }

    boolean sameShape(long[] other) {
        return java.util.Arrays.equals(shape, other);
    }
}
