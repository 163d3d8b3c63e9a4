package dev.batchscore.pipeline.cli;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.BatchSizeBenchmark;
import dev.batchscore.models.BatchSizeBenchmark.Measurement;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore bench-model [--seed N] [--seconds S] [--batch-sizes LIST]}: how much batching
 * buys. Builds the reference tabular model ({@link Examples}) in a temporary directory, loads it
 * through {@link ModelRegistry}, and prints what {@link BatchSizeBenchmark} measures: rows/s at
 * each batch size and the ratio to the largest.
 */
@Command(
        name = "bench-model",
        customSynopsis = "batchscore bench-model [--seed N] [--seconds S] [--batch-sizes 1,32,512]",
        description = {
            "Rows/s of the reference tabular model at several batch sizes",
            "",
            "Builds the reference tabular model in a temporary directory, scores random records for"
                    + " S seconds at each batch size and prints rows/s and the ratio to the largest"
                    + " batch size: information for choosing batch.size, not a test."
        })
final class BenchModelCommand extends Cli.Command {
    static final double DEFAULT_SECONDS = 3.0;
    static final String DEFAULT_BATCH_SIZES = "1,32,512";

    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = "--seed",
            paramLabel = "N",
            converter = Cli.LongValue.class,
            description =
                    "seed of the reference model's weights and the random records (default "
                            + Examples.DEFAULT_SEED
                            + ")")
    long seed = Examples.DEFAULT_SEED;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            converter = Cli.PositiveDouble.class,
            description =
                    "how long to score at each batch size, after warm-up (default "
                            + DEFAULT_SECONDS
                            + ")")
    double seconds = DEFAULT_SECONDS;

    @Option(
            names = "--batch-sizes",
            paramLabel = "LIST",
            description =
                    "comma-separated batch sizes to measure (default " + DEFAULT_BATCH_SIZES + ")")
    String batchSizes = DEFAULT_BATCH_SIZES;

    BenchModelCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        List<Integer> sizes = batchSizes(Cli.split(batchSizes));
        Examples examples = Examples.load("bench-model");
        PrintStream out = io.out();
        Path tmp = Files.createTempDirectory("batchscore-bench-");
        try {
            Path modelDir = examples.buildTabular(tmp, seed);
            out.printf(
                    Locale.ROOT,
                    "bench-model: reference tabular model (%s), seed %d, %.1f s per batch size,"
                            + " %d CPUs%n",
                    examples.tabularLayers(),
                    seed,
                    seconds,
                    Runtime.getRuntime().availableProcessors());
            try (SavedModel model = ModelRegistry.acquire(modelDir, ModelOptions.defaults())) {
                BatchScorer scorer = model.scorer(ModelOptions.DEFAULT_SIGNATURE);
                int most = sizes.stream().max(Integer::compare).orElseThrow();
                out.print(
                        table(
                                BatchSizeBenchmark.measure(
                                        scorer,
                                        BatchSizeBenchmark.randomRecords(
                                                scorer.fields(), new Random(seed), most),
                                        sizes,
                                        seconds)));
            }
        } finally {
            Cli.deleteRecursively(tmp);
        }
        return 0;
    }

    /**
     * The batch sizes of {@code --batch-sizes}: integers between 1 and 2^20, in the given order,
     * without duplicates; a wrong item is an {@link IllegalArgumentException} naming it.
     */
    static List<Integer> batchSizes(List<String> items) {
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
            if (size < 1 || size > BatchSizeBenchmark.MAX_BATCH_SIZE) {
                throw new IllegalArgumentException(
                        "--batch-sizes: each size must be between 1 and "
                                + BatchSizeBenchmark.MAX_BATCH_SIZE
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
}
