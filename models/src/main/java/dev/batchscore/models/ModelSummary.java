package dev.batchscore.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tensorflow.proto.MetaGraphDef;

/**
 * Everything {@code batchscore inspect} shows about a loaded model, in the spirit of {@code
 * saved_model_cli show --all}: its {@link ModelDescription}, the other versions beside it in a
 * TensorFlow Serving base directory, every tag set its {@code saved_model.pb} holds, and for every
 * signature the record fields batchscore reads for it (for a signature that takes serialized {@code
 * tf.Example}s, the features its graph parses).
 *
 * <pre>{@code
 * try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
 *     ModelSummary summary = ModelSummary.of(model);
 * }
 * }</pre>
 *
 * @param description what the loaded meta graph offers
 * @param versions numeric sibling version directories with a {@code saved_model.pb}, ascending
 *     (empty when the model is not in a numeric version directory)
 * @param tagSets every tag set of {@code saved_model.pb}, comma-joined, not only the loaded one
 * @param signatures one entry per signature of {@code description}, in its order
 */
public record ModelSummary(
        ModelDescription description,
        List<Long> versions,
        List<String> tagSets,
        List<SignatureFields> signatures) {

    /**
     * The record fields of one signature, or why batchscore cannot score it (e.g. a DT_HALF input):
     * worth saying rather than failing the whole summary.
     *
     * @param signature the signature
     * @param fields the record fields it reads; empty when {@code unusable} is set
     * @param unusable why the signature cannot be scored, or null
     */
    public record SignatureFields(
            SignatureSpec signature, List<FieldSpec> fields, String unusable) {}

    /** The summary of {@code model}. */
    public static ModelSummary of(SavedModel model) {
        ModelDescription description = model.describe();
        List<SignatureFields> signatures = new ArrayList<>();
        for (SignatureSpec signature : description.signatures()) {
            try {
                signatures.add(
                        new SignatureFields(
                                signature, model.scorer(signature.key()).fields(), null));
            } catch (ModelException e) {
                signatures.add(new SignatureFields(signature, List.of(), e.getMessage()));
            }
        }
        return new ModelSummary(
                description,
                versionsBeside(description.exportDir()),
                tagSets(description.exportDir()),
                List.copyOf(signatures));
    }

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
     * Best effort: the model has already loaded, so a read problem here only leaves the list empty.
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
            return List.copyOf(sets);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
