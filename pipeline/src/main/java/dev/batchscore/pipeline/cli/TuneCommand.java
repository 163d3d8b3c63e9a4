package dev.batchscore.pipeline.cli;

import dev.batchscore.models.ModelOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore tune --model DIR [--signature S] [--tags T] [--batch-sizes LIST] [--threads
 * LIST] [--slots N] [--seconds S]}: the examples module's measuring kit ({@link Examples#tune}).
 */
@Command(
        name = "tune",
        customSynopsis =
                "batchscore tune --model DIR [--signature S] [--tags T] [--batch-sizes 1,32,128,512,2048]"
                        + " [--threads 0x0,1x1,...] [--slots N] [--seconds S]",
        description = {
            "Recommends batch.size and TensorFlow thread settings for a model",
            "",
            "Scores records generated from the signature's inputs at each batch size and each"
                    + " TensorFlow thread setting (intra x inter, each in a JVM of its own), with"
                    + " --slots threads sharing the model as the scoring slots of a TaskManager do,"
                    + " and prints rows/s and the settings it recommends."
        })
final class TuneCommand extends Cli.Command {
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = {"--model", "--model.path"},
            required = true,
            paramLabel = "DIR",
            description = "SavedModel directory or TF Serving base directory")
    Path model;

    @Option(
            names = {"--signature", "--model.signature"},
            paramLabel = "S",
            description = "signature (default serving_default)")
    String signature = ModelOptions.DEFAULT_SIGNATURE;

    @Option(
            names = {"--tags", "--model.tags"},
            paramLabel = "T",
            converter = Cli.Tags.class,
            description = "meta graph tag set (default serve)")
    Set<String> tags = Set.of(ModelOptions.DEFAULT_TAG);

    @Option(
            names = "--batch-sizes",
            paramLabel = "LIST",
            description = "batch sizes to try (default 1,32,128,512,2048)")
    String batchSizes = "1,32,128,512,2048";

    @Option(
            names = "--threads",
            paramLabel = "LIST",
            description =
                    "TensorFlow thread settings INTRAxINTER to try, 0 = TensorFlow chooses"
                            + " (default 0x0,1x1,Cx1,1xC for C cores)")
    String threads;

    @Option(
            names = "--slots",
            paramLabel = "N",
            converter = Cli.PositiveInt.class,
            description = "scoring slots sharing the model per TaskManager (default: the cores)")
    int slots = Runtime.getRuntime().availableProcessors();

    @Option(
            names = "--seconds",
            paramLabel = "S",
            converter = Cli.PositiveDouble.class,
            description = "how long to score each cell (default 2)")
    double seconds = 2.0;

    TuneCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() throws Exception {
        List<Integer> sizes = BenchModelCommand.batchSizes(Cli.split(batchSizes));
        return Examples.load("tune")
                .tune(
                        model.toAbsolutePath().normalize(),
                        signature,
                        tags,
                        sizes,
                        threads == null ? List.of() : Cli.split(threads),
                        slots,
                        seconds,
                        io.out());
    }
}
