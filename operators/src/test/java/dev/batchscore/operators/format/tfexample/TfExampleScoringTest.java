package dev.batchscore.operators.format.tfexample;

import static dev.batchscore.operators.format.tfexample.TfExampleFormatTest.example;
import static dev.batchscore.operators.format.tfexample.TfExampleFormatTest.floats;
import static dev.batchscore.operators.format.tfexample.TfExampleFormatTest.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.RecordError;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.models.testing.TfServingFixtures;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** tf.Example records through the reader into TF Serving's half_plus_two: y = x / 2 + 2. */
class TfExampleScoringTest {

    private static List<Map<String, Object>> read(BatchScorer scorer, List<byte[]> values)
            throws Exception {
        RecordReader reader =
                new TfExampleFormat()
                        .reader(
                                new ReaderSpec(
                                        scorer.fields(),
                                        Map.of(),
                                        List.of(
                                                new PassthroughField(
                                                        "id", PassthroughField.Type.STRING)),
                                        scorer.serializedExampleInput().orElse(null)));
        List<Map<String, Object>> records = new ArrayList<>();
        for (byte[] v : values) {
            Map<String, Object> input = new HashMap<>();
            reader.read(v, input, new Object[1]);
            records.add(input);
        }
        return records;
    }

    @Test
    void asIsToAParsingSignatureAndDecodedForAPlainOne() throws Exception {
        List<byte[]> values = new ArrayList<>();
        float[] xs = {0f, 3f, -4.5f};
        for (float x : xs) {
            values.add(example(Map.of("x", floats(x), "id", strings("r" + x))));
        }
        try (SavedModel model =
                ModelRegistry.acquire(
                        TfServingFixtures.savedModel("saved_model_half_plus_two_cpu"),
                        ModelOptions.defaults())) {
            for (String sig : List.of("regress_x_to_y", "serving_default")) {
                BatchScorer scorer = model.scorer(sig);
                String output = sig.equals("serving_default") ? "y" : "outputs";
                ScoreResult r = scorer.score(read(scorer, values));
                for (int i = 0; i < xs.length; i++) {
                    assertThat(r.ok(i)).as("%s row %d: %s", sig, i, r.error(i)).isTrue();
                    assertThat(r.outputs(i).get(output)).isEqualTo(xs[i] / 2 + 2);
                }
            }
        }
    }

    @Test
    void aFeatureOfTheWrongKindIsTheModelsErrorForThatRecordOnly() throws Exception {
        try (SavedModel model =
                ModelRegistry.acquire(
                        TfServingFixtures.savedModel("saved_model_half_plus_two_cpu"),
                        ModelOptions.defaults())) {
            BatchScorer scorer = model.scorer("serving_default");
            ScoreResult r =
                    scorer.score(
                            read(
                                    scorer,
                                    List.of(
                                            example(Map.of("x", strings("seven"))),
                                            example(Map.of("x", floats(2f))))));
            assertThat(r.error(0).stage()).isEqualTo(RecordError.Stage.ENCODE);
            assertThat(r.error(0).message()).contains("is a string (\"seven\")");
            assertThat(r.outputs(1).get("y")).isEqualTo(3f);
        }
    }
}
