package dev.batchscore.pipeline.cli;

import dev.batchscore.models.reference.ReferenceModels;
import dev.batchscore.models.tools.BenchModel;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore bench-model [--seed N] [--seconds S] [--batch-sizes LIST]}: {@link BenchModel}.
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
        },
        optionListHeading = "%nOptions:%n")
final class BenchModelCommand implements Callable<Integer> {
    @Mixin Cli.HelpOption help;
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = "--seed",
            paramLabel = "N",
            converter = Cli.LongValue.class,
            description =
                    "seed of the reference model's weights and the random records (default "
                            + ReferenceModels.DEFAULT_SEED
                            + ")")
    long seed = ReferenceModels.DEFAULT_SEED;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            converter = Cli.PositiveDouble.class,
            description =
                    "how long to score at each batch size, after warm-up (default "
                            + BenchModel.DEFAULT_SECONDS
                            + ")")
    double seconds = BenchModel.DEFAULT_SECONDS;

    @Option(
            names = "--batch-sizes",
            paramLabel = "LIST",
            description =
                    "comma-separated batch sizes to measure (default "
                            + BenchModel.DEFAULT_BATCH_SIZES
                            + ")")
    String batchSizes = BenchModel.DEFAULT_BATCH_SIZES;

    private final Cli.Io io;

    BenchModelCommand(Cli.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        return BenchModel.run(
                seed, seconds, BenchModel.batchSizes(Cli.split(batchSizes)), io.out());
    }
}
