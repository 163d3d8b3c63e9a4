package dev.batchscore.pipeline.cli;

import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.tools.Inspect;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code batchscore inspect MODEL_DIR [--model.tags serve] [--verbose]}: see {@link Inspect}. */
@Command(
        name = "inspect",
        customSynopsis = "batchscore inspect MODEL_DIR [--model.tags serve] [--verbose]",
        description = {
            "Describe a SavedModel: versions, tags, signatures, inputs and outputs",
            "",
            "Like saved_model_cli show --all, plus the record fields batchscore reads for each"
                    + " signature (for a signature that takes serialized tf.Examples, the features"
                    + " its graph parses)."
        },
        parameterListHeading = "%n",
        optionListHeading = "%nOptions:%n")
final class InspectCommand implements Callable<Integer> {
    @Mixin Cli.HelpOption help;

    @Parameters(
            arity = "0..1",
            paramLabel = "MODEL_DIR",
            description =
                    "a SavedModel directory, or a TF Serving base directory (highest version)")
    Path model;

    @Option(
            names = {"--model.tags", "--tags"},
            paramLabel = "TAGS",
            converter = Cli.Tags.class,
            description = "comma-separated meta graph tag set to load (default serve)")
    Set<String> tags = Set.of(ModelOptions.DEFAULT_TAG);

    @Option(
            names = "--verbose",
            description =
                    "also print each tensor's graph name; with an error, print its stack trace")
    boolean verbose;

    private final Cli.Io io;

    InspectCommand(Cli.Io io) {
        this.io = io;
    }

    @Override
    public Integer call() {
        if (model == null) {
            throw new IllegalArgumentException(
                    "inspect needs a model directory, e.g. inspect models/tabular; see inspect"
                            + " --help");
        }
        return Inspect.run(model, tags, verbose, io.out());
    }
}
