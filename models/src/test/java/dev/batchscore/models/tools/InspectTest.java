package dev.batchscore.models.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.reference.ReferenceModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What inspect prints; its arguments are tested with the CLI (pipeline's cli.ToolCommandsTest). */
class InspectTest {
    private static final Set<String> SERVE = Set.of("serve");

    @TempDir Path tmp;

    private final Fixtures.Capture out = new Fixtures.Capture();

    @Test
    void fieldsAreDescribedLikeTensors() {
        assertThat(Inspect.describe(new FieldSpec("x", DType.FLOAT, List.of(1L))))
                .isEqualTo("DT_FLOAT [1]");
        assertThat(Inspect.describe(new FieldSpec("t", DType.STRING, List.of())))
                .isEqualTo("DT_STRING scalar");
        assertThat(Inspect.describe(new FieldSpec("m", DType.INT64, List.of(2L, 3L))))
                .isEqualTo("DT_INT64 [2,3]");
    }

    @Test
    void describesTheReferenceTextModel() {
        ReferenceModels.buildText(tmp, 1);
        assertThat(Inspect.run(tmp.resolve("text"), SERVE, true, out.stream)).isZero();
        assertThat(out.text())
                .contains("model:     " + tmp.resolve("text/1"))
                .contains("version:   1\n")
                .contains("tags:      serve\n")
                .contains("signature 'serving_default' (tensorflow/serving/predict)")
                .containsPattern("\n    text  DT_STRING \\[-1\\]  text:0\n")
                .containsPattern("\n    sentiment  DT_FLOAT \\[-1\\]  sentiment:0\n")
                .containsPattern("record fields:\n    text  DT_STRING scalar\n");
    }

    @Test
    void describesEverySignatureOfHalfPlusTwoWithTheExampleFields() {
        Path model = Fixtures.savedModel("saved_model_half_plus_two_cpu").resolve("00000123");
        assertThat(Inspect.run(model, SERVE, false, out.stream)).isZero();
        String text = out.text();
        assertThat(text)
                .contains("version:   123\n")
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
        Path base = Fixtures.savedModel("saved_model_half_plus_two_2_versions");
        assertThat(Inspect.run(base, SERVE, false, out.stream)).isZero();
        assertThat(out.text())
                .contains("version:   124\n")
                .contains("versions:  123, 124 (the highest is loaded from a base directory)\n");
    }

    @Test
    void describesTheTf2Export() {
        Path model = Fixtures.savedModel("saved_model_half_plus_two_tf2_cpu");
        assertThat(Inspect.run(model, SERVE, true, out.stream)).isZero();
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
