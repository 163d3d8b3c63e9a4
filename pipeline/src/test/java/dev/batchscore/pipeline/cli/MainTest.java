package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.ModelException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What users see from {@code ./batchscore}: exit codes, one-line errors, stack traces on demand.
 */
class MainTest {
    @TempDir Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
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
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("demo", "run", "inspect", "predict", "bench-model", "build-models");

        assertThat(run("frobnicate")).isEqualTo(2);
        assertThat(stderr()).contains("unknown command 'frobnicate'");
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
