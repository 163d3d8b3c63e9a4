package dev.batchscore.models.tools;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelDescription;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.SignatureSpec;
import dev.batchscore.models.TensorSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.tensorflow.proto.MetaGraphDef;

/**
 * What {@code batchscore inspect} prints (its arguments are parsed by the CLI in the pipeline
 * module): what a SavedModel offers, in the spirit of {@code saved_model_cli show --all}: the
 * version loaded (and the others in a TensorFlow Serving base directory), the tag sets, and for
 * every signature its method, inputs and outputs with dtype and shape, plus the record fields
 * batchscore will read for it (for a signature that takes serialized {@code tf.Example}s, the
 * features its graph parses).
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
public final class Inspect {

    private Inspect() {}

    /**
     * Loads the model at {@code path} (a SavedModel directory, or a TF Serving base directory whose
     * highest version is loaded) with the meta graph tag set {@code tags} and prints its
     * description to {@code out}; {@code verbose} adds each tensor's graph name. Returns 0.
     *
     * @throws ModelException when the model cannot be loaded
     */
    public static int run(Path path, Set<String> tags, boolean verbose, PrintStream out) {
        ModelOptions options = ModelOptions.defaults().withTags(tags);
        try (SavedModel model = ModelRegistry.acquire(path, options)) {
            print(path, model, verbose, out);
        }
        return 0;
    }

    private static void print(Path given, SavedModel model, boolean verbose, PrintStream out) {
        ModelDescription description = model.describe();
        out.println("model:     " + description.exportDir());
        out.println(
                "version:   "
                        + (description.version().isPresent()
                                ? Long.toString(description.version().getAsLong())
                                : "none (not in a numeric version directory)"));
        List<Long> versions = versionsBeside(description.exportDir());
        if (versions.size() > 1) {
            out.println(
                    "versions:  "
                            + versions.stream()
                                    .map(String::valueOf)
                                    .collect(Collectors.joining(", "))
                            + (given.toAbsolutePath()
                                            .normalize()
                                            .equals(
                                                    description
                                                            .exportDir()
                                                            .toAbsolutePath()
                                                            .normalize())
                                    ? ""
                                    : " (the highest is loaded from a base directory)"));
        }
        out.println(
                "tags:      " + String.join(",", description.tags().stream().sorted().toList()));
        List<String> tagSets = tagSets(description.exportDir());
        if (!tagSets.isEmpty()) {
            out.println("tag sets:  " + String.join("; ", tagSets));
        }

        for (SignatureSpec signature : description.signatures()) {
            out.println();
            out.println("signature '" + signature.key() + "' (" + signature.methodName() + ")");
            printTensors("inputs", signature.inputs(), verbose, out);
            printTensors("outputs", signature.outputs(), verbose, out);
            printFields(model, signature.key(), out);
        }
    }

    private static void printTensors(
            String title, List<TensorSpec> tensors, boolean verbose, PrintStream out) {
        out.println("  " + title + ":" + (tensors.isEmpty() ? " none" : ""));
        int keyWidth = tensors.stream().mapToInt(t -> t.key().length()).max().orElse(0);
        int typeWidth = tensors.stream().mapToInt(t -> t.describeType().length()).max().orElse(0);
        for (TensorSpec t : tensors) {
            String line = "    " + pad(t.key(), keyWidth) + "  ";
            line +=
                    verbose
                            ? pad(t.describeType(), typeWidth) + "  " + t.tensorName()
                            : t.describeType();
            out.println(line);
        }
    }

    /**
     * The fields come from a scorer, which is refused for a signature batchscore cannot feed (e.g.
     * a DT_HALF input); that is worth saying here rather than failing the whole inspect.
     */
    private static void printFields(SavedModel model, String key, PrintStream out) {
        List<FieldSpec> fields;
        try {
            BatchScorer scorer = model.scorer(key);
            fields = scorer.fields();
        } catch (ModelException e) {
            out.println("  record fields: cannot score this signature: " + e.getMessage());
            return;
        }
        out.println("  record fields:" + (fields.isEmpty() ? " none" : ""));
        int width = fields.stream().mapToInt(f -> f.name().length()).max().orElse(0);
        for (FieldSpec f : fields) {
            out.println("    " + pad(f.name(), width) + "  " + describe(f));
        }
    }

    /** {@code DT_FLOAT [1]}, or {@code DT_STRING scalar}, the way tensors are printed above. */
    static String describe(FieldSpec field) {
        String dtype = "DT_" + field.dtype().name();
        if (field.rowShape().isEmpty()) {
            return dtype + " scalar";
        }
        return dtype
                + " ["
                + field.rowShape().stream().map(String::valueOf).collect(Collectors.joining(","))
                + "]";
    }

    /** Numeric sibling version directories with a saved_model.pb, ascending. */
    private static List<Long> versionsBeside(Path exportDir) {
        Path parent = exportDir.toAbsolutePath().getParent();
        if (parent == null || !exportDir.getFileName().toString().matches("\\d+")) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(parent)) {
            return children.filter(p -> p.getFileName().toString().matches("\\d{1,18}"))
                    .filter(p -> Files.isRegularFile(p.resolve("saved_model.pb")))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /**
     * Every tag set saved_model.pb holds, not only the loaded one, so that a user who asked for the
     * wrong tags sees which exist. Best effort: the model has already loaded, so a read problem
     * here only drops this line.
     */
    private static List<String> tagSets(Path exportDir) {
        Path pb = exportDir.resolve("saved_model.pb");
        if (!Files.isRegularFile(pb)) {
            return List.of();
        }
        try {
            org.tensorflow.proto.SavedModel proto =
                    org.tensorflow.proto.SavedModel.parseFrom(Files.readAllBytes(pb));
            List<String> sets = new ArrayList<>();
            for (MetaGraphDef meta : proto.getMetaGraphsList()) {
                sets.add(String.join(",", meta.getMetaInfoDef().getTagsList()));
            }
            return sets;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
