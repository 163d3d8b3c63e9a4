package dev.batchscore.pipeline.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore build-models [tabular|text|all] DIR [--seed N]}: builds the reference
 * SavedModels (the examples module's, through {@link Examples}) and prints each model's version
 * directory. Without a model name it builds both.
 */
@Command(
        name = "build-models",
        customSynopsis = "batchscore build-models [tabular|text|all] DIR [--seed N]",
        description = {
            "Build the reference SavedModels (tabular, text) into a directory",
            "",
            "A model goes to DIR/<name>/1 (a TF Serving layout); the same seed gives the same"
                    + " scores."
        })
final class BuildModelsCommand extends Cli.Command {
    @Mixin Cli.VerboseOption verbose;

    @Parameters(
            arity = "0..2",
            paramLabel = "tabular|text|all DIR",
            description = {
                "which reference model(s) to build (default all), and the base directory"
            })
    List<String> arguments = List.of();

    @Option(
            names = "--seed",
            paramLabel = "N",
            converter = Cli.LongValue.class,
            description = "seed of the weights (default " + Examples.DEFAULT_SEED + ")")
    long seed = Examples.DEFAULT_SEED;

    BuildModelsCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() {
        String which;
        String dir;
        if (arguments.size() == 2) {
            which = arguments.get(0);
            dir = arguments.get(1);
        } else if (arguments.size() == 1
                && !Examples.MODELS.contains(arguments.get(0).toLowerCase(Locale.ROOT))) {
            which = "all";
            dir = arguments.get(0);
        } else {
            throw new IllegalArgumentException(
                    "expected a model (tabular, text or all) and a directory; see build-models"
                            + " --help");
        }
        String name = which.toLowerCase(Locale.ROOT);
        if (!Examples.MODELS.contains(name)) {
            throw new IllegalArgumentException(
                    "unknown model '" + name + "'; expected tabular, text or all");
        }
        Examples.load("build-models")
                .buildModels(name, Path.of(dir), seed)
                .forEach(io.out()::println);
        return 0;
    }
}
