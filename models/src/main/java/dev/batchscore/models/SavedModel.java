package dev.batchscore.models;

import java.nio.file.Path;

/**
 * A handle on a loaded SavedModel, obtained from {@link ModelRegistry#acquire}. Closing the handle
 * releases this holder's reference; the model itself is freed when the last holder closes.
 */
public interface SavedModel extends AutoCloseable {

    /** The directory the model was loaded from (the version directory for a TF Serving base). */
    Path exportDir();

    ModelDescription describe();

    /**
     * A scorer for one signature. Checks the signature exists and that every input and output has a
     * dtype batchscore handles, and throws {@link ModelException} naming the problem otherwise.
     */
    BatchScorer scorer(String signatureKey);

    @Override
    void close();
}
