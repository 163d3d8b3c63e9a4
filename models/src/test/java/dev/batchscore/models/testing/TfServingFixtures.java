package dev.batchscore.models.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The TF Serving SavedModels in the shared fixtures directory ({@code -Dbatchscore.shared.dir},
 * which the build sets to {@code ../shared}), for every module's tests. A test that asks for an
 * absent fixture fails: the fixtures are the compatibility promise, and a skipped compatibility
 * test reads as a green one.
 */
public final class TfServingFixtures {
    private TfServingFixtures() {}

    /** {@code <shared>/fixtures/tf-serving-savedmodels/<name>}; fails the test when absent. */
    public static Path savedModel(String name) {
        String shared = System.getProperty("batchscore.shared.dir");
        boolean unset = shared == null || shared.isBlank();
        Path dir =
                Path.of(unset ? "../shared" : shared, "fixtures", "tf-serving-savedmodels", name);
        if (unset || !Files.isDirectory(dir)) {
            fail(
                    "TF Serving fixture "
                            + dir
                            + " is absent (batchscore.shared.dir is "
                            + (unset ? "not set" : "'" + shared + "'")
                            + "); check out the shared fixtures beside the repository or pass"
                            + " -Dbatchscore.shared.dir=DIR with DIR/fixtures/tf-serving-savedmodels");
        }
        return dir;
    }
}
