package dev.batchscore.examples.bench;

import dev.batchscore.pipeline.cli.Main;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * {@code batchscore ...} (the CLI's {@link Main}) under async-profiler from the first line of
 * {@code main} to the end of the command: the whole run's CPU samples, start-up and planning
 * included (only the JVM's own boot before {@code main} is missing). Arguments: the profile
 * directory, the name of the flame graph, then the CLI's arguments. Exits with the CLI's code.
 */
public final class ProfiledRun {
    private ProfiledRun() {}

    public static void main(String[] args) throws Exception {
        Profiler profiler = new Profiler(Path.of(args[0]));
        profiler.start("event=cpu,interval=2ms,threads");
        int exit;
        try {
            exit = Main.run(Arrays.copyOfRange(args, 2, args.length), System.out, System.err);
        } finally {
            profiler.stop(args[1]);
        }
        System.out.flush();
        System.exit(exit);
    }
}
