package dev.batchscore.models.internal;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelDescription;
import dev.batchscore.models.SavedModel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/** One holder's reference on a shared {@link LoadedModel}; closing it twice releases once. */
public final class ModelHandle implements SavedModel {
    private final LoadedModel model;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();

    public ModelHandle(LoadedModel model, Runnable release) {
        this.model = model;
        this.release = release;
    }

    @Override
    public Path exportDir() {
        return model.exportDir();
    }

    @Override
    public ModelDescription describe() {
        return model.description();
    }

    @Override
    public BatchScorer scorer(String signatureKey) {
        if (closed.get()) {
            throw new IllegalStateException("this handle on " + model.exportDir() + " is closed");
        }
        return model.scorer(signatureKey);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }

    @Override
    public String toString() {
        return "SavedModel[" + model.exportDir() + " " + model.tags() + "]";
    }
}
