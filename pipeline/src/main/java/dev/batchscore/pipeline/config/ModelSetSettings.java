package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;

import dev.batchscore.operators.Ensemble;
import dev.batchscore.operators.ModelFailure;
import dev.batchscore.operators.NamedModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The {@code models.<name>.*}, {@code ensemble.*} and {@code errors.on-model-failure} options: a
 * job that scores every micro-batch with several models. Empty ({@link #none()}) for a one-model
 * job, which {@link ModelSettings} describes alone.
 *
 * <pre>{@code
 * ModelSetSettings set = ModelSetSettings.none()
 *         .with("champion", ModelSettings.of("/models/v3"), NamedModel.Role.CHAMPION)
 *         .with("challenger", ModelSettings.of("/models/v4"), NamedModel.Role.SHADOW);
 * }</pre>
 *
 * @param models the models in name order
 * @param ensemble the combiner, or null
 * @param onModelFailure what a champion's failure does to a record's row
 */
public record ModelSetSettings(List<Named> models, Ensemble ensemble, ModelFailure onModelFailure) {

    /** One {@code models.<name>.*} entry. */
    public record Named(String name, NamedModel.Role role, ModelSettings model) {
        public Named {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(model, "model");
        }
    }

    public ModelSetSettings {
        List<Named> sorted = new ArrayList<>(models);
        sorted.sort(Comparator.comparing(Named::name));
        models = List.copyOf(sorted);
        Objects.requireNonNull(onModelFailure, ERRORS_ON_MODEL_FAILURE.key());
        if (ensemble != null && models.isEmpty()) {
            throw new ConfigException(
                    "ensemble.output is set but no models.<name>.path is: an ensemble combines"
                            + " several models; declare them with models.<name>.path");
        }
    }

    /** A one-model job. */
    public static ModelSetSettings none() {
        return new ModelSetSettings(List.of(), null, ERRORS_ON_MODEL_FAILURE.defaultValue());
    }

    /** Whether the job scores with several named models. */
    public boolean present() {
        return !models.isEmpty();
    }

    public ModelSetSettings with(String name, ModelSettings model, NamedModel.Role role) {
        List<Named> out = new ArrayList<>(models);
        out.add(new Named(name, role, model.withName(name)));
        return new ModelSetSettings(out, ensemble, onModelFailure);
    }

    public ModelSetSettings withEnsemble(Ensemble value) {
        return new ModelSetSettings(models, value, onModelFailure);
    }

    public ModelSetSettings withOnModelFailure(ModelFailure value) {
        return new ModelSetSettings(models, ensemble, value);
    }

    /** The {@code _model} column: the names, comma-joined. */
    public String joinedNames() {
        List<String> names = new ArrayList<>();
        models.forEach(m -> names.add(m.name()));
        return String.join(",", names);
    }

    /** The first champion (name order): what {@code model} stands for in a multi-model job. */
    public Named champion() {
        for (Named m : models) {
            if (m.role() == NamedModel.Role.CHAMPION) {
                return m;
            }
        }
        throw new ConfigException(
                "every models.<name> has role shadow: at least one model must be the champion"
                        + " (leave models.<name>.role unset for it)");
    }

    static ModelSetSettings from(JobConfig config) {
        Map<String, String> raw = config.prefixed(MODELS);
        Map<String, Map<String, String>> byName = new TreeMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            int dot = e.getKey().indexOf('.');
            if (dot <= 0) {
                throw new ConfigException(
                        "option 'models."
                                + e.getKey()
                                + "' names no model setting: write models.<name>.path (and"
                                + " .signature, .tags, .role, .input.<input>)");
            }
            byName.computeIfAbsent(e.getKey().substring(0, dot), k -> new LinkedHashMap<>())
                    .put(e.getKey().substring(dot + 1), e.getValue());
        }
        List<Named> models = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> m : byName.entrySet()) {
            models.add(named(config, m.getKey(), m.getValue()));
        }
        Ensemble ensemble = null;
        if (config.getOptional(ENSEMBLE_OUTPUT).isPresent()) {
            Map<String, Double> weights = new LinkedHashMap<>();
            for (Map.Entry<String, String> w : config.prefixed(ENSEMBLE_WEIGHTS).entrySet()) {
                try {
                    weights.put(w.getKey(), Double.parseDouble(w.getValue().trim()));
                } catch (NumberFormatException ex) {
                    throw new ConfigException(
                            "option 'ensemble.weights."
                                    + w.getKey()
                                    + "' has an invalid value '"
                                    + w.getValue()
                                    + "': expected a number, e.g. 0.7");
                }
            }
            try {
                ensemble =
                        new Ensemble(
                                config.get(ENSEMBLE_OUTPUT),
                                config.get(ENSEMBLE_METHOD),
                                weights,
                                config.getOptional(ENSEMBLE_INPUTS).orElse(null));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(ex.getMessage(), ex);
            }
        } else if (!config.prefixed(ENSEMBLE_WEIGHTS).isEmpty()
                || config.getOptional(ENSEMBLE_INPUTS).isPresent()) {
            throw new ConfigException(
                    "ensemble.weights.* or ensemble.inputs is set without ensemble.output: name the"
                            + " combined column, e.g. ensemble.output: ensemble_score");
        }
        return new ModelSetSettings(models, ensemble, config.get(ERRORS_ON_MODEL_FAILURE));
    }

    private static Named named(JobConfig config, String name, Map<String, String> keys) {
        String path = keys.get("path");
        if (path == null || path.isBlank()) {
            throw new ConfigException(
                    "missing option 'models."
                            + name
                            + ".path': every named model needs its SavedModel directory");
        }
        ModelSettings model =
                ModelSettings.of(path)
                        .withName(name)
                        .withThreads(
                                config.get(MODEL_INTRA_OP_THREADS),
                                config.get(MODEL_INTER_OP_THREADS));
        if (config.getOptional(MODEL_LOCAL_DIR).isPresent()) {
            model = model.withLocalDir(config.get(MODEL_LOCAL_DIR));
        }
        NamedModel.Role role = NamedModel.Role.CHAMPION;
        for (Map.Entry<String, String> e : keys.entrySet()) {
            String key = e.getKey();
            String value = e.getValue().trim();
            if (key.equals("path")) {
                continue;
            } else if (key.equals("signature")) {
                model = model.withSignature(value);
            } else if (key.equals("tags")) {
                model = model.withTags(List.of(value.split("\\s*[;,]\\s*")));
            } else if (key.equals("role")) {
                try {
                    role = NamedModel.Role.valueOf(value.toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException ex) {
                    throw new ConfigException(
                            "option 'models."
                                    + name
                                    + ".role' has an invalid value '"
                                    + value
                                    + "': expected champion or shadow");
                }
            } else if (key.startsWith("input.") && key.length() > "input.".length()) {
                model = model.withInput(key.substring("input.".length()), value);
            } else {
                throw new ConfigException(
                        "unknown option 'models."
                                + name
                                + "."
                                + key
                                + "': a named model takes path, signature, tags, role and"
                                + " input.<input>");
            }
        }
        try {
            NamedModel.checkName(name);
        } catch (IllegalArgumentException ex) {
            throw new ConfigException("models." + name + ": " + ex.getMessage(), ex);
        }
        return new Named(name, role, model);
    }
}
