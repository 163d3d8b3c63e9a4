package dev.batchscore.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;

/**
 * Loads the reference models with plain {@link SavedModelBundle}, independent of batchscore's own
 * runtime, so a broken model is told apart from a broken loader.
 */
class ReferenceModelsTest {

    @TempDir Path tmp;

    @Test
    void tabularHasTheDeclaredSignatureAndScoresABatch() {
        Path dir = ReferenceModels.buildTabular(tmp, 7);
        assertThat(dir).isEqualTo(tmp.resolve("tabular").resolve("1"));
        assertThat(dir.resolve("saved_model.pb")).isRegularFile();

        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            SignatureDef sig = bundle.metaGraphDef().getSignatureDefOrThrow("serving_default");
            assertThat(sig.getMethodName()).isEqualTo("tensorflow/serving/predict");
            assertThat(sig.getInputsMap()).containsOnlyKeys("features");
            assertThat(sig.getOutputsMap()).containsOnlyKeys("probability");
            assertThat(dims(sig.getInputsOrThrow("features"))).containsExactly(-1L, 64L);
            assertThat(dims(sig.getOutputsOrThrow("probability"))).containsExactly(-1L);

            float[] scores = scoreTabular(bundle, randomFeatures(new Random(1), 5));
            assertThat(scores).hasSize(5);
            for (float p : scores) {
                assertThat(p).isBetween(0f, 1f);
            }
            // Random weights that saturated every probability to 0 or 1 would make a poor demo.
            assertThat(scores).doesNotHaveDuplicates();
        }
    }

    @Test
    void sameSeedGivesIdenticalScoresAndAnotherSeedDoesNot() {
        float[][] features = randomFeatures(new Random(3), 8);
        Path a = ReferenceModels.buildTabular(tmp.resolve("a"), 11);
        Path b = ReferenceModels.buildTabular(tmp.resolve("b"), 11);
        Path c = ReferenceModels.buildTabular(tmp.resolve("c"), 12);
        float[] scoresA;
        float[] scoresB;
        float[] scoresC;
        try (SavedModelBundle bundle = SavedModelBundle.load(a.toString(), "serve")) {
            scoresA = scoreTabular(bundle, features);
        }
        try (SavedModelBundle bundle = SavedModelBundle.load(b.toString(), "serve")) {
            scoresB = scoreTabular(bundle, features);
        }
        try (SavedModelBundle bundle = SavedModelBundle.load(c.toString(), "serve")) {
            scoresC = scoreTabular(bundle, features);
        }
        assertThat(scoresB).containsExactly(scoresA);
        assertThat(scoresC).isNotEqualTo(scoresA);
    }

    @Test
    void sameSeedWritesByteIdenticalGraphs() throws Exception {
        Path a = ReferenceModels.buildText(tmp.resolve("a"), 5);
        Path b = ReferenceModels.buildText(tmp.resolve("b"), 5);
        assertThat(Files.readAllBytes(b.resolve("saved_model.pb")))
                .isEqualTo(Files.readAllBytes(a.resolve("saved_model.pb")));
    }

    @Test
    void textScoresPositiveAboveNeutralAboveNegativeAndEmptyIsNotNaN() {
        Path dir = ReferenceModels.buildText(tmp, ReferenceModels.DEFAULT_SEED);
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            SignatureDef sig = bundle.metaGraphDef().getSignatureDefOrThrow("serving_default");
            assertThat(sig.getInputsOrThrow("text").getDtype().name()).isEqualTo("DT_STRING");
            assertThat(dims(sig.getInputsOrThrow("text"))).containsExactly(-1L);
            assertThat(dims(sig.getOutputsOrThrow("sentiment"))).containsExactly(-1L);

            float[] s =
                    scoreText(
                            bundle,
                            "Great product, I LOVE it!",
                            "the box arrived on tuesday",
                            "Terrible. Arrived broken, want a refund",
                            "",
                            "   ",
                            "!!!");
            assertThat(s).hasSize(6);
            assertThat(s[0]).isGreaterThan(0.8f);
            assertThat(s[2]).isLessThan(0.2f);
            assertThat(s[0]).isGreaterThan(s[1]);
            assertThat(s[1]).isGreaterThan(s[2]);
            // No tokens: a zero mean embedding, hence exactly sigmoid(bias) = 0.5, never 0/0.
            assertThat(s[3]).isEqualTo(0.5f);
            assertThat(s[4]).isEqualTo(0.5f);
            assertThat(s[5]).isEqualTo(0.5f);
        }
    }

    @Test
    void commonWordsStayNeutral() {
        // A hash-bucket collision between a common word and a sentiment word would make ordinary
        // sentences read as strongly positive or negative in the demo.
        String[] neutral = {
            "would you buy this product again", "two of them got here", "get it",
            "the order was a box", "it is what it is", "they said we could use the item"
        };
        Path dir = ReferenceModels.buildText(tmp, ReferenceModels.DEFAULT_SEED);
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            float[] s = scoreText(bundle, neutral);
            for (int i = 0; i < s.length; i++) {
                assertThat(s[i]).as(neutral[i]).isBetween(0.3f, 0.7f);
            }
        }
    }

    @Test
    void textAcceptsAnEmptyBatch() {
        Path dir = ReferenceModels.buildText(tmp, 1);
        try (SavedModelBundle bundle = SavedModelBundle.load(dir.toString(), "serve")) {
            assertThat(scoreText(bundle)).isEmpty();
        }
    }

    @Test
    void refusesToOverwriteAModel() {
        ReferenceModels.buildTabular(tmp, 1);
        assertThatThrownBy(() -> ReferenceModels.buildTabular(tmp, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void buildMakesAllAndRejectsAnUnknownModel() {
        assertThat(ReferenceModels.build("ALL", tmp, 9))
                .containsExactly(tmp.resolve("tabular/1"), tmp.resolve("text/1"));
        assertThat(tmp.resolve("text/1/saved_model.pb")).isRegularFile();
        assertThatThrownBy(() -> ReferenceModels.build("images", tmp.resolve("x"), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown model 'images'; expected tabular, text or all");
    }

    private static java.util.List<Long> dims(TensorInfo info) {
        return info.getTensorShape().getDimList().stream().map(d -> d.getSize()).toList();
    }

    private static float[][] randomFeatures(Random random, int rows) {
        float[][] features = new float[rows][ReferenceModels.TABULAR_FEATURES];
        for (float[] row : features) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return features;
    }

    private static float[] scoreTabular(SavedModelBundle bundle, float[][] features) {
        try (TFloat32 input = TFloat32.tensorOf(StdArrays.ndCopyOf(features));
                Result result = bundle.call(Map.of("features", input))) {
            return toArray((TFloat32) result.get("probability").orElseThrow());
        }
    }

    private static float[] scoreText(SavedModelBundle bundle, String... texts) {
        try (TString input =
                        TString.tensorOf(
                                Shape.of(texts.length),
                                org.tensorflow.ndarray.buffer.DataBuffers.of(texts, false, false));
                Result result = bundle.call(Map.<String, Tensor>of("text", input))) {
            return toArray((TFloat32) result.get("sentiment").orElseThrow());
        }
    }

    private static float[] toArray(TFloat32 tensor) {
        assertThat(tensor.shape().numDimensions()).isEqualTo(1);
        float[] values = new float[(int) tensor.shape().size(0)];
        for (int i = 0; i < values.length; i++) {
            values[i] = tensor.getFloat(i);
        }
        return values;
    }
}
