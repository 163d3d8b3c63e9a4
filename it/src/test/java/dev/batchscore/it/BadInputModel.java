package dev.batchscore.it;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;

/**
 * A SavedModel built with TF Java Ops whose inputs cover every encode check and one run-time
 * failure: {@code x} DT_FLOAT [-1,1], {@code n} DT_INT32 [-1], {@code v} DT_FLOAT [-1,3] and {@code
 * s} DT_STRING [-1], parsed by {@code StringToNumber}, which fails the whole session run on a
 * string that is not a number (a poisonous record: it passes encoding, only TensorFlow rejects it).
 * Output {@code y} DT_FLOAT [-1] = x + n + sum(v) + number(s).
 */
final class BadInputModel {
    private BadInputModel() {}

    /** What the model computes for one good record, in the graph's own float order. */
    static float expected(float x, int n, float[] v, String s) {
        float sum = (v[0] + v[1]) + v[2];
        return ((x + (float) n) + sum) + Float.parseFloat(s);
    }

    static Path build(Path dir) throws IOException {
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            SignatureDef.Builder sig =
                    SignatureDef.newBuilder().setMethodName("tensorflow/serving/predict");
            Output<TFloat32> x = input(tf, sig, "x", TFloat32.class, -1, 1);
            Output<TInt32> n = input(tf, sig, "n", TInt32.class, -1);
            Output<TFloat32> v = input(tf, sig, "v", TFloat32.class, -1, 3);
            Output<TString> s = input(tf, sig, "s", TString.class, -1);
            Operand<TFloat32> flatX = tf.reshape(x, tf.constant(new long[] {-1}));
            Operand<TFloat32> sum = tf.reduceSum(v, tf.constant(1));
            Operand<TFloat32> y =
                    tf.math.add(
                            tf.math.add(tf.math.add(flatX, tf.dtypes.cast(n, TFloat32.class)), sum),
                            tf.strings.toNumber(s));
            Output<TFloat32> out = tf.withName("y").identity(y).output();
            sig.putOutputs("y", info(out, new long[] {-1}));
            MetaGraphDef metaGraph =
                    MetaGraphDef.newBuilder()
                            .setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags("serve"))
                            .setGraphDef(graph.toGraphDef())
                            .putSignatureDef("serving_default", sig.build())
                            .build();
            Files.createDirectories(dir);
            try (OutputStream os = Files.newOutputStream(dir.resolve("saved_model.pb"))) {
                SavedModel.newBuilder()
                        .setSavedModelSchemaVersion(1)
                        .addMetaGraphs(metaGraph)
                        .build()
                        .writeTo(os);
            }
        }
        return dir;
    }

    private static <T extends org.tensorflow.types.family.TType> Output<T> input(
            Ops tf, SignatureDef.Builder sig, String name, Class<T> type, long... shape) {
        Output<T> p =
                tf.withName(name).placeholder(type, Placeholder.shape(Shape.of(shape))).output();
        sig.putInputs(name, info(p, shape));
        return p;
    }

    private static TensorInfo info(Output<?> out, long[] shape) {
        TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
        for (long d : shape) {
            s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
        }
        return TensorInfo.newBuilder()
                .setName(out.op().name() + ":" + out.index())
                .setDtype(out.dataType())
                .setTensorShape(s)
                .build();
    }
}
