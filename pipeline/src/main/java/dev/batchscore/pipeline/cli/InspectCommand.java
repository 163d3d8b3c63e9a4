package dev.batchscore.pipeline.cli;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelDescription;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.ModelSummary;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.format.RecordFormat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code batchscore inspect MODEL_DIR [--model.tags serve] [--verbose]}: prints what {@link
 * ModelSummary} finds in a SavedModel, in the spirit of {@code saved_model_cli show --all}; {@code
 * --verbose} adds each tensor's graph name.
 *
 * <pre>{@code
 * signature 'regress_x_to_y' (tensorflow/serving/regress)
 *   inputs:
 *     inputs   DT_STRING [-1]
 *   outputs:
 *     outputs  DT_FLOAT [-1,1]
 *   record fields:
 *     x        DT_FLOAT [1]
 * }</pre>
 */
@Command(
        name = "inspect",
        customSynopsis =
                "batchscore inspect MODEL_DIR [--model.tags serve] [--verbose] [--source.format F]",
        description = {
            "Describe a SavedModel: versions, tags, signatures, inputs and outputs",
            "",
            "Like saved_model_cli show --all, plus the record fields batchscore reads for each"
                    + " signature (for a signature that takes serialized tf.Examples, the features"
                    + " its graph parses)."
        })
final class InspectCommand extends Cli.Command {

    @Parameters(
            arity = "0..1",
            paramLabel = "MODEL_DIR",
            description =
                    "a SavedModel directory, or a TF Serving base directory (highest version)")
    Path model;

    @Mixin Cli.ModelTagsOption tags;

    @Option(
            names = "--verbose",
            description =
                    "also print each tensor's graph name; with an error, print its stack trace")
    boolean verbose;

    /** With a format: what its records must carry, per signature. */
    @Mixin FormatArgs format;

    InspectCommand(Cli.Io io) {
        super(io);
    }

    @Override
    public Integer call() {
        if (model == null) {
            throw new IllegalArgumentException(
                    "inspect needs a model directory, e.g. inspect models/tabular; see inspect"
                            + " --help");
        }
        try (SavedModel loaded =
                ModelRegistry.acquire(model, ModelOptions.defaults().withTags(tags.tags))) {
            RecordFormat recordFormat = format.given() ? FormatArgs.create(format.keys()) : null;
            print(model, ModelSummary.of(loaded), verbose, recordFormat, io.out());
        }
        return 0;
    }

    static void print(Path given, ModelSummary summary, boolean verbose, PrintStream out) {
        print(given, summary, verbose, null, out);
    }

    /** As above; with a {@code format}, what its records must carry for each signature. */
    static void print(
            Path given,
            ModelSummary summary,
            boolean verbose,
            RecordFormat format,
            PrintStream out) {
        ModelDescription description = summary.description();
        out.println("model:     " + description.exportDir());
        out.println(
                "version:   "
                        + (description.version().isPresent()
                                ? Long.toString(description.version().getAsLong())
                                : "none (not in a numeric version directory)"));
        out.println("variables: " + variablesSize(description.exportDir()));
        if (summary.versions().size() > 1) {
            boolean fromBase =
                    !given.toAbsolutePath()
                            .normalize()
                            .equals(description.exportDir().toAbsolutePath().normalize());
            out.println(
                    "versions:  "
                            + summary.versions().stream()
                                    .map(String::valueOf)
                                    .collect(Collectors.joining(", "))
                            + (fromBase ? " (the highest is loaded from a base directory)" : ""));
        }
        out.println(
                "tags:      " + String.join(",", description.tags().stream().sorted().toList()));
        if (!summary.tagSets().isEmpty()) {
            out.println("tag sets:  " + String.join("; ", summary.tagSets()));
        }
        for (ModelSummary.SignatureFields s : summary.signatures()) {
            out.println();
            out.println(
                    "signature '" + s.signature().key() + "' (" + s.signature().methodName() + ")");
            printTensors("inputs", s.signature().inputs(), verbose, out);
            printTensors("outputs", s.signature().outputs(), verbose, out);
            if (s.unusable() != null) {
                out.println("  record fields: cannot score this signature: " + s.unusable());
                continue;
            }
            List<FieldSpec> fields = s.fields();
            out.println("  record fields:" + (fields.isEmpty() ? " none" : ""));
            int width = fields.stream().mapToInt(f -> f.name().length()).max().orElse(0);
            for (FieldSpec f : fields) {
                out.println("    " + pad(f.name(), width) + "  " + f.describeType());
            }
            if (format != null) {
                out.println("  a " + format.name() + " record carries:");
                RecordFormat.ReaderSpec spec =
                        new RecordFormat.ReaderSpec(fields, Map.of(), List.of(), null);
                for (String line : format.describeInputs(spec)) {
                    out.println("    " + line);
                }
            }
        }
    }

    private static void printTensors(
            String title, List<TensorSpec> tensors, boolean verbose, PrintStream out) {
        out.println("  " + title + ":" + (tensors.isEmpty() ? " none" : ""));
        int keyWidth = tensors.stream().mapToInt(t -> t.key().length()).max().orElse(0);
        int typeWidth = tensors.stream().mapToInt(t -> t.describeType().length()).max().orElse(0);
        for (TensorSpec t : tensors) {
            out.println(
                    "    "
                            + pad(t.key(), keyWidth)
                            + "  "
                            + (verbose
                                    ? pad(t.describeType(), typeWidth) + "  " + t.tensorName()
                                    : t.describeType()));
        }
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }

    /**
     * The size of the export's {@code variables/} directory: about what the model keeps resident
     * once loaded (outside the JVM heap), so users can add up several models per TaskManager.
     */
    static String variablesSize(Path exportDir) {
        Path variables = exportDir.resolve("variables");
        if (!java.nio.file.Files.isDirectory(variables)) {
            return "none (no variables/ directory: the graph holds every value)";
        }
        long bytes;
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(variables)) {
            bytes =
                    files.filter(java.nio.file.Files::isRegularFile)
                            .mapToLong(
                                    f -> {
                                        try {
                                            return java.nio.file.Files.size(f);
                                        } catch (java.io.IOException e) {
                                            throw new java.io.UncheckedIOException(e);
                                        }
                                    })
                            .sum();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return String.format(
                java.util.Locale.ROOT,
                "%,d bytes (%.1f MB) in variables/, resident once per TaskManager when loaded",
                bytes,
                bytes / 1e6);
    }
}
