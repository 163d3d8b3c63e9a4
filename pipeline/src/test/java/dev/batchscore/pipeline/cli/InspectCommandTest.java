package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.testing.TfServingFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What inspect prints; its arguments are tested in ToolCommandsTest. */
class InspectCommandTest {
    private final Fixtures.Capture out = new Fixtures.Capture();
    private final Fixtures.Capture err = new Fixtures.Capture();

    /** {@code batchscore inspect model [--verbose]}; returns the exit code. */
    private int inspect(Path model, boolean verbose) {
        List<String> args = new ArrayList<>(List.of("inspect", model.toString()));
        if (verbose) {
            args.add("--verbose");
        }
        return Main.run(args.toArray(new String[0]), out.stream, err.stream);
    }

    @Test
    void describesEverySignatureOfHalfPlusTwoWithTheExampleFields() {
        Path model =
                TfServingFixtures.savedModel("saved_model_half_plus_two_cpu").resolve("00000123");
        assertThat(inspect(model, false)).isZero();
        String text = out.text();
        assertThat(text)
                .contains("version:   123\n")
                .containsPattern("variables: [0-9,]+ bytes \\([0-9.]+ MB\\) in variables/")
                .contains("tag sets:  serve\n")
                .contains("signature 'serving_default' (tensorflow/serving/predict)")
                .contains("signature 'classify_x_to_y' (tensorflow/serving/classify)")
                .contains("signature 'regress_x_to_y' (tensorflow/serving/regress)")
                .contains("signature 'regress_x_to_y2' (tensorflow/serving/regress)")
                .contains("signature 'regress_x2_to_y3' (tensorflow/serving/regress)");
        // The classify signature takes serialized tf.Examples; its record field is the feature x.
        String classify = section(text, "classify_x_to_y");
        assertThat(classify)
                .containsPattern("inputs:\n    inputs  DT_STRING \\(unknown rank\\)\n")
                .containsPattern("outputs:\n    scores  DT_FLOAT \\[-1,1\\]\n")
                .containsPattern("record fields:\n    x +DT_FLOAT \\[1\\]\n");
        // Without --verbose, graph tensor names stay out.
        assertThat(text).doesNotContain("tf_example:0");
    }

    @Test
    void aBaseDirectoryListsItsVersionsAndLoadsTheHighest() {
        Path base = TfServingFixtures.savedModel("saved_model_half_plus_two_2_versions");
        assertThat(inspect(base, false)).isZero();
        assertThat(out.text())
                .contains("version:   124\n")
                .contains("versions:  123, 124 (the highest is loaded from a base directory)\n");
    }

    @Test
    void describesTheTf2Export() {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_tf2_cpu");
        assertThat(inspect(model, true)).isZero();
        assertThat(out.text())
                .contains("signature 'serving_default' (tensorflow/serving/predict)")
                .contains("signature 'regress_x_to_y' (tensorflow/serving/predict)");
    }

    /** The lines of one signature's block. */
    private static String section(String text, String key) {
        int start = text.indexOf("signature '" + key + "'");
        assertThat(start).as("signature %s in%n%s", key, text).isNotNegative();
        int end = text.indexOf("\nsignature '", start + 1);
        return end < 0 ? text.substring(start) : text.substring(start, end);
    }
}
