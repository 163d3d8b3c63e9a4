package dev.batchscore.models;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * Builds small SavedModels for tests: a graph made with TF Java's {@code Ops} API, written as a
 * {@code saved_model.pb} with the signatures the test declares (no variables, so no checkpoint).
 * Declared shapes are the test's own, so a test can declare what a real export would.
 */
final class TinyModel {
    private final Graph graph = new Graph();
    final Ops tf = Ops.create(graph);
    private final Map<String, SignatureDef.Builder> signatures = new LinkedHashMap<>();

    private TinyModel() {}

    /** y = x + 1: float {@code x} of shape [-1] in, float {@code y} out. */
    static Path plusOne(Path dir) throws IOException {
        return export(
                dir,
                (m, tf) ->
                        m.output(
                                "y",
                                tf.math.add(m.input("x", TFloat32.class, -1), tf.constant(1f))));
    }

    /** Builds the graph with {@code body} and writes the SavedModel into {@code dir}. */
    static Path export(Path dir, BiConsumer<TinyModel, Ops> body) throws IOException {
        TinyModel m = new TinyModel();
        try {
            body.accept(m, m.tf);
            m.write(dir, m.graph.toGraphDef());
        } finally {
            m.graph.close();
        }
        return dir;
    }

    /** A placeholder named {@code name}, declared in {@code signature} as input {@code key}. */
    <T extends TType> Output<T> input(
            String signature, String key, String name, Class<T> type, long... shape) {
        Placeholder<T> p =
                tf.withName(name)
                        .placeholder(
                                type,
                                shape == null
                                        ? new Placeholder.Options[0]
                                        : new Placeholder.Options[] {
                                            Placeholder.shape(Shape.of(shape))
                                        });
        sig(signature).putInputs(key, info(p.output(), shape));
        return p.output();
    }

    <T extends TType> Output<T> input(String key, Class<T> type, long... shape) {
        return input("serving_default", key, key, type, shape);
    }

    /**
     * Declares {@code value} as output {@code key}, with the graph's own shape unless one is given.
     */
    void output(String signature, String key, Operand<?> value, long... declaredShape) {
        Output<?> out = value.asOutput();
        sig(signature)
                .putOutputs(
                        key,
                        info(
                                out,
                                declaredShape != null && declaredShape.length > 0
                                        ? declaredShape
                                        : out.shape().isUnknown() ? null : out.shape().asArray()));
    }

    void output(String key, Operand<?> value) {
        output("serving_default", key, value);
    }

    /**
     * An existing graph tensor as a signature input, declared with any dtype (to make bad models).
     */
    void rawInput(String signature, String key, TensorInfo info) {
        sig(signature).putInputs(key, info);
    }

    private SignatureDef.Builder sig(String key) {
        return signatures.computeIfAbsent(
                key, k -> SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict"));
    }

    static TensorInfo info(Output<?> out, long[] shape) {
        TensorInfo.Builder b =
                TensorInfo.newBuilder()
                        .setName(out.op().name() + ":" + out.index())
                        .setDtype(out.dataType());
        if (shape == null) {
            b.setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true));
        } else {
            TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
            for (long d : shape) {
                s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
            }
            b.setTensorShape(s);
        }
        return b.build();
    }

    private void write(Path dir, GraphDef graphDef) throws IOException {
        MetaGraphDef.Builder mg =
                MetaGraphDef.newBuilder()
                        .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
                        .setGraphDef(graphDef);
        signatures.forEach((k, v) -> mg.putSignatureDef(k, v.build()));
        writeSavedModel(dir, mg.build());
    }

    static void writeSavedModel(Path dir, MetaGraphDef metaGraph) throws IOException {
        Files.createDirectories(dir);
        try (OutputStream out = Files.newOutputStream(dir.resolve("saved_model.pb"))) {
            SavedModel.newBuilder()
                    .setSavedModelSchemaVersion(1)
                    .addMetaGraphs(metaGraph)
                    .build()
                    .writeTo(out);
        }
    }
}
