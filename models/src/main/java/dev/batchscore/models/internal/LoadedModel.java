package dev.batchscore.models.internal;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelDescription;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.SignatureSpec;
import dev.batchscore.models.TensorSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;

/**
 * One SavedModel in memory: its graph, its session and what its meta graph declares. Owned by
 * {@link dev.batchscore.models.ModelRegistry}, which counts the handles on it and closes it when
 * the last one goes; {@link #close()} frees the session and then the graph.
 */
public final class LoadedModel implements AutoCloseable {
    private final ExportLocator.Export export;
    private final Set<String> tags;
    private final ModelOptions options;
    private final MetaGraphDef metaGraph;
    private final Graph graph;
    private final Session session;
    private final ModelDescription description;
    private final Map<String, SignatureDef> signatureDefs;
    private final Map<String, TfBatchScorer> scorers = new ConcurrentHashMap<>();
    private int references;
    private volatile boolean closed;

    LoadedModel(
            ExportLocator.Export export,
            Set<String> tags,
            ModelOptions options,
            MetaGraphDef metaGraph,
            Graph graph,
            Session session) {
        this.export = export;
        this.tags = tags;
        this.options = options;
        this.metaGraph = metaGraph;
        this.graph = graph;
        this.session = session;
        Map<String, SignatureDef> defs = new TreeMap<>(metaGraph.getSignatureDefMap());
        // A marker for the loader, not a function anyone can call.
        defs.remove(SavedModelLoader.INIT_OP_SIGNATURE_KEY);
        this.signatureDefs = Collections.unmodifiableMap(defs);
        List<SignatureSpec> specs = new ArrayList<>();
        for (Map.Entry<String, SignatureDef> e : defs.entrySet()) {
            specs.add(toSpec(e.getKey(), e.getValue()));
        }
        this.description =
                new ModelDescription(
                        export.dir(),
                        export.version(),
                        Collections.unmodifiableSet(new java.util.TreeSet<>(tags)),
                        List.copyOf(specs));
    }

    static SignatureSpec toSpec(String key, SignatureDef def) {
        return new SignatureSpec(
                key,
                def.getMethodName(),
                tensors(def.getInputsMap()),
                tensors(def.getOutputsMap()));
    }

    private static List<TensorSpec> tensors(Map<String, TensorInfo> infos) {
        List<TensorSpec> out = new ArrayList<>();
        // Sorted by key, as TensorFlow Serving lists them: protobuf map order is not meaningful.
        new TreeMap<>(infos).forEach((k, v) -> out.add(TfTypes.spec(k, v)));
        return List.copyOf(out);
    }

    public Path exportDir() {
        return export.dir();
    }

    public Set<String> tags() {
        return tags;
    }

    public ModelOptions options() {
        return options;
    }

    public ModelDescription description() {
        return description;
    }

    public MetaGraphDef metaGraph() {
        return metaGraph;
    }

    Graph graph() {
        return graph;
    }

    Session session() {
        return session;
    }

    Map<String, SignatureDef> signatureDefs() {
        return signatureDefs;
    }

    /** One scorer per signature, shared so that what it learns (batching or not) is learnt once. */
    public BatchScorer scorer(String signatureKey) {
        TfBatchScorer existing = scorers.get(signatureKey);
        if (existing != null) {
            return existing;
        }
        // Built outside computeIfAbsent: validation may throw, and a racing duplicate is harmless.
        TfBatchScorer created = TfBatchScorer.create(this, signatureKey);
        TfBatchScorer raced = scorers.putIfAbsent(signatureKey, created);
        return raced != null ? raced : created;
    }

    public synchronized void retain() {
        if (closed) {
            throw new IllegalStateException("model " + export.dir() + " is already closed");
        }
        references++;
    }

    /** Returns true when this was the last reference and the model is now closed. */
    public synchronized boolean release() {
        if (closed) {
            return false;
        }
        references--;
        if (references <= 0) {
            close();
            return true;
        }
        return false;
    }

    public synchronized int references() {
        return references;
    }

    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // Session.close waits for runs in flight; the graph must outlive the session.
        session.close();
        graph.close();
    }
}
