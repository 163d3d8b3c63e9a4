package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.testing.HalfPlusTwo;
import dev.batchscore.models.testing.TfServingFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading, describing and scoring the TF Serving test SavedModels. */
class FixtureModelsTest {

    private static List<Map<String, Object>> xs(String field, double... values) {
        List<Map<String, Object>> records = new ArrayList<>();
        for (double v : values) {
            records.add(Map.of(field, v));
        }
        return records;
    }

    private static SignatureSpec signature(SavedModel model, String key) {
        return model.describe().signatures().stream()
                .filter(s -> s.key().equals(key))
                .findFirst()
                .orElseThrow();
    }

    private static void assertScores(
            ScoreResult result, String output, double slope, double offset, double... xs) {
        assertThat(result.size()).isEqualTo(xs.length);
        for (int i = 0; i < xs.length; i++) {
            assertThat(result.ok(i)).as("row %d: %s", i, result.error(i)).isTrue();
            assertThat(result.outputs(i).get(output)).isInstanceOf(Float.class);
            assertThat((Float) result.outputs(i).get(output))
                    .isCloseTo(
                            (float) (slope * xs[i] + offset),
                            org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** TF Serving's fixture {@code name}, loaded with the default options; the caller closes it. */
    private static SavedModel fixture(String name) {
        return ModelRegistry.acquire(TfServingFixtures.savedModel(name), ModelOptions.defaults());
    }

    @Test
    void halfPlusTwoCpuPredictClassifyAndRegress() {
        try (SavedModel model = fixture("saved_model_half_plus_two_cpu")) {
            ModelDescription d = model.describe();
            assertThat(d.version()).isEqualTo(OptionalLong.of(123));
            assertThat(d.tags()).containsExactly("serve");
            assertThat(d.signatures())
                    .extracting(SignatureSpec::key)
                    .containsExactly(
                            "classify_x_to_y",
                            "regress_x2_to_y3",
                            "regress_x_to_y",
                            "regress_x_to_y2",
                            "serving_default");
            SignatureSpec predict = d.signatures().get(4);
            assertThat(predict.methodName()).isEqualTo("tensorflow/serving/predict");
            assertThat(predict.inputs())
                    .containsExactly(
                            new TensorSpec("x", "x:0", DType.FLOAT, "DT_FLOAT", List.of(-1L, 1L)));

            assertScores(
                    model.scorer("serving_default").score(xs("x", 1, 2, 5)), "y", 0.5, 2, 1, 2, 5);

            BatchScorer classify = model.scorer("classify_x_to_y");
            assertThat(classify.fields()).extracting(FieldSpec::name).contains("x");
            assertScores(classify.score(xs("x", 0, 4, -2)), "scores", 0.5, 2, 0, 4, -2);
            assertScores(
                    model.scorer("regress_x_to_y").score(xs("x", 3, 10)), "outputs", 0.5, 2, 3, 10);
        }
    }

    /**
     * The tests that only need "a model computing y = 0.5x + 2" score with {@link
     * HalfPlusTwo#build}: it must stay what TF Serving's export is to batchscore.
     */
    @Test
    void theRebuiltHalfPlusTwoMatchesTfServingsPredictSignature(@TempDir Path tmp) {
        Path rebuilt = HalfPlusTwo.build(tmp.resolve("half_plus_two/00000123"));
        double[] xs = {0, 1, -3.3, 0.1, 12345.678, -75.25};
        try (SavedModel tfServing = fixture("saved_model_half_plus_two_cpu");
                SavedModel ours = ModelRegistry.acquire(rebuilt, ModelOptions.defaults())) {
            SignatureSpec expected = signature(tfServing, "serving_default");
            SignatureSpec actual = signature(ours, "serving_default");
            assertThat(actual.methodName()).isEqualTo(expected.methodName());
            assertThat(actual.inputs()).isEqualTo(expected.inputs());
            assertThat(actual.outputs()).isEqualTo(expected.outputs());
            ScoreResult want = tfServing.scorer("serving_default").score(xs("x", xs));
            ScoreResult got = ours.scorer("serving_default").score(xs("x", xs));
            for (int i = 0; i < xs.length; i++) {
                assertThat(got.outputs(i)).as("x = %s", xs[i]).isEqualTo(want.outputs(i));
            }
        }
    }

    @Test
    void tf2ModelDeclaresNoBatchDimensionButScoresInBatches() {
        try (SavedModel model = fixture("saved_model_half_plus_two_tf2_cpu")) {
            assertThat(model.describe().signatures())
                    .extracting(SignatureSpec::key)
                    .doesNotContain("__saved_model_init_op")
                    .contains("serving_default");
            BatchScorer scorer = model.scorer("serving_default");
            assertScores(scorer.score(xs("x", 1, 2, 3, 4)), "y", 0.5, 2, 1, 2, 3, 4);
            assertThat(scorer.batchesRecords()).isTrue();
            assertScores(scorer.score(List.of(Map.of("x", List.of(6.0)))), "y", 0.5, 2, 6);

            // ParseExampleV2 sits inside the function the signature calls.
            BatchScorer classify = model.scorer("classify_x_to_y");
            assertThat(classify.fields()).extracting(FieldSpec::name).contains("x");
            assertScores(classify.score(xs("x", 2, 8)), "scores", 0.5, 2, 2, 8);
        }
    }

    @Test
    void versionedBaseDirectoryTakesTheHighestVersion() {
        try (SavedModel model = fixture("saved_model_half_plus_two_2_versions")) {
            assertThat(model.describe().version()).isEqualTo(OptionalLong.of(124));
            assertThat(model.exportDir().getFileName().toString()).isEqualTo("00000124");
        }
    }

    @Test
    void halfPlusThreeLoadsAndItsValidSignatureScores() {
        try (SavedModel model = fixture("saved_model_half_plus_three")) {
            assertThat(model.describe().signatures())
                    .extracting(SignatureSpec::key)
                    .containsExactly("serving_default", "tensorflow/serving/regress");
            assertScores(model.scorer("serving_default").score(xs("x", 1, 4)), "y", 0.5, 3, 1, 4);
            assertThatThrownBy(() -> model.scorer("tensorflow/serving/regress"))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("signature 'tensorflow/serving/regress' is inconsistent")
                    .hasMessageContaining("declares DT_FLOAT but tensor tf_example:0 is DT_STRING")
                    .hasMessageContaining("usable signatures")
                    .hasMessageContaining("serving_default");
        }
    }

    @Test
    void counterIsDescribedAndItsNoInputSignaturesAreRefused() {
        try (SavedModel model = fixture("saved_model_counter")) {
            assertThat(model.describe().signatures())
                    .extracting(SignatureSpec::key)
                    .containsExactly(
                            "get_counter", "incr_counter", "incr_counter_by", "reset_counter");
            SignatureSpec get = model.describe().signatures().get(0);
            assertThat(get.inputs()).isEmpty();
            assertThat(get.outputs().get(0).rawDtype()).isEqualTo("DT_FLOAT_REF");
            assertThat(get.outputs().get(0).dtype()).isEqualTo(DType.FLOAT);
            assertThatThrownBy(() -> model.scorer("get_counter"))
                    .isInstanceOf(ModelException.class)
                    .hasMessageContaining("signature 'get_counter' has no inputs");
        }
    }

    @Test
    void gpuPinnedModelNeedsSoftPlacement() {
        var dir = TfServingFixtures.savedModel("saved_model_half_plus_two_gpu_trt");
        int loaded = ModelRegistry.loadedCount();
        assertThatThrownBy(
                        () ->
                                ModelRegistry.acquire(
                                        dir, ModelOptions.defaults().withSoftPlacement(false)))
                .isInstanceOf(ModelException.class)
                .hasMessageStartingWith("Cannot assign a device for operation")
                .hasMessageContaining("withSoftPlacement(true)")
                .hasMessageNotContaining("\n");
        assertThat(ModelRegistry.loadedCount()).isEqualTo(loaded);
        try (SavedModel model = ModelRegistry.acquire(dir, ModelOptions.defaults())) {
            assertScores(model.scorer("serving_default").score(xs("x", 1, 2)), "y", 0.5, 2, 1, 2);
            assertScores(model.scorer("regress_x_to_y").score(xs("x", 8)), "outputs", 0.5, 2, 8);
        }
    }

    @Test
    void everyFixtureIsDescribed() {
        int loaded = ModelRegistry.loadedCount();
        for (String name :
                List.of(
                        "saved_model_half_plus_two_cpu",
                        "saved_model_half_plus_two_tf2_cpu",
                        "saved_model_half_plus_two_2_versions",
                        "saved_model_half_plus_three",
                        "saved_model_counter",
                        "saved_model_half_plus_two_gpu_trt")) {
            try (SavedModel model = fixture(name)) {
                ModelDescription d = model.describe();
                assertThat(d.signatures()).as(name).isNotEmpty();
                for (SignatureSpec s : d.signatures()) {
                    assertThat(s.outputs()).as(name + " " + s.key()).isNotEmpty();
                    for (TensorSpec t : s.outputs()) {
                        assertThat(t.describeType()).startsWith("DT_");
                    }
                }
            }
        }
        assertThat(ModelRegistry.loadedCount()).isEqualTo(loaded);
    }
}
