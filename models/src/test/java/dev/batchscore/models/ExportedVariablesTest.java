package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * A model with variables exported by TF Java's own {@code SavedModelBundle.exporter}: the loader
 * restores the checkpoint (the fixtures cover Python exports, but are optional).
 */
class ExportedVariablesTest {
    @TempDir Path tmp;

    @Test
    void variablesAreRestoredFromTheCheckpoint() throws Exception {
        Path dir = tmp.resolve("linear");
        try (Graph g = new Graph();
                Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            var x =
                    tf.withName("x")
                            .placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
            var w = tf.withName("w").variable(tf.constant(new float[][] {{2f}, {3f}}));
            var b = tf.withName("b").variable(tf.constant(new float[] {0.5f}));
            var y = tf.withName("y").math.add(tf.linalg.matMul(x, w), b);
            s.initialize();
            // Trained values differ from the initial ones: only a restored checkpoint has them.
            s.run(tf.assign(w, tf.constant(new float[][] {{4f}, {5f}})));
            SavedModelBundle.exporter(dir.toString())
                    .withSession(s)
                    .withSignature(
                            Signature.builder()
                                    .key("serving_default")
                                    .input("x", x)
                                    .output("y", y)
                                    .build())
                    .export();
        }
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            assertThat(model.describe().signatures().get(0).inputs().get(0).describeType())
                    .isEqualTo("DT_FLOAT [-1,2]");
            ScoreResult r =
                    model.scorer("serving_default")
                            .score(
                                    List.of(
                                            Map.of("x", List.of(1, 1)),
                                            Map.of("x", new float[] {2, 0})));
            assertThat(r.outputs(0)).as("%s", r.error(0)).containsEntry("y", 9.5f);
            assertThat(r.outputs(1)).containsEntry("y", 8.5f);
        }
    }
}
