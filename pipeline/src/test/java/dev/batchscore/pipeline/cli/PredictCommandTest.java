package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.testing.TfServingFixtures;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.json.JsonRecordDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PredictCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    private final Fixtures.Capture out = new Fixtures.Capture();
    private final Fixtures.Capture err = new Fixtures.Capture();

    private int predict(String stdin, Path model, String signature, int batchSize, String input) {
        return PredictCommand.predict(
                model,
                signature,
                Set.of("serve"),
                batchSize,
                input,
                Fixtures.stdin(stdin),
                out.stream,
                err.stream);
    }

    private int predict(String stdin, Path model) {
        return predict(stdin, model, "serving_default", 256, "-");
    }

    // ---- input: no model needed

    @Test
    void missingInputFileIsReportedBeforeTheModelIsLoaded() {
        Path absent = tmp.resolve("absent.jsonl");
        assertThatThrownBy(
                        () ->
                                predict(
                                        "",
                                        tmp.resolve("no-model"),
                                        "serving_default",
                                        256,
                                        absent.toString()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "--input "
                                + absent
                                + " does not exist; give a JSON Lines file or - for stdin");
    }

    @Test
    void decodeRefusesWhatIsNotOneJsonObject() throws Exception {
        assertThat(decodeLine("{\"x\": 1.5, \"id\": \"a\"}"))
                .containsEntry("x", 1.5)
                .containsEntry("id", "a");
        assertThatThrownBy(() -> decodeLine("[1, 2]"))
                .hasMessageStartingWith("record value is a JSON array, expected an object");
        assertThatThrownBy(() -> decodeLine("{\"x\": 1} {\"x\": 2}"))
                .hasMessageStartingWith("record value is not valid JSON: ");
        assertThatThrownBy(() -> decodeLine("{\"x\": "))
                .hasMessageStartingWith("record value is not valid JSON: ");
    }

    /**
     * predict decodes a line as the job decodes a record: NaN is a number (not a decode error), and
     * the model's encoder, with the job's default errors.non-finite (reject), refuses it with the
     * same message for both.
     */
    @Test
    void predictAndTheJobsDecoderAgreeOnANaNRecord() throws Exception {
        String line = "{\"id\": \"n\", \"x\": NaN}";
        Map<String, Object> decoded = decodeLine(line);
        Object job =
                JsonRecordDecoder.toJava(
                        JsonRecordDecoder.get().decode(line.getBytes(StandardCharsets.UTF_8)));
        assertThat(decoded).isEqualTo(job);
        assertThat((Double) decoded.get("x")).isNaN();

        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        String expected;
        try (SavedModel m = ModelRegistry.acquire(model, ModelOptions.defaults())) {
            var error = m.scorer("serving_default").score(List.of(decoded)).error(0);
            expected = error.stage().label() + ": " + error.message();
        }
        assertThat(predict(line + "\n", model)).isEqualTo(1);
        JsonNode out0 = readLines(out.text()).get(0);
        assertThat(out0.get("_line").intValue()).isEqualTo(1);
        assertThat(out0.get("_error").textValue()).startsWith("encode: ").isEqualTo(expected);
    }

    // ---- end to end, through the real runtime and TensorFlow

    @Test
    void scoresHalfPlusTwoAndPrintsFloatsExactly() throws Exception {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        int code =
                predict(
                        "{\"id\": \"a\", \"x\": 1}\n\n"
                                + "{\"id\": \"b\", \"x\": 0.1}\n"
                                + "{\"id\": \"c\", \"x\": [3.0]}\n",
                        model,
                        "serving_default",
                        2,
                        "-");
        assertThat(err.text()).isEmpty();
        assertThat(code).isZero();
        List<String> lines = out.text().lines().toList();
        assertThat(lines).hasSize(3);
        // Input fields first, in input order, then the outputs; 0.5f * 0.1f + 2 is the float 2.05.
        assertThat(lines.get(0)).isEqualTo("{\"id\":\"a\",\"x\":1,\"y\":2.5}");
        assertThat(lines.get(1)).isEqualTo("{\"id\":\"b\",\"x\":0.1,\"y\":2.05}");
        assertThat(JSON.readTree(lines.get(2)).get("y").floatValue()).isEqualTo(3.5f);
    }

    @Test
    void badLinesGetAnErrorLineAndExitCodeOneWhileTheRestIsScored() throws Exception {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(
                input,
                String.join(
                        "\n",
                        "{\"x\": 1}",
                        "{\"x\": ",
                        "{\"x\": \"not a number\"}",
                        "{\"x\": 2}",
                        ""));
        int code = predict("", model, "serving_default", 256, input.toString());
        assertThat(code).isEqualTo(1);
        List<JsonNode> lines = readLines(out.text());
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0).get("y").floatValue()).isEqualTo(2.5f);
        assertThat(lines.get(1).get("_line").intValue()).isEqualTo(2);
        assertThat(lines.get(1).get("_error").textValue())
                .startsWith("decode: record value is not valid JSON");
        assertThat(lines.get(2).get("_line").intValue()).isEqualTo(3);
        assertThat(lines.get(2).get("_error").textValue()).startsWith("encode: ");
        assertThat(lines.get(3).get("y").floatValue()).isEqualTo(3.0f);
        assertThat(err.text())
                .contains("warning: line 2: decode: ")
                .contains("warning: line 3: encode: ")
                .contains("2 of 4 records failed");
    }

    @Test
    void outputKeepsInputOrderWhenBadLinesAreInterleavedAcrossBatches() throws Exception {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        String input =
                String.join(
                        "\n",
                        "bad",
                        "{\"x\": 0}",
                        "bad",
                        "{\"x\": 2}",
                        "{\"x\": 4}",
                        "bad",
                        "bad",
                        "bad",
                        "{\"x\": 6}",
                        "bad",
                        "");
        int code = predict(input, model, "serving_default", 2, "-");
        assertThat(code).isEqualTo(1);
        List<String> order =
                readLines(out.text()).stream()
                        .map(
                                n ->
                                        n.has("_line")
                                                ? "line " + n.get("_line").intValue()
                                                : "y=" + n.get("y").floatValue())
                        .toList();
        assertThat(order)
                .containsExactly(
                        "line 1", "y=2.0", "line 3", "y=3.0", "y=4.0", "line 6", "line 7", "line 8",
                        "y=5.0", "line 10");
    }

    @Test
    void scoresTfExampleSignaturesFromRecordFields() throws Exception {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        assertThat(predict("{\"x\": 1}\n{\"x\": 3}\n", model, "regress_x_to_y", 256, "-")).isZero();
        assertThat(readLines(out.text()))
                .extracting(n -> n.get("outputs").floatValue())
                .containsExactly(2.5f, 3.5f);

        Fixtures.Capture classify = new Fixtures.Capture();
        assertThat(
                        PredictCommand.predict(
                                model,
                                "classify_x_to_y",
                                Set.of("serve"),
                                256,
                                "-",
                                Fixtures.stdin("{\"x\": 1}\n"),
                                classify.stream,
                                err.stream))
                .isZero();
        assertThat(readLines(classify.text()).get(0).get("scores").floatValue()).isEqualTo(2.5f);
    }

    @Test
    void scoresTheTf2Export() throws Exception {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_tf2_cpu");
        assertThat(predict("{\"x\": 1}\n{\"x\": 5}\n", model)).isZero();
        assertThat(readLines(out.text()))
                .extracting(n -> n.get("y").floatValue())
                .containsExactly(2.5f, 4.5f);
    }

    @Test
    void unknownSignatureIsAModelError() {
        Path model = TfServingFixtures.savedModel("saved_model_half_plus_two_cpu");
        assertThatThrownBy(() -> predict("{\"x\": 1}\n", model, "nope", 256, "-"))
                .isInstanceOf(dev.batchscore.models.ModelException.class)
                .hasMessageContaining("nope");
    }

    private static List<JsonNode> readLines(String text) {
        return text.lines()
                .map(
                        line -> {
                            try {
                                return JSON.readTree(line);
                            } catch (Exception e) {
                                throw new AssertionError("not JSON: " + line, e);
                            }
                        })
                .toList();
    }

    /** A line decoded by predict's JSON reader: the fields it prints. */
    private static Map<String, Object> decodeLine(String line) throws Exception {
        RecordFormat json = RecordFormats.json();
        RecordFormat.ReaderSpec spec =
                new RecordFormat.ReaderSpec(List.of(), Map.of(), List.of(), null);
        return PredictCommand.decode(json, json.reader(spec), line.getBytes(StandardCharsets.UTF_8))
                .shown();
    }
}
