package dev.batchscore.models.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.batchscore.models.ModelException;
import dev.batchscore.models.ModelOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Operation;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.TensorFlow;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.OpDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TString;

/**
 * Loads a SavedModel the way TensorFlow's own loader does (import the meta graph, restore the
 * variables, run the init op with the asset paths fed), but through the lower-level graph and
 * session API.
 *
 * <p>Why not {@code SavedModelBundle}: TensorFlow's loader validates every signature against the
 * graph and refuses the whole model when one is inconsistent (TF Serving's {@code
 * saved_model_half_plus_three} declares DT_FLOAT for a DT_STRING tensor). Here only the signature
 * that is asked for is validated, by {@link SignatureValidator}, so the consistent ones stay
 * usable.
 */
public final class SavedModelLoader {
    private static final Logger LOG = LoggerFactory.getLogger(SavedModelLoader.class);

    static final String INIT_OP_SIGNATURE_KEY = "__saved_model_init_op";
    private static final String MAIN_OP_COLLECTION = "saved_model_main_op";
    private static final String LEGACY_INIT_OP_COLLECTION = "legacy_init_op";
    private static final String ASSETS_COLLECTION = "saved_model_assets";
    private static final String TRT_OP = "TRTEngineOp";

    private static volatile Set<String> registeredOps;

    private SavedModelLoader() {}

    public static LoadedModel load(ExportLocator.Export export, ModelOptions options) {
        NativeLibraryGuard.claim();
        Path dir = export.dir();
        MetaGraphDef metaGraph = selectMetaGraph(dir, readSavedModel(dir), options.tags());
        checkOpsRegistered(dir, metaGraph);

        Graph graph = new Graph();
        Session session = null;
        try {
            try {
                graph.importGraphDef(metaGraph.getGraphDef());
            } catch (IllegalArgumentException | TensorFlowException e) {
                throw cannot("import the graph", dir, e);
            }
            session = new Session(graph, false, configProto(options));
            // Graphs exported by TF Java carry their variable initializers, which Graph
            // registers on import; a session refuses to run before they ran. They run first,
            // so the checkpoint restored next overwrites them. (Python exports register none:
            // this does nothing.)
            try {
                session.initialize();
            } catch (TensorFlowException | IllegalArgumentException e) {
                throw cannot("run the variable initializers", dir, e);
            }
            Map<String, String> assets = assetFeeds(dir, metaGraph);
            Loading loading = new Loading(dir, metaGraph, graph, session, assets, options);
            restoreVariables(loading);
            runInitOp(loading);
            LOG.info(
                    "Loaded SavedModel {} tags {} ({} signatures, {} graph nodes, soft placement {}, intra/inter-op threads {}/{})",
                    dir,
                    new TreeSet<>(options.tags()),
                    metaGraph.getSignatureDefCount(),
                    metaGraph.getGraphDef().getNodeCount(),
                    options.softPlacement(),
                    options.intraOpThreads(),
                    options.interOpThreads());
            return new LoadedModel(
                    export, Set.copyOf(options.tags()), options, metaGraph, graph, session);
        } catch (RuntimeException e) {
            if (session != null) {
                session.close();
            }
            graph.close();
            throw e;
        }
    }

    /** {@code cannot <what> of <dir>: <TensorFlow's first line>}. */
    private static ModelException cannot(String what, Path dir, RuntimeException e) {
        return new ModelException(
                "cannot " + what + " of " + dir + ": " + TfTypes.firstLine(e.getMessage()), e);
    }

    /**
     * The session config. Note that TensorFlow keeps one intra-op thread pool per process: the
     * first session created sizes it, later values are ignored unless the environment has {@code
     * TF_OVERRIDE_GLOBAL_THREADPOOL=1}.
     */
    static ConfigProto configProto(ModelOptions options) {
        ConfigProto.Builder b =
                ConfigProto.newBuilder().setAllowSoftPlacement(options.softPlacement());
        if (options.intraOpThreads() > 0) {
            b.setIntraOpParallelismThreads(options.intraOpThreads());
        }
        if (options.interOpThreads() > 0) {
            b.setInterOpParallelismThreads(options.interOpThreads());
        }
        return b.build();
    }

    static SavedModel readSavedModel(Path dir) {
        Path pb = dir.resolve(ExportLocator.SAVED_MODEL_PB);
        try (InputStream in = Files.newInputStream(pb)) {
            CodedInputStream cis = CodedInputStream.newInstance(in);
            // Graphs with large embedded constants exceed protobuf's default 64 MB message limit.
            cis.setSizeLimit(Integer.MAX_VALUE);
            cis.setRecursionLimit(1000);
            return SavedModel.parseFrom(cis);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelException(
                    pb
                            + " is not a SavedModel protocol buffer ("
                            + e.getMessage()
                            + "); re-export the model with tf.saved_model.save",
                    e);
        } catch (IOException e) {
            throw new ModelException("cannot read " + pb + ": " + e.getMessage(), e);
        }
    }

    static MetaGraphDef selectMetaGraph(Path dir, SavedModel savedModel, Set<String> tags) {
        Set<String> wanted = new HashSet<>(tags);
        List<String> found = new ArrayList<>();
        for (MetaGraphDef mg : savedModel.getMetaGraphsList()) {
            Set<String> mgTags = new HashSet<>(mg.getMetaInfoDef().getTagsList());
            if (mgTags.equals(wanted)) {
                return mg;
            }
            found.add(new TreeSet<>(mgTags).toString());
        }
        throw new ModelException(
                "tag set "
                        + new TreeSet<>(wanted)
                        + " not found in "
                        + dir
                        + "; tag sets found: "
                        + (found.isEmpty() ? "none" : String.join(", ", found))
                        + "; load with one of them (ModelOptions.withTags)");
    }

    /**
     * Fails with a message naming the op before TensorFlow fails with a generic import error. A
     * TF-TRT model gets its own message: its TRTEngineOp needs a TensorRT-enabled TensorFlow, and
     * no TensorFlow Java build has one.
     */
    static void checkOpsRegistered(Path dir, MetaGraphDef metaGraph) {
        Set<String> known = registeredOps();
        Set<String> missing = new TreeSet<>();
        for (NodeDef node : metaGraph.getGraphDef().getNodeList()) {
            if (!known.contains(node.getOp())) {
                missing.add(node.getOp());
            }
        }
        Set<String> functions = new HashSet<>();
        for (FunctionDef f : metaGraph.getGraphDef().getLibrary().getFunctionList()) {
            functions.add(f.getSignature().getName());
        }
        for (FunctionDef f : metaGraph.getGraphDef().getLibrary().getFunctionList()) {
            for (NodeDef node : f.getNodeDefList()) {
                if (!known.contains(node.getOp()) && !functions.contains(node.getOp())) {
                    missing.add(node.getOp());
                }
            }
        }
        missing.removeAll(functions);
        if (missing.isEmpty()) {
            return;
        }
        if (missing.contains(TRT_OP)) {
            throw new ModelException(
                    "model "
                            + dir
                            + " uses op TRTEngineOp: it is a TensorRT-converted (TF-TRT) model"
                            + " and TensorFlow Java builds have no TensorRT; re-export the model without TF-TRT conversion"
                            + " (save the model before running TrtGraphConverterV2)");
        }
        throw new ModelException(
                "model "
                        + dir
                        + " uses op"
                        + (missing.size() > 1 ? "s " : " ")
                        + missing
                        + " not registered in this TensorFlow build ("
                        + TensorFlow.version()
                        + "); re-export the model"
                        + " without "
                        + (missing.size() > 1 ? "them" : "it")
                        + ", or load the library defining it with TensorFlow.loadLibrary before loading the model");
    }

    private static Set<String> registeredOps() {
        Set<String> ops = registeredOps;
        if (ops == null) {
            Set<String> names = new HashSet<>();
            for (OpDef op : TensorFlow.registeredOpList().getOpList()) {
                names.add(op.getName());
            }
            ops = Set.copyOf(names);
            registeredOps = ops;
        }
        return ops;
    }

    /** Asset tensor name to the asset file's path, which the restore and init ops are fed. */
    private static Map<String, String> assetFeeds(Path dir, MetaGraphDef metaGraph) {
        List<AssetFileDef> defs = new ArrayList<>(metaGraph.getAssetFileDefList());
        if (defs.isEmpty() && metaGraph.containsCollectionDef(ASSETS_COLLECTION)) {
            CollectionDef c = metaGraph.getCollectionDefOrThrow(ASSETS_COLLECTION);
            for (com.google.protobuf.Any any : c.getAnyList().getValueList()) {
                try {
                    defs.add(any.unpack(AssetFileDef.class));
                } catch (InvalidProtocolBufferException e) {
                    LOG.warn("Ignoring an unreadable asset entry in {}: {}", dir, e.getMessage());
                }
            }
        }
        Map<String, String> feeds = new LinkedHashMap<>();
        for (AssetFileDef def : defs) {
            if (def.getTensorInfo().hasName()) {
                feeds.put(
                        def.getTensorInfo().getName(),
                        dir.resolve("assets").resolve(def.getFilename()).toString());
            }
        }
        return feeds;
    }

    /** The model being loaded: what restoring its variables and running its init op need. */
    private record Loading(
            Path dir,
            MetaGraphDef metaGraph,
            Graph graph,
            Session session,
            Map<String, String> assets,
            ModelOptions options) {}

    private static void restoreVariables(Loading loading) {
        if (!loading.metaGraph().hasSaverDef()) {
            return;
        }
        SaverDef saver = loading.metaGraph().getSaverDef();
        Path prefix = loading.dir().resolve("variables").resolve("variables");
        if (!Files.exists(Path.of(prefix + ".index"))) {
            // Same as TensorFlow's loader: a model without variables has no checkpoint to restore.
            LOG.info("{} has no variables/variables.index; no checkpoint restored", loading.dir());
            return;
        }
        try (TString file = TString.scalarOf(prefix.toString())) {
            runTarget(
                    loading,
                    saver.getRestoreOpName(),
                    saver.getFilenameTensorName(),
                    file,
                    "restoring its variables");
        }
    }

    private static void runInitOp(Loading loading) {
        String initOp = null;
        SignatureDef initSig = loading.metaGraph().getSignatureDefMap().get(INIT_OP_SIGNATURE_KEY);
        if (initSig != null) {
            TensorInfo out = initSig.getOutputsMap().get(INIT_OP_SIGNATURE_KEY);
            if (out != null && out.hasName()) {
                initOp = out.getName();
            }
        }
        if (initOp == null) {
            for (String key : List.of(MAIN_OP_COLLECTION, LEGACY_INIT_OP_COLLECTION)) {
                CollectionDef c = loading.metaGraph().getCollectionDefMap().get(key);
                if (c != null && c.getNodeList().getValueCount() > 0) {
                    if (c.getNodeList().getValueCount() != 1) {
                        throw new ModelException(
                                "model "
                                        + loading.dir()
                                        + " has "
                                        + c.getNodeList().getValueCount()
                                        + " ops in collection "
                                        + key
                                        + ", expected one; re-export the model");
                    }
                    initOp = c.getNodeList().getValue(0);
                    break;
                }
            }
        }
        if (initOp != null) {
            runTarget(loading, initOp, null, null, "running its init op");
        }
    }

    private static void runTarget(
            Loading loading, String target, String feedName, Tensor feed, String what) {
        Operation op = loading.graph().operation(TfTypes.opName(target));
        if (op == null) {
            throw new ModelException(
                    "model "
                            + loading.dir()
                            + " names op '"
                            + target
                            + "' for "
                            + what
                            + " but its graph has no such op; re-export the model");
        }
        List<TString> assetTensors = new ArrayList<>();
        try {
            Session.Runner runner = loading.session().runner().addTarget(op);
            if (feedName != null && !feedName.isEmpty()) {
                runner.feed(feedName, feed);
            }
            for (Map.Entry<String, String> asset : loading.assets().entrySet()) {
                if (loading.graph().operation(TfTypes.opName(asset.getKey())) != null) {
                    TString t = TString.scalarOf(asset.getValue());
                    assetTensors.add(t);
                    runner.feed(asset.getKey(), t);
                }
            }
            try (var result = runner.run()) {
                // targets only: nothing fetched
            }
        } catch (TensorFlowException | IllegalArgumentException | UnsupportedOperationException e) {
            String tfMessage = TfTypes.firstLine(e.getMessage());
            String hint =
                    tfMessage.startsWith("Cannot assign a device")
                            ? (loading.options().softPlacement()
                                    ? ""
                                    : "; the model pins ops to a device this machine lacks: load it with soft placement on"
                                            + " (ModelOptions.withSoftPlacement(true)) to place them on the CPU")
                            : "";
            throw new ModelException(
                    tfMessage + " (model " + loading.dir() + ", " + what + ")" + hint, e);
        } finally {
            assetTensors.forEach(TString::close);
        }
    }
}
