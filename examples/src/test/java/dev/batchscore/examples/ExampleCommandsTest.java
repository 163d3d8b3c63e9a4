package dev.batchscore.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.batchscore.pipeline.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI commands that need this module (bench-model, build-models) and inspect and predict on the
 * reference text model, through the CLI's {@link Main} as {@code ./batchscore} runs them: the
 * commands find this module through {@code cli.Examples} (META-INF/services).
 */
class ExampleCommandsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path tmp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs {@code batchscore args} with {@code stdin}; returns stdout, checking exit 0. */
    private String batchscore(String stdin, String... args) {
        out.reset();
        err.reset();
        int exit =
                Main.run(
                        args,
                        new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit).as("exit code; stderr: %s", err).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void buildModelsBuildsBothByDefault() {
        assertThat(batchscore("", "build-models", tmp.toString()).lines())
                .containsExactly(
                        tmp.resolve("tabular/1").toString(), tmp.resolve("text/1").toString());
        assertThat(
                        batchscore(
                                "",
                                "build-models",
                                "TEXT",
                                tmp.resolve("b").toString(),
                                "--seed",
                                "3"))
                .isEqualTo(tmp.resolve("b/text/1") + System.lineSeparator());
    }

    @Test
    void benchModelMeasuresTheReferenceModelEndToEnd() {
        // Short on purpose: this checks that the benchmark runs and reports, not how fast it is.
        List<String> lines =
                batchscore(
                                "",
                                "bench-model",
                                "--seed",
                                "3",
                                "--seconds",
                                "0.05",
                                "--batch-sizes",
                                "1,8")
                        .lines()
                        .toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0))
                .startsWith("bench-model: reference tabular model (64 -> 512 -> 512 -> 1), seed 3");
        assertThat(lines.get(1)).contains("vs 8");
        assertThat(lines.get(2)).matches(" +1 +[\\d,]+ +\\d+ +\\d+\\.\\d{3}x");
        assertThat(lines.get(3)).matches(" +8 +[\\d,]+ +\\d+ +1\\.000x");
    }

    @Test
    void inspectDescribesTheReferenceTextModel() {
        ReferenceModels.buildText(tmp, 1);
        assertThat(batchscore("", "inspect", tmp.resolve("text").toString(), "--verbose"))
                .contains("model:     " + tmp.resolve("text/1"))
                .contains("version:   1\n")
                .contains("tags:      serve\n")
                .contains("signature 'serving_default' (tensorflow/serving/predict)")
                .containsPattern("\n    text  DT_STRING \\[-1\\]  text:0\n")
                .containsPattern("\n    sentiment  DT_FLOAT \\[-1\\]  sentiment:0\n")
                .containsPattern("record fields:\n    text  DT_STRING scalar\n");
    }

    @Test
    void predictScoresTheReferenceTextModel() throws Exception {
        Path model = ReferenceModels.buildText(tmp, ReferenceModels.DEFAULT_SEED);
        assertThat(model).isEqualTo(tmp.resolve("text/1"));
        String stdout =
                batchscore(
                        "{\"text\": \"Great product, love it!\"}\n"
                                + "{\"text\": \"arrived broken, terrible\"}\n"
                                + "{\"text\": \"\"}\n",
                        "predict",
                        "--model.path",
                        tmp.resolve("text").toString(),
                        "--input",
                        "-");
        List<String> lines = stdout.lines().toList();
        assertThat(sentiment(lines.get(0))).isGreaterThan(0.8f);
        assertThat(sentiment(lines.get(1))).isLessThan(0.2f);
        assertThat(sentiment(lines.get(2))).isEqualTo(0.5f);
    }

    private static float sentiment(String line) throws Exception {
        JsonNode node = JSON.readTree(line);
        return node.get(ReferenceModels.TEXT_OUTPUT).floatValue();
    }
}
