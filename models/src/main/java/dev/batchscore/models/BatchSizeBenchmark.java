package dev.batchscore.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * How much batching buys for one signature: scores the same records through {@link
 * BatchScorer#score} for a fixed time at each batch size and counts rows ({@code batchscore
 * bench-model} prints the result). The figures are information for choosing the job's batch size,
 * not a test.
 *
 * <pre>{@code
 * List<Map<String, Object>> records = BatchSizeBenchmark.randomRecords(scorer.fields(), new Random(42), 512);
 * List<Measurement> m = BatchSizeBenchmark.measure(scorer, records, List.of(1, 32, 512), 3.0);
 * }</pre>
 */
public final class BatchSizeBenchmark {

    /** The largest batch size measured. */
    public static final int MAX_BATCH_SIZE = 1 << 20;

    private BatchSizeBenchmark() {}

    /** One measured batch size. */
    public record Measurement(int batchSize, long rows, long batches, double seconds) {
        public double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /**
     * Warms up, then scores {@code records} in batches of each of {@code batchSizes} (at most
     * {@code records.size()}) for {@code seconds} each, in the given order.
     *
     * @throws IllegalArgumentException when {@code seconds} is not positive and finite, there is no
     *     batch size, or a batch size is larger than the records given
     * @throws ModelException when a record is refused: a benchmark that silently counted failed
     *     rows would overstate throughput
     */
    public static List<Measurement> measure(
            BatchScorer scorer,
            List<Map<String, Object>> records,
            List<Integer> batchSizes,
            double seconds) {
        if (!(seconds > 0) || Double.isInfinite(seconds) || batchSizes.isEmpty()) {
            throw new IllegalArgumentException(
                    "bench-model needs a positive time and at least one batch size, got "
                            + seconds
                            + " s and "
                            + batchSizes);
        }
        for (int size : batchSizes) {
            if (size < 1 || size > records.size()) {
                throw new IllegalArgumentException(
                        "batch size " + size + " needs 1 to " + records.size() + " records");
            }
        }
        // Warm-up lets TensorFlow pick its kernels and the JIT compile the encoders, which would
        // otherwise be charged to whichever batch size runs first.
        for (int size : batchSizes) {
            measure(scorer, records, size, Math.min(0.5, seconds / 4));
        }
        List<Measurement> results = new ArrayList<>();
        for (int size : batchSizes) {
            results.add(measure(scorer, records, size, seconds));
        }
        return results;
    }

    /**
     * {@code count} records of standard-normal floats for {@code fields} (a {@code float[]} of the
     * row shape's size for a vector field, a {@code Float} for a scalar).
     *
     * @throws IllegalArgumentException for a field that is not DT_FLOAT or has a dimension of
     *     unknown size
     */
    public static List<Map<String, Object>> randomRecords(
            List<FieldSpec> fields, Random random, int count) {
        for (FieldSpec f : fields) {
            if (f.dtype() != DType.FLOAT || f.rowShape().stream().anyMatch(d -> d < 0)) {
                throw new IllegalArgumentException(
                        "random records are made for DT_FLOAT fields of a fixed shape; field '"
                                + f.name()
                                + "' is "
                                + f.describeType());
            }
        }
        List<Map<String, Object>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, Object> record = new java.util.LinkedHashMap<>();
            for (FieldSpec f : fields) {
                long size =
                        f.rowShape().stream().mapToLong(Long::longValue).reduce(1, (a, b) -> a * b);
                if (f.rowShape().isEmpty()) {
                    record.put(f.name(), (float) random.nextGaussian());
                } else {
                    float[] values = new float[Math.toIntExact(size)];
                    for (int j = 0; j < values.length; j++) {
                        values[j] = (float) random.nextGaussian();
                    }
                    record.put(f.name(), values);
                }
            }
            records.add(record);
        }
        return records;
    }

    private static Measurement measure(
            BatchScorer scorer, List<Map<String, Object>> records, int size, double seconds) {
        List<Map<String, Object>> batch = records.subList(0, size);
        long budget = (long) (seconds * 1e9);
        long start = System.nanoTime();
        long elapsed;
        long batches = 0;
        do {
            ScoreResult result = scorer.score(batch);
            for (int i = 0; i < result.size(); i++) {
                if (!result.ok(i)) {
                    throw new ModelException(
                            "bench-model: the model refused record "
                                    + i
                                    + ": "
                                    + result.error(i).message());
                }
            }
            batches++;
            elapsed = System.nanoTime() - start;
        } while (elapsed < budget);
        return new Measurement(size, batches * size, batches, elapsed / 1e9);
    }
}
