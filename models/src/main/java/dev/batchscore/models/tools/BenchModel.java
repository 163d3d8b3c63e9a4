package dev.batchscore.models.tools;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.reference.ReferenceModels;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code batchscore bench-model [--seed N] [--seconds S] [--batch-sizes 1,32,512]} measures
 * (its arguments are parsed by the CLI in the pipeline module): how much batching buys. Builds the
 * reference tabular model in a temporary directory, loads it through {@link ModelRegistry}, warms
 * up, then scores random records through {@link BatchScorer#score} for {@code S} seconds at each
 * batch size and prints rows/s and the ratio to the largest batch size. The figures are information
 * for choosing the job's batch size, not a test.
 */
public final class BenchModel {
    private static final Logger LOG = LoggerFactory.getLogger(BenchModel.class);

    public static final double DEFAULT_SECONDS = 3.0;
    public static final String DEFAULT_BATCH_SIZES = "1,32,512";
    static final int MAX_BATCH_SIZE = 1 << 20;

    private BenchModel() {}

    /** One measured batch size. */
    record Measurement(int batchSize, long rows, long batches, double seconds) {
        double rowsPerSecond() {
            return rows / seconds;
        }
    }

    /**
     * Builds the reference tabular model with {@code seed}, scores random records for {@code
     * seconds} at each of {@code batchSizes} (see {@link #batchSizes}) and prints a table to {@code
     * out}; returns 0.
     *
     * @throws IllegalArgumentException when {@code seconds} is not positive
     * @throws ModelException when the reference model cannot be loaded or scored
     */
    public static int run(long seed, double seconds, List<Integer> batchSizes, PrintStream out) {
        if (!(seconds > 0) || Double.isInfinite(seconds) || batchSizes.isEmpty()) {
            throw new IllegalArgumentException(
                    "bench-model needs a positive time and at least one batch size, got "
                            + seconds
                            + " s and "
                            + batchSizes);
        }
        Path tmp;
        try {
            tmp = Files.createTempDirectory("batchscore-bench-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary directory for the model", e);
        }
        try {
            Path modelDir = ReferenceModels.buildTabular(tmp, seed);
            out.printf(
                    Locale.ROOT,
                    "bench-model: reference tabular model (%d -> %d -> %d -> 1), seed %d,"
                            + " %.1f s per batch size, %d CPUs%n",
                    ReferenceModels.TABULAR_FEATURES,
                    ReferenceModels.TABULAR_HIDDEN,
                    ReferenceModels.TABULAR_HIDDEN,
                    seed,
                    seconds,
                    Runtime.getRuntime().availableProcessors());
            try (SavedModel model = ModelRegistry.acquire(modelDir, ModelOptions.defaults())) {
                BatchScorer scorer = model.scorer(ModelOptions.DEFAULT_SIGNATURE);
                List<Map<String, Object>> records =
                        records(new Random(seed), batchSizes.stream().max(Integer::compare).get());
                // Warm-up lets TensorFlow pick its kernels and the JIT compile the encoders, which
                // would otherwise be charged to whichever batch size runs first.
                for (int size : batchSizes) {
                    measure(scorer, records, size, Math.min(0.5, seconds / 4));
                }
                List<Measurement> results = new ArrayList<>();
                for (int size : batchSizes) {
                    Measurement m = measure(scorer, records, size, seconds);
                    LOG.info("batch size {}: {} rows in {} s", size, m.rows(), m.seconds());
                    results.add(m);
                }
                out.print(table(results));
            }
        } finally {
            deleteRecursively(tmp);
        }
        return 0;
    }

    /**
     * The batch sizes of {@code --batch-sizes}: integers between 1 and 2^20, in the given order,
     * without duplicates; a wrong item is an {@link IllegalArgumentException} naming it.
     */
    public static List<Integer> batchSizes(List<String> items) {
        if (items.isEmpty()) {
            throw new IllegalArgumentException(
                    "--batch-sizes needs at least one size, e.g. --batch-sizes 1,32,512");
        }
        List<Integer> sizes = new ArrayList<>();
        for (String item : items) {
            int size;
            try {
                size = Integer.parseInt(item);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "--batch-sizes expects comma-separated integers, got '" + item + "'");
            }
            if (size < 1 || size > MAX_BATCH_SIZE) {
                throw new IllegalArgumentException(
                        "--batch-sizes: each size must be between 1 and "
                                + MAX_BATCH_SIZE
                                + ", got "
                                + size);
            }
            if (!sizes.contains(size)) {
                sizes.add(size);
            }
        }
        return sizes;
    }

    /** Rows/s per batch size and the ratio to the largest batch size, as printed. */
    static String table(List<Measurement> results) {
        Measurement reference =
                results.stream().max(Comparator.comparingInt(Measurement::batchSize)).orElseThrow();
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%10s %14s %10s %10s%n",
                        "batch size",
                        "rows/s",
                        "batches",
                        "vs " + reference.batchSize()));
        for (Measurement m : results) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%10d %,14.0f %10d %9.3fx%n",
                            m.batchSize(),
                            m.rowsPerSecond(),
                            m.batches(),
                            m.rowsPerSecond() / reference.rowsPerSecond()));
        }
        return sb.toString();
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
            // A benchmark that silently counted failed rows would overstate throughput.
            for (int i = 0; i < result.size(); i++) {
                if (!result.ok(i)) {
                    throw new ModelException(
                            "bench-model: the reference model refused record "
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

    private static List<Map<String, Object>> records(Random random, int count) {
        List<Map<String, Object>> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            float[] features = new float[ReferenceModels.TABULAR_FEATURES];
            for (int j = 0; j < features.length; j++) {
                features[j] = (float) random.nextGaussian();
            }
            records.add(Map.of(ReferenceModels.TABULAR_INPUT, features));
        }
        return records;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warn("Could not delete the temporary model directory {}", dir, e);
        }
    }
}
