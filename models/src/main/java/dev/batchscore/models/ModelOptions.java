package dev.batchscore.models;

import java.util.Set;

/**
 * How to load a SavedModel.
 *
 * @param tags the meta graph tag set, {@code serve} by default
 * @param intraOpThreads TensorFlow's intra-op pool size; 0 lets TensorFlow choose. TensorFlow's
 *     intra-op pool is JVM-wide: the first session created decides it unless the environment has
 *     {@code TF_OVERRIDE_GLOBAL_THREADPOOL=1}.
 * @param interOpThreads TensorFlow's inter-op pool size; 0 lets TensorFlow choose
 * @param softPlacement place ops pinned to absent devices (e.g. {@code /device:GPU:0}) on the CPU,
 *     as TensorFlow Serving does; on by default
 * @param allowNonFinite feed NaN and +/-Infinity to DT_FLOAT/DT_DOUBLE inputs; off by default, so
 *     such a record is an encode error (a model computes with NaN silently). Part of the {@link
 *     ModelRegistry} key: holders with different policies get separate scorers.
 */
public record ModelOptions(
        Set<String> tags,
        int intraOpThreads,
        int interOpThreads,
        boolean softPlacement,
        boolean allowNonFinite) {

    public static final String DEFAULT_TAG = "serve";
    public static final String DEFAULT_SIGNATURE = "serving_default";

    public static ModelOptions defaults() {
        return new ModelOptions(Set.of(DEFAULT_TAG), 0, 0, true, false);
    }

    public ModelOptions withTags(Set<String> newTags) {
        return new ModelOptions(
                Set.copyOf(newTags), intraOpThreads, interOpThreads, softPlacement, allowNonFinite);
    }

    public ModelOptions withThreads(int intraOp, int interOp) {
        return new ModelOptions(tags, intraOp, interOp, softPlacement, allowNonFinite);
    }

    public ModelOptions withSoftPlacement(boolean soft) {
        return new ModelOptions(tags, intraOpThreads, interOpThreads, soft, allowNonFinite);
    }

    public ModelOptions withAllowNonFinite(boolean allow) {
        return new ModelOptions(tags, intraOpThreads, interOpThreads, softPlacement, allow);
    }
}
