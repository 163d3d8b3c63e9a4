package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code batchscore sql}: help, and every failure as one line with a non-zero exit. */
class SqlCommandTest {
    @TempDir Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void help() {
        assertThat(run("sql", "--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .startsWith("Usage: batchscore sql -f SCRIPT")
                .contains(
                        "-f, --file=SCRIPT",
                        "--parallelism=N",
                        "--resume-from=SAVEPOINT",
                        "batchscore stop <job-id> --savepoint-dir DIR",
                        "-h, --help",
                        "--verbose");
    }

    @Test
    void aMissingScriptIsAUsageError() {
        assertThat(run("sql", "-f", dir.resolve("nope.sql").toString())).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "batchscore sql: script " + dir.resolve("nope.sql") + " does not exist\n");
    }

    /** A model that does not fit its signature: one line, before any job runs. */
    @Test
    void aMismatchedModelIsOneLine() throws Exception {
        Path model =
                Path.of(
                                System.getProperty("batchscore.shared.dir", "../shared"),
                                "fixtures/tf-serving-savedmodels/saved_model_half_plus_two_cpu")
                        .toAbsolutePath()
                        .normalize();
        Path script = dir.resolve("bad.sql");
        Files.writeString(
                script,
                "CREATE TEMPORARY VIEW src AS SELECT id, CAST(x AS STRING) AS x FROM (VALUES (1, 'a')) AS t(id, x);\n"
                        + "CREATE MODEL hpt INPUT (x STRING) OUTPUT (y FLOAT)\n"
                        + "  WITH ('provider' = 'tensorflow', 'path' = '"
                        + model
                        + "');\n"
                        + "CREATE TEMPORARY TABLE sink (id INT, y FLOAT) WITH ('connector' = 'blackhole');\n"
                        + "INSERT INTO sink SELECT id, y FROM ML_PREDICT(TABLE src, MODEL hpt, DESCRIPTOR(x));\n");
        assertThat(run("sql", "-f", script.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo(
                        "batchscore sql: model 'hpt': INPUT column 'x' is STRING, but"
                                + " signature 'serving_default' input 'x' (tensor x:0) is DT_FLOAT"
                                + " [-1,1]: declare it as x FLOAT\n");
        assertThat(out.toString(StandardCharsets.UTF_8)).doesNotContain("sql: job");
    }
}
