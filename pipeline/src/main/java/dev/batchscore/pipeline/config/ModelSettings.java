package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code model.*} options: which SavedModel scores, with which signature, and where each input
 * comes from. The outputs are not configured: they are read from the model itself.
 *
 * <pre>{@code
 * ModelSettings model = ModelSettings.of("/models/churn").withInput("features", "feature_vector");
 * }</pre>
 *
 * @param path a local path or any Flink filesystem URI
 * @param name the {@code _model} column, or null for {@link #defaultName}
 * @param inputMapping signature input (or tf.Example feature) -> JSON field
 */
public record ModelSettings(
        String path,
        String signature,
        List<String> tags,
        String name,
        Map<String, String> inputMapping,
        int intraOpThreads,
        int interOpThreads,
        String localDir) {

    public ModelSettings {
        Objects.requireNonNull(path, MODEL_PATH.key());
        Objects.requireNonNull(signature, MODEL_SIGNATURE.key());
        tags = List.copyOf(tags);
        inputMapping = Map.copyOf(inputMapping);
        if (intraOpThreads < 0) {
            throw ConfigException.invalid(
                    MODEL_INTRA_OP_THREADS, intraOpThreads, "expected 0 or more");
        }
        if (interOpThreads < 0) {
            throw ConfigException.invalid(
                    MODEL_INTER_OP_THREADS, interOpThreads, "expected 0 or more");
        }
    }

    /** The model at {@code path} with the defaults: serving_default, tag serve. */
    public static ModelSettings of(String path) {
        return new ModelSettings(
                path,
                MODEL_SIGNATURE.defaultValue(),
                MODEL_TAGS.defaultValue(),
                null,
                Map.of(),
                MODEL_INTRA_OP_THREADS.defaultValue(),
                MODEL_INTER_OP_THREADS.defaultValue(),
                null);
    }

    static ModelSettings from(JobConfig config) {
        return new ModelSettings(
                config.get(MODEL_PATH),
                config.get(MODEL_SIGNATURE),
                config.get(MODEL_TAGS),
                config.getOptional(MODEL_NAME).orElse(null),
                config.prefixed(MODEL_INPUT),
                config.get(MODEL_INTRA_OP_THREADS),
                config.get(MODEL_INTER_OP_THREADS),
                config.getOptional(MODEL_LOCAL_DIR).orElse(null));
    }

    public ModelSettings withSignature(String name) {
        return new Copy(this).edit(c -> c.signature = name);
    }

    public ModelSettings withTags(List<String> tagSet) {
        return new Copy(this).edit(c -> c.tags = tagSet);
    }

    /** The {@code _model} column. */
    public ModelSettings withName(String modelName) {
        return new Copy(this).edit(c -> c.name = modelName);
    }

    /** Reads the signature input {@code input} from the JSON field {@code jsonField}. */
    public ModelSettings withInput(String input, String jsonField) {
        Map<String, String> mapping = new LinkedHashMap<>(inputMapping);
        mapping.put(input, jsonField);
        return new Copy(this).edit(c -> c.inputMapping = mapping);
    }

    public ModelSettings withThreads(int intraOp, int interOp) {
        return new Copy(this)
                .edit(
                        c -> {
                            c.intraOpThreads = intraOp;
                            c.interOpThreads = interOp;
                        });
    }

    /** Where a model on a remote filesystem is copied to ({@code model.local-dir}). */
    public ModelSettings withLocalDir(String dir) {
        return new Copy(this).edit(c -> c.localDir = dir);
    }

    /** {@code model.name}, else {@link #defaultName} of the path. */
    public String modelName() {
        return name != null && !name.isBlank() ? name : defaultName(path);
    }

    /**
     * The model directory's name; for a TF Serving version directory ({@code .../sentiment/3}) the
     * base directory's name, since "3" says nothing in the {@code _model} column.
     */
    public static String defaultName(String modelPath) {
        Path p = Path.of(modelPath).toAbsolutePath().normalize();
        Path fileName = p.getFileName();
        if (fileName == null) {
            return modelPath;
        }
        if (fileName.toString().matches("\\d+")
                && p.getParent() != null
                && p.getParent().getFileName() != null) {
            return p.getParent().getFileName().toString();
        }
        return fileName.toString();
    }

    /** The fields of these settings, for the {@code withX} methods. */
    private static final class Copy extends SettingsCopy<ModelSettings, Copy> {
        String path;
        String signature;
        List<String> tags;
        String name;
        Map<String, String> inputMapping;
        int intraOpThreads;
        int interOpThreads;
        String localDir;

        Copy(ModelSettings s) {
            path = s.path;
            signature = s.signature;
            tags = s.tags;
            name = s.name;
            inputMapping = s.inputMapping;
            intraOpThreads = s.intraOpThreads;
            interOpThreads = s.interOpThreads;
            localDir = s.localDir;
        }

        @Override
        ModelSettings settings() {
            return new ModelSettings(
                    path,
                    signature,
                    tags,
                    name,
                    inputMapping,
                    intraOpThreads,
                    interOpThreads,
                    localDir);
        }
    }
}
