package dev.batchscore.pipeline.cli;

import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.tools.Predict;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code batchscore predict --model.path MODEL_DIR [--model.signature NAME] [--batch.size N]
 * --input FILE|-}: see {@link Predict}. The options are spelled like the job's keys; the older
 * spellings ({@code --model}, {@code --signature}, {@code --tags}, {@code --batch-size}) stay as
 * aliases.
 */
@Command(
        name = "predict",
        customSynopsis = {
            "batchscore predict --model.path MODEL_DIR [--model.signature NAME]",
            "                   [--model.tags TAGS] [--batch.size N] --input FILE|-"
        },
        description = {
            "Score a JSON Lines file locally with a SavedModel",
            "",
            "Prints one JSON object per input line, in input order: the line's fields and every"
                    + " output of the signature. A line that cannot be scored prints"
                    + " {\"_error\": \"<stage>: <reason>\", \"_line\": n} and a warning, and the"
                    + " exit code is then 1."
        },
        optionListHeading = "%nOptions:%n")
final class PredictCommand implements Callable<Integer> {
    @Mixin Cli.HelpOption help;
    @Mixin Cli.VerboseOption verbose;

    @Option(
            names = {"--model.path", "--model"},
            paramLabel = "MODEL_DIR",
            description =
                    "a SavedModel directory, or a TF Serving base directory (highest version)")
    Path model;

    @Option(
            names = {"--model.signature", "--signature"},
            paramLabel = "NAME",
            description =
                    "the signature to score with (default " + ModelOptions.DEFAULT_SIGNATURE + ")")
    String signature = ModelOptions.DEFAULT_SIGNATURE;

    @Option(
            names = {"--model.tags", "--tags"},
            paramLabel = "TAGS",
            converter = Cli.Tags.class,
            description = "comma-separated meta graph tag set to load (default serve)")
    Set<String> tags = Set.of(ModelOptions.DEFAULT_TAG);

    @Option(
            names = {"--batch.size", "--batch-size"},
            paramLabel = "N",
            converter = Cli.PositiveInt.class,
            description =
                    "at most N records per model call (default " + Predict.DEFAULT_BATCH_SIZE + ")")
    int batchSize = Predict.DEFAULT_BATCH_SIZE;

    @Option(
            names = "--input",
            paramLabel = "FILE|-",
            description = "JSON Lines to score, one object per line; '-' reads stdin")
    String input;

    private final Cli.Io io;

    PredictCommand(Cli.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (model == null) {
            throw new IllegalArgumentException(
                    "predict needs --model, e.g. --model models/tabular");
        }
        if (input == null || input.isEmpty()) {
            throw new IllegalArgumentException(
                    "predict needs --input, e.g. --input records.jsonl (or - for stdin)");
        }
        return Predict.run(model, signature, tags, batchSize, input, io.in(), io.out(), io.err());
    }
}
