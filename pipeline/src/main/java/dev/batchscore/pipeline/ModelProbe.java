package dev.batchscore.pipeline;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.ModelFetcher;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.pipeline.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Step 1 of {@link JobPlan#check}: loads the model once in the client to learn what the job writes
 * (its outputs, version and inputs), and checks that every {@code model.input.*} names an input of
 * the signature.
 *
 * @param outputs the signature's outputs: the model columns of the scored table
 * @param version the TF Serving version, or {@code unversioned}
 * @param exportDir the export that was loaded (a local copy for a remote model): for a TF Serving
 *     base directory, its highest version
 * @param pinnedPath what every task loads: the local export directory, or for a model on a remote
 *     filesystem the URI of the export version resolved here
 * @param fields the signature's inputs (or tf.Example features)
 * @param inputFields the record fields the inputs are read from
 * @param exampleInput the input that takes serialized {@code tf.Example}s, if the signature does
 */
record ModelProbe(
        List<TensorSpec> outputs,
        String version,
        Path exportDir,
        String pinnedPath,
        List<FieldSpec> fields,
        Set<String> inputFields,
        Optional<String> exampleInput) {

    /** Loads the model {@code draft} names (outputs not yet known) and reads its signature. */
    static ModelProbe probe(ScoringSpec draft) {
        String modelPath = draft.modelPath();
        // A model on a remote filesystem: its version is pinned here and it is loaded from a local
        // copy, as the TaskManagers will.
        Optional<ModelFetcher.Resolved> remote =
                ModelFetcher.localPath(modelPath).isPresent()
                        ? Optional.empty()
                        : Optional.of(ModelFetcher.resolve(modelPath));
        Path localModel =
                remote.isPresent()
                        ? ModelFetcher.localCopy(
                                remote.get().exportUri(),
                                ModelFetcher.localDir(draft.modelLocalDir()))
                        : ModelFetcher.localPath(modelPath).get();
        if (!Files.exists(localModel)) {
            throw new ConfigException(
                    "model.path '"
                            + modelPath
                            + "' does not exist: point it at a SavedModel directory");
        }
        try (SavedModel model = ModelRegistry.acquire(localModel, draft.modelOptions())) {
            BatchScorer scorer = model.scorer(draft.signature());
            String version =
                    model.describe().version().isPresent()
                            ? Long.toString(model.describe().version().getAsLong())
                            : "unversioned";
            Set<String> known = new HashSet<>();
            Set<String> inputFields = new LinkedHashSet<>();
            for (FieldSpec field : scorer.fields()) {
                known.add(field.name());
                inputFields.add(draft.fieldFor(field.name()));
            }
            for (String mapped : draft.inputMapping().keySet()) {
                if (!known.contains(mapped)) {
                    throw new ConfigException(
                            "model.input."
                                    + mapped
                                    + ": signature '"
                                    + draft.signature()
                                    + "' has no input named '"
                                    + mapped
                                    + "'; its inputs are "
                                    + known
                                    + ": rename the key to model.input.<one of them>");
                }
            }
            return new ModelProbe(
                    OutputShapes.resolve(scorer),
                    version,
                    model.exportDir(),
                    remote.isPresent() ? remote.get().exportUri() : model.exportDir().toString(),
                    List.copyOf(scorer.fields()),
                    Set.copyOf(inputFields),
                    scorer.serializedExampleInput());
        }
    }

    /** The output names: columns a passthrough field must not shadow. */
    Set<String> outputNames() {
        Set<String> names = new HashSet<>();
        outputs.forEach(o -> names.add(o.key()));
        return names;
    }
}
