package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.testing.TfServingFixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;

/**
 * Signatures that parse serialized tf.Examples take the bytes themselves ({@link
 * SerializedExample}) and score them as they score the same features given as a field map.
 */
class SerializedExampleScoringTest {
    private static SavedModel model;

    @BeforeAll
    static void load() {
        model =
                ModelRegistry.acquire(
                        TfServingFixtures.savedModel("saved_model_half_plus_two_cpu"),
                        ModelOptions.defaults());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static byte[] example(float x) {
        return Example.newBuilder()
                .setFeatures(
                        Features.newBuilder()
                                .putFeature(
                                        "x",
                                        Feature.newBuilder()
                                                .setFloatList(FloatList.newBuilder().addValue(x))
                                                .build()))
                .build()
                .toByteArray();
    }

    @Test
    void onlyExampleSignaturesNameTheirSerializedInput() {
        String classifyInput = model.scorer("classify_x_to_y").signature().inputs().get(0).key();
        assertThat(model.scorer("classify_x_to_y").serializedExampleInput())
                .contains(classifyInput);
        assertThat(model.scorer("regress_x_to_y").serializedExampleInput()).isPresent();
        assertThat(model.scorer("serving_default").serializedExampleInput()).isEmpty();
    }

    @Test
    void serializedBytesScoreAsTheFieldMapDoes() {
        float[] xs = {0f, 4f, -2f, 12345.678f, 0.1f};
        for (String sig : List.of("classify_x_to_y", "regress_x_to_y")) {
            BatchScorer scorer = model.scorer(sig);
            String key = scorer.serializedExampleInput().orElseThrow();
            List<Map<String, Object>> maps = new ArrayList<>();
            List<Map<String, Object>> serialized = new ArrayList<>();
            for (float x : xs) {
                maps.add(Map.of("x", x));
                serialized.add(Map.of(key, new SerializedExample(example(x))));
            }
            ScoreResult want = scorer.score(maps);
            ScoreResult got = scorer.score(serialized);
            for (int i = 0; i < xs.length; i++) {
                assertThat(got.ok(i)).as("%s row %d: %s", sig, i, got.error(i)).isTrue();
                assertThat(got.outputs(i)).as("%s x = %s", sig, xs[i]).isEqualTo(want.outputs(i));
                assertThat(want.outputs(i)).isNotEmpty();
            }
        }
    }

    @Test
    void corruptBytesAreThatRecordsScoreErrorAndTheRestIsScored() {
        BatchScorer scorer = model.scorer("regress_x_to_y");
        String key = scorer.serializedExampleInput().orElseThrow();
        ScoreResult result =
                scorer.score(
                        List.of(
                                Map.of(key, new SerializedExample(example(2f))),
                                Map.of(key, new SerializedExample(new byte[] {(byte) 0xff, 1})),
                                Map.of(key, new SerializedExample(example(6f)))));
        assertThat(result.ok(0)).isTrue();
        assertThat(result.ok(2)).isTrue();
        assertThat((Float) result.outputs(2).get("outputs")).isEqualTo(5f);
        assertThat(result.ok(1)).isFalse();
        assertThat(result.error(1).stage()).isEqualTo(RecordError.Stage.SCORE);
        assertThat(result.error(1).message()).doesNotContain("\n");
    }

    @Test
    void aNullSerializedExampleIsAnEncodeError() {
        BatchScorer scorer = model.scorer("regress_x_to_y");
        String key = scorer.serializedExampleInput().orElseThrow();
        ScoreResult result = scorer.score(List.of(Map.of(key, new SerializedExample(null))));
        assertThat(result.error(0).stage()).isEqualTo(RecordError.Stage.ENCODE);
        assertThat(result.error(0).message())
                .isEqualTo(
                        "model input '"
                                + key
                                + "' takes serialized tf.Examples; the record's serialized"
                                + " Example is null");
    }
}
