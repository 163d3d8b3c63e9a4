package dev.batchscore.it;

import dev.batchscore.pipeline.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What one {@code ./batchscore <argv>} did, run through {@link Main#run} as a user calls it: its
 * exit code, stdout and stderr.
 */
record CliRun(int exit, String stdout, String stderr) {

    /** Runs {@code ./batchscore argv...} on this JVM and waits for it. */
    static CliRun of(List<String> argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.run(
                        argv.toArray(new String[0]),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CliRun(
                exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
