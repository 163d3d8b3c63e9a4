package dev.batchscore.pipeline.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assertions;

/** The TF Serving SavedModels under {@code batchscore.shared.dir}, and captured tool output. */
final class Fixtures {
    private Fixtures() {}

    /**
     * {@code <shared>/fixtures/tf-serving-savedmodels/<name>}; fails the test when absent, since a
     * skipped compatibility test would read as a passing one.
     */
    static Path savedModel(String name) {
        String shared = System.getProperty("batchscore.shared.dir");
        Path dir =
                Path.of(
                        shared == null || shared.isBlank() ? "../shared" : shared,
                        "fixtures",
                        "tf-serving-savedmodels",
                        name);
        if (shared == null || shared.isBlank() || !Files.isDirectory(dir)) {
            Assertions.fail(
                    "TF Serving fixture "
                            + dir
                            + " is absent (batchscore.shared.dir is "
                            + (shared == null || shared.isBlank() ? "not set" : "'" + shared + "'")
                            + "); check out the shared fixtures beside the repository or pass"
                            + " -Dbatchscore.shared.dir=DIR with DIR/fixtures/tf-serving-savedmodels");
        }
        return dir;
    }

    static InputStream stdin(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A PrintStream whose text can be read back. */
    static final class Capture {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
