package dev.batchscore.pipeline.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Captured command output and stdin for the command tests. */
final class Fixtures {
    private Fixtures() {}

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

        void reset() {
            bytes.reset();
        }
    }

    /** {@code ./batchscore} run in this JVM with an empty stdin, keeping what it prints. */
    static final class Console {
        final Capture out = new Capture();
        final Capture err = new Capture();

        /** Runs {@code batchscore args}; returns the exit code. */
        int run(String... args) {
            return Main.run(args, stdin(""), out.stream, err.stream);
        }
    }
}
