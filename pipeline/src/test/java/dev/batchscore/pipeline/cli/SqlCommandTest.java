package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code batchscore sql}: help, and every failure as one line with a non-zero exit. */
class SqlCommandTest {
    @TempDir Path dir;

    private final Fixtures.Console cli = new Fixtures.Console();

    private int run(String... args) {
        return cli.run(args);
    }

    @Test
    void help() {
        assertThat(run("sql", "--help")).isZero();
        assertThat(cli.out.text())
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
        assertThat(cli.err.text())
                .isEqualTo(
                        "batchscore sql: script " + dir.resolve("nope.sql") + " does not exist\n");
    }

    /** A model that does not fit its signature: one line, before any job runs. */
    @Test
    void aMismatchedModelIsOneLine() throws Exception {
        Path model = halfPlusTwo();
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
        assertThat(cli.err.text())
                .isEqualTo(
                        "batchscore sql: model 'hpt': INPUT column 'x' is STRING, but"
                                + " signature 'serving_default' input 'x' (tensor x:0) is DT_FLOAT"
                                + " [-1,1]: declare it as x FLOAT\n");
        assertThat(cli.out.text()).doesNotContain("sql: job");
    }

    /**
     * {@code ./batchscore stop} on a running script's job: the savepoint's path and exit code 3
     * with the resume command; {@code --resume-from} then scores the rest, and its summary says so.
     */
    @Test
    void stopAndResume() throws Exception {
        Path script = dir.resolve("slow.sql");
        Files.writeString(
                script,
                "SET 'parallelism.default' = '1';\n"
                        + "CREATE TABLE src (id BIGINT, x FLOAT) WITH ('connector' = 'datagen',"
                        + " 'rows-per-second' = '10', 'fields.id.kind' = 'sequence',"
                        + " 'fields.id.start' = '1', 'fields.id.end' = '300');\n"
                        + "CREATE MODEL hpt INPUT (x FLOAT) OUTPUT (y FLOAT)\n"
                        + "  WITH ('provider' = 'tensorflow', 'path' = '"
                        + halfPlusTwo()
                        + "', 'batch.size' = '4', 'batch.max-delay' = '100 ms');\n"
                        + "CREATE TEMPORARY TABLE sink (id BIGINT, y FLOAT) WITH ('connector' ="
                        + " 'blackhole');\n"
                        + "INSERT INTO sink SELECT id, y FROM ML_PREDICT(TABLE src, MODEL hpt,"
                        + " DESCRIPTOR(x));\n");
        CompletableFuture<Integer> first =
                CompletableFuture.supplyAsync(() -> run("sql", "-f", script.toString()));
        Matcher running = Pattern.compile("sql: job (\\w{32}) running: [1-9]").matcher("");
        while (!running.reset(cli.out.text()).find()) {
            assertThat(first)
                    .as("the job runs ~30 s; it ended early:%n%s", cli.out.text())
                    .isNotDone();
            Thread.sleep(200);
        }
        String job = running.group(1);
        Fixtures.Console stop = new Fixtures.Console();
        assertThat(stop.run("stop", job, "--savepoint-dir", dir.resolve("savepoints").toString()))
                .as("stop: %s", stop.err.text())
                .isZero();
        assertThat(first.get(2, TimeUnit.MINUTES)).isEqualTo(RunCommand.STOPPED_EXIT_CODE);
        Matcher resume =
                Pattern.compile("resume it: ./batchscore sql -f \\S+ --resume-from (\\S+)")
                        .matcher(cli.out.text());
        assertThat(resume.find()).as("%s", cli.out.text()).isTrue();
        assertThat(stop.out.text()).contains(resume.group(1));

        cli.out.reset();
        assertThat(run("sql", "-f", script.toString(), "--resume-from", resume.group(1)))
                .as("%s", cli.err.text())
                .isZero();
        assertThat(cli.out.text())
                .containsPattern(
                        "sql: \\d+ rows scored in \\d+ model calls by this run, resumed"
                                + " from ");
    }

    private static Path halfPlusTwo() {
        return Path.of(
                        System.getProperty("batchscore.shared.dir", "../shared"),
                        "fixtures/tf-serving-savedmodels/saved_model_half_plus_two_cpu")
                .toAbsolutePath()
                .normalize();
    }
}
