package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.ModelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What users see from {@code ./batchscore}: exit codes, one-line errors, stack traces on demand.
 */
class MainTest {
    @TempDir Path dir;

    private final Fixtures.Console cli = new Fixtures.Console();

    private int run(String... args) {
        return cli.run(args);
    }

    private static final List<String> COMMANDS =
            List.of(
                    "demo",
                    "run",
                    "stop",
                    "release",
                    "inspect",
                    "predict",
                    "bench-model",
                    "bench",
                    "tune",
                    "build-models");

    static List<String> commands() {
        return COMMANDS;
    }

    private String stdout() {
        return cli.out.text();
    }

    private String stderr() {
        return cli.err.text();
    }

    @Test
    void aModelErrorIsOneLineWithoutAStackTrace() {
        int exit = run("inspect", dir.resolve("missing").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(stderr().lines()).hasSize(1);
        assertThat(stderr())
                .startsWith("batchscore inspect: model directory ")
                .contains("does not exist");
    }

    @Test
    void verboseAddsTheStackTraceWhereverItStands() {
        int exit = run("inspect", dir.resolve("missing").toString(), "--verbose");

        assertThat(exit).isEqualTo(1);
        assertThat(stderr().lines().count()).isGreaterThan(3);
        assertThat(stderr()).contains("at dev.batchscore.");
    }

    @Test
    void helpListsEveryCommandAndUnknownCommandsExitTwo() {
        assertThat(run("--help")).isZero();
        assertThat(stdout()).contains(COMMANDS.toArray(new String[0]));

        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(stderr().lines())
                .containsExactly("batchscore: unknown command 'frobnicate'; see batchscore --help");
    }

    @Test
    void withoutACommandTheUsageIsPrintedAndTheExitIsTwo() {
        assertThat(run()).isEqualTo(2);
        assertThat(stdout()).startsWith("Usage: batchscore [--verbose] <command> [options]");
        assertThat(run("help")).isZero();
    }

    @ParameterizedTest
    @MethodSource("commands")
    void everyCommandHasPicocliHelp(String command) {
        assertThat(run(command, "--help")).as("stderr: %s", stderr()).isZero();
        assertThat(stdout())
                .startsWith("Usage: batchscore " + command)
                .contains("-h, --help", "--verbose");
        assertThat(stderr()).isEmpty();
    }

    @Test
    void helpCommandShowsACommandsHelp() {
        assertThat(run("help", "predict")).isZero();
        assertThat(stdout()).startsWith("Usage: batchscore predict");
    }

    @Test
    void runHelpListsEveryJobOption() {
        assertThat(run("run", "--help")).isZero();
        assertThat(stdout())
                .contains("Job options:", "--batch.size  (default: 256)", "--model.path")
                .contains("--config FILE", "--resume-from SAVEPOINT");
    }

    @Test
    void runPassesJobOptionsThroughToJobConfig() {
        // JobConfig names the unknown key and suggests the close one: the option reached it.
        assertThat(run("run", "--batch.sise", "5", "--model.path", "/m")).isEqualTo(2);
        assertThat(stderr().lines())
                .containsExactly(
                        "batchscore run: unknown option 'batch.sise' (from --batch.sise); did you"
                                + " mean 'batch.size'?");

        // --config reaches JobConfig too, in either spelling.
        cli.err.reset();
        Path absent = dir.resolve("absent.yaml");
        assertThat(run("run", "--batch.size=512", "--config=" + absent)).isEqualTo(2);
        assertThat(stderr().lines())
                .containsExactly(
                        "batchscore run: config file '"
                                + absent
                                + "' does not exist: pass --config <path to a YAML file>");

        // A bare word is JobConfig's error as well, not picocli's.
        cli.err.reset();
        assertThat(run("run", "job.yaml")).isEqualTo(2);
        assertThat(stderr())
                .isEqualTo(
                        "batchscore run: unexpected argument 'job.yaml': options are written"
                                + " --<key> <value>"
                                + System.lineSeparator());
    }

    @Test
    void releasePassesJobOptionsThroughToJobConfig() {
        assertThat(run("release", "--sink.iceberg.tabel", "a.b")).isEqualTo(2);
        assertThat(stderr()).startsWith("batchscore release: unknown option 'sink.iceberg.tabel'");
    }

    @Test
    void verboseIsNotAJobOption() {
        assertThat(run("run", "--verbose", "--batch.sise", "5")).isEqualTo(2);
        assertThat(stderr()).startsWith("batchscore run: unknown option 'batch.sise'");
        assertThat(stderr()).contains("at dev.batchscore.pipeline.config.JobConfig");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(run("predict", "--model")).isEqualTo(2);
        assertThat(stderr().lines()).hasSize(1);
    }

    @Test
    void theUserFacingMessageIsOursEvenWhenWrappedByFlink() {
        RuntimeException flinkStyle =
                new RuntimeException(
                        "Job execution failed.",
                        new IllegalStateException(
                                "task failed",
                                new ModelException("model input 'x' expects DT_FLOAT")));
        assertThat(Main.oneLine(flinkStyle)).isEqualTo("model input 'x' expects DT_FLOAT");

        Exception foreign =
                new RuntimeException(
                        "outer", new UncheckedIOException(new IOException("disk full")));
        assertThat(Main.oneLine(foreign)).isEqualTo("disk full (IOException)");
    }
}
