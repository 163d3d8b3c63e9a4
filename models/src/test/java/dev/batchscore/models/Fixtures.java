package dev.batchscore.models;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** The TF Serving SavedModels in the shared fixtures directory; tests skip when it is absent. */
final class Fixtures {
    private Fixtures() {}

    static Path model(String name) {
        String shared = System.getProperty("batchscore.shared.dir");
        assumeTrue(
                shared != null,
                "system property batchscore.shared.dir is not set; fixture tests skipped");
        Path dir = Path.of(shared, "fixtures", "tf-serving-savedmodels", name);
        assumeTrue(Files.isDirectory(dir), "fixture " + dir + " is absent; fixture tests skipped");
        return dir;
    }
}
