package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The arguments of the model tools (inspect, predict, bench-model, build-models) and the demo:
 * option spellings and aliases, and the one-line usage errors (exit 2) they give. None of these
 * loads a model.
 */
class ToolCommandsTest {
    @TempDir Path tmp;

    private final Fixtures.Console cli = new Fixtures.Console();

    /** Runs {@code batchscore args}, which must be a usage error; returns its one stderr line. */
    private String usageError(String... args) {
        cli.out.reset();
        cli.err.reset();
        int exit = cli.run(args);
        String stderr = cli.err.text();
        assertThat(exit).as("exit code; stderr: %s", stderr).isEqualTo(2);
        assertThat(stderr.lines()).as("stderr").hasSize(1);
        assertThat(stderr).startsWith("batchscore " + args[0] + ": ");
        return stderr.strip().substring(("batchscore " + args[0] + ": ").length());
    }

    @Test
    void predictNamesWhatIsMissingOrWrong() {
        assertThat(usageError("predict", "--input", "-"))
                .isEqualTo("predict needs --model, e.g. --model models/tabular");
        assertThat(usageError("predict", "--model", "m")).startsWith("predict needs --input");
        assertThat(usageError("predict", "--model", "m", "--input", "-", "--batch-size", "0"))
                .isEqualTo("--batch-size must be a positive integer, got '0'");
        assertThat(usageError("predict", "--model", "m", "--input", "-", "--batch-size=x"))
                .isEqualTo("--batch-size expects an integer, got 'x'");
        assertThat(usageError("predict", "--model", "m", "--inptu", "-"))
                .startsWith("unknown option '--inptu' for predict; known: ")
                .contains("--model.path", "--batch.size", "--model.signature");
        assertThat(usageError("predict", "--model", "m", "--input"))
                .isEqualTo("--input FILE|- needs a value; see predict --help");
        assertThat(usageError("predict", "--model", "m", "--input", "-", "extra"))
                .startsWith("unexpected argument 'extra'");
        assertThat(usageError("predict", "--model", "m", "--input", "-", "--tags", ","))
                .isEqualTo("--tags needs at least one tag, e.g. --tags serve");
    }

    @Test
    void predictTakesTheJobKeysAndTheOldSpellings() {
        Path absent = tmp.resolve("absent.jsonl");
        String expected =
                "--input " + absent + " does not exist; give a JSON Lines file or - for stdin";
        // The input is opened before the model is loaded, so this checks that every option
        // parsed, in both spellings, without a model.
        assertThat(
                        usageError(
                                "predict",
                                "--model.path",
                                tmp.toString(),
                                "--model.signature",
                                "s",
                                "--model.tags",
                                "serve",
                                "--batch.size",
                                "8",
                                "--input",
                                absent.toString()))
                .isEqualTo(expected);
        assertThat(
                        usageError(
                                "predict",
                                "--model",
                                tmp.toString(),
                                "--signature=s",
                                "--tags",
                                "serve",
                                "--batch-size",
                                "8",
                                "--input",
                                absent.toString()))
                .isEqualTo(expected);
        // The new spelling is checked the same way, and named as typed.
        assertThat(usageError("predict", "--model.path", "m", "--input", "-", "--batch.size", "0"))
                .isEqualTo("--batch.size must be a positive integer, got '0'");
    }

    @Test
    void inspectNamesWhatIsMissingOrWrong() {
        assertThat(usageError("inspect")).startsWith("inspect needs a model directory");
        assertThat(usageError("inspect", "a", "b")).startsWith("unexpected argument 'b'");
        assertThat(usageError("inspect", "a", "--tags", ","))
                .isEqualTo("--tags needs at least one tag, e.g. --tags serve");
        assertThat(usageError("inspect", "a", "--model.tags", ""))
                .isEqualTo("--model.tags needs at least one tag, e.g. --model.tags serve");
        assertThat(usageError("inspect", "a", "--verbose=yes"))
                .isEqualTo("--verbose takes no value, got 'yes'");
    }

    @Test
    void benchModelChecksItsNumbers() {
        assertThat(usageError("bench-model", "--batch-sizes", "1,x"))
                .isEqualTo("--batch-sizes expects comma-separated integers, got 'x'");
        assertThat(usageError("bench-model", "--batch-sizes", "0"))
                .startsWith("--batch-sizes: each size must be between 1 and");
        assertThat(usageError("bench-model", "--seconds", "-1"))
                .isEqualTo("--seconds must be a positive number, got '-1'");
        assertThat(usageError("bench-model", "--seed", "1.5"))
                .isEqualTo("--seed expects an integer, got '1.5'");
        assertThat(cli.out.text()).isEmpty();
    }

    @Test
    void buildModelsChecksItsArguments() {
        assertThat(usageError("build-models", "images", "x"))
                .isEqualTo("unknown model 'images'; expected tabular, text or all");
        assertThat(usageError("build-models", "text", "x", "--seed", "abc"))
                .isEqualTo("--seed expects an integer, got 'abc'");
        assertThat(usageError("build-models", "text")).contains("expected a model");
        assertThat(usageError("build-models")).contains("expected a model");
    }

    @Test
    void demoChecksItsNumbers() {
        assertThat(usageError("demo", "--records", "x"))
                .isEqualTo("option --records is 'x': expected a positive number");
        assertThat(usageError("demo", "--parallelism", "0"))
                .isEqualTo("option --parallelism is '0': expected a positive number");
        assertThat(usageError("demo", "--bogus", "1"))
                .startsWith("unknown option '--bogus' for demo; known: ");
    }
}
