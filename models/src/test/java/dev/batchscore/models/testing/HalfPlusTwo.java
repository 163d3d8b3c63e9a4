package dev.batchscore.models.testing;

import dev.batchscore.models.SavedModelWriter;
import java.nio.file.Path;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * The test model: the predict signature of TF Serving's {@code saved_model_half_plus_two_cpu}
 * ({@code x DT_FLOAT [-1,1] -> y = 0.5 x + 2 DT_FLOAT [-1,1]}), rebuilt with TensorFlow Java so
 * that tests needing "a model computing y = 0.5x + 2" do not depend on TF Serving's export being
 * checked out; the export itself stays the compatibility fixture ({@code FixtureModelsTest} checks
 * the two agree). In the models module's test jar, which the operators and it modules' tests use.
 */
public final class HalfPlusTwo {
    public static final String INPUT = "x";
    public static final String OUTPUT = "y";

    private HalfPlusTwo() {}

    /**
     * Writes {@code y = 0.5 x + 2} into {@code exportDir} itself (a version directory, so the
     * caller picks the layout, e.g. {@code base/00000123}) and returns it. Signature {@code
     * serving_default}, computed as {@code 0.5 * x} then {@code + 2} in float32 like TF Serving's
     * model, so every score equals Java's {@code 0.5f * x + 2f}. Fails if {@code exportDir} already
     * holds a model.
     */
    public static Path build(Path exportDir) {
        SavedModelWriter.prepare(exportDir);
        try (Graph graph = new Graph()) {
            Ops tf = Ops.create(graph);
            Placeholder<TFloat32> x =
                    tf.withName(INPUT)
                            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 1)));
            Operand<TFloat32> y =
                    tf.withName(OUTPUT)
                            .math
                            .add(tf.math.mul(tf.constant(0.5f), x), tf.constant(2f));
            SavedModelWriter.writePredict(graph, exportDir, INPUT, x, OUTPUT, y);
        }
        return exportDir;
    }
}
