package dev.batchscore.models;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TF Serving SavedModels in the shared fixtures directory ({@code -Dbatchscore.shared.dir},
 * which the build sets to {@code ../shared}). A test that asks for an absent fixture fails: the
 * fixtures are the compatibility promise, and a skipped compatibility test reads as a green one.
 */
final class Fixtures {
    private Fixtures() {}

    static Path model(String name) {
        String shared = System.getProperty("batchscore.shared.dir");
        Path dir =
                Path.of(
                        shared == null ? "../shared" : shared,
                        "fixtures",
                        "tf-serving-savedmodels",
                        name);
        if (shared == null || !Files.isDirectory(dir)) {
            fail(
                    "TF Serving fixture "
                            + dir
                            + " is absent (batchscore.shared.dir is "
                            + (shared == null ? "not set" : "'" + shared + "'")
                            + "); check out the shared fixtures beside the repository or pass"
                            + " -Dbatchscore.shared.dir=DIR with DIR/fixtures/tf-serving-savedmodels");
        }
        return dir;
    }
}
