package dev.batchscore.models.tools;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The TF Serving SavedModels under {@code batchscore.shared.dir}, and captured tool output. */
final class Fixtures {
    private Fixtures() {}

    /** {@code <shared>/fixtures/tf-serving-savedmodels/<name>}; skips the test when absent. */
    static Path savedModel(String name) {
        String shared = System.getProperty("batchscore.shared.dir");
        Assumptions.assumeTrue(
                shared != null && !shared.isBlank(),
                "system property batchscore.shared.dir is not set (Surefire sets it to"
                        + " <repo>/../shared)");
        Path dir = Path.of(shared, "fixtures", "tf-serving-savedmodels", name);
        Assumptions.assumeTrue(
                Files.isDirectory(dir),
                "fixture " + dir + " is absent; batchscore.shared.dir=" + shared);
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
