package dev.batchscore.models;

import dev.batchscore.models.internal.ExportLocator;
import dev.batchscore.models.internal.LoadedModel;
import dev.batchscore.models.internal.ModelHandle;
import dev.batchscore.models.internal.SavedModelLoader;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One loaded model per JVM per (resolved export directory, tags), shared by reference count so that
 * all slots of a TaskManager load a model once.
 *
 * <pre>{@code
 * try (SavedModel model = ModelRegistry.acquire(Path.of("/models/churn"), ModelOptions.defaults())) {
 *     ScoreResult result = model.scorer("serving_default").score(records);
 * }
 * }</pre>
 *
 * <p>Session options ({@link ModelOptions#intraOpThreads()}, {@link ModelOptions#softPlacement()})
 * are those of the first {@code acquire} of a model; later holders share that session. TensorFlow's
 * intra-op thread pool is process-wide: the first session created in the JVM sizes it and later
 * values are ignored unless the environment has {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1}.
 *
 * <p>Thread-safe. Loading happens under the registry's lock, so a slow load delays other acquires.
 */
public final class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);

    // The non-finite policy is in the key because scorers (and their encoders) are cached per
    // loaded
    // model: sharing a model across policies would silently apply the first holder's.
    private record Key(Path exportDir, Set<String> tags, boolean allowNonFinite) {}

    private static final Map<Key, LoadedModel> LOADED = new HashMap<>();

    private ModelRegistry() {}

    /**
     * Loads (or shares) the SavedModel at {@code path}: a model directory with {@code
     * saved_model.pb}, or a TensorFlow Serving base directory whose highest numeric version is
     * taken. The caller closes the returned handle.
     *
     * @throws ModelException when the model cannot be found or loaded; the message says why and
     *     what would fix it
     */
    public static SavedModel acquire(Path path, ModelOptions options) {
        ModelOptions opts = options == null ? ModelOptions.defaults() : options;
        if (opts.tags() == null || opts.tags().isEmpty()) {
            throw new ModelException(
                    "no meta graph tags given; load with ModelOptions.withTags, usually [serve]");
        }
        ExportLocator.Export export = ExportLocator.locate(path);
        Key key =
                new Key(
                        export.dir(),
                        Set.copyOf(new TreeSet<>(opts.tags())),
                        opts.allowNonFinite());
        synchronized (LOADED) {
            LoadedModel model = LOADED.get(key);
            if (model == null) {
                model = SavedModelLoader.load(export, opts);
                LOADED.put(key, model);
            } else if (!model.options().equals(opts)) {
                LOG.warn(
                        "{} is already loaded with {}; sharing it, so {} is not applied",
                        export.dir(),
                        model.options(),
                        opts);
            }
            model.retain();
            LoadedModel shared = model;
            return new ModelHandle(shared, () -> release(key, shared));
        }
    }

    private static void release(Key key, LoadedModel model) {
        synchronized (LOADED) {
            if (model.release()) {
                LOADED.remove(key, model);
                LOG.info("Closed SavedModel {} (last holder released it)", key.exportDir());
            }
        }
    }

    /** How many models are loaded in this JVM now; for tests and metrics. */
    public static int loadedCount() {
        synchronized (LOADED) {
            return LOADED.size();
        }
    }
}
