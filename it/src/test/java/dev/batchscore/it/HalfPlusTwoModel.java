package dev.batchscore.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The half_plus_two model of an IT class ({@link TestJobs#halfPlusTwo}), built once before its
 * tests in a directory of its own and deleted after them:
 *
 * <pre>{@code
 * @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();
 * ... TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse, table, mode) ...
 * }</pre>
 */
final class HalfPlusTwoModel implements BeforeAllCallback, AfterAllCallback {
    private Path dir;
    private Path model;

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dir = Files.createTempDirectory("batchscore-it-model-");
        model = TestJobs.halfPlusTwo(dir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** The model's base directory (TF Serving layout, version 00000123). */
    Path path() {
        return model;
    }
}
