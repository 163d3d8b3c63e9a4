package dev.batchscore.models.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;

/**
 * Loads the test model with plain {@link SavedModelBundle}, independent of batchscore's runtime.
 */
class HalfPlusTwoTest {

    @TempDir Path tmp;

    @Test
    void scoresExactlyHalfPlusTwo() {
        Path dir = HalfPlusTwo.build(tmp.resolve("half_plus_two/00000123"));
        assertThat(dir.resolve("saved_model.pb")).isRegularFile();
        float[] xs = {0f, 1f, -3.3f, 0.1f, 1e7f + 1f, -0.25f * 301, Float.MIN_VALUE};

        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            SignatureDef sig = bundle.metaGraphDef().getSignatureDefOrThrow("serving_default");
            assertThat(sig.getMethodName()).isEqualTo("tensorflow/serving/predict");
            assertThat(dims(sig.getInputsOrThrow("x"))).containsExactly(-1L, 1L);
            assertThat(dims(sig.getOutputsOrThrow("y"))).containsExactly(-1L, 1L);
            float[][] column = new float[xs.length][];
            for (int i = 0; i < xs.length; i++) {
                column[i] = new float[] {xs[i]};
            }
            try (TFloat32 input = TFloat32.tensorOf(StdArrays.ndCopyOf(column));
                    Result result = bundle.call(Map.of("x", input))) {
                TFloat32 y = (TFloat32) result.get("y").orElseThrow();
                assertThat(y.shape().asArray()).containsExactly(xs.length, 1);
                for (int i = 0; i < xs.length; i++) {
                    assertThat(y.getFloat(i, 0)).as("y(%s)", xs[i]).isEqualTo(0.5f * xs[i] + 2f);
                }
            }
        }
        assertThatThrownBy(() -> HalfPlusTwo.build(dir))
                .hasMessageContaining("a model already exists in " + dir);
    }

    private static java.util.List<Long> dims(TensorInfo info) {
        return info.getTensorShape().getDimList().stream().map(d -> d.getSize()).toList();
    }
}
