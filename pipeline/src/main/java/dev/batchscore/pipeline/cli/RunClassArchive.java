package dev.batchscore.pipeline.cli;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.stream.Stream;
import javax.management.ObjectName;

/**
 * The launcher's second class-data archive (issue 21): the classes a finished run loaded that the
 * build's archive cannot list, above all Pekko's, which Flink loads from the RPC jar in the user's
 * cache directory through a class loader of its own (docs/performance.md, section 15).
 *
 * <p>The launcher asks for it ({@link #PROPERTY}, with {@code -XX:+RecordDynamicDumpInfo}) on a
 * {@code run} or {@code demo} when there is none newer than the build's archive; the command then
 * writes it once its job has finished, and the launcher maps it from the next start on. A warm JVM
 * is never asked: it keeps its classes anyway.
 */
final class RunClassArchive {
    /** The archive's path; set by the launcher only on a JVM that records what it loads. */
    static final String PROPERTY = "batchscore.cds.run-archive";

    private RunClassArchive() {}

    /**
     * Writes the archive if the launcher asked for it; a failure costs later runs only speed (they
     * start from the build's archive alone).
     */
    static void writeIfAsked(PrintStream err) {
        String target = System.getProperty(PROPERTY);
        if (target == null) {
            return;
        }
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            // The JDK ends the JVM (exit 1) when it meets one while dumping.
            if (isNonEmptyDirectory(Path.of(entry))) {
                err.println(
                        "batchscore: no class-data archive of this run: its class path holds the"
                                + " directory "
                                + entry
                                + ", which the JDK does not archive from");
                return;
            }
        }
        Path path = Path.of(target);
        Path tmp =
                path.resolveSibling(
                        path.getFileName() + "." + ProcessHandle.current().pid() + ".tmp");
        err.println(
                "batchscore: writing a class-data archive of this run for faster starts (once per build)...");
        PrintStream stdout = System.out;
        try {
            // jcmd's VM.cds, in this JVM (JDK 17's dynamic archive, on top of the build's). The
            // JDK says where it dumped on System.out, which is the command's output, not its own.
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            Object answer;
            try {
                answer =
                        ManagementFactory.getPlatformMBeanServer()
                                .invoke(
                                        new ObjectName("com.sun.management:type=DiagnosticCommand"),
                                        "vmCds",
                                        new Object[] {
                                            new String[] {"dynamic_dump", tmp.toString()}
                                        },
                                        new String[] {String[].class.getName()});
            } finally {
                System.setOut(stdout);
            }
            if (!Files.isRegularFile(tmp) || Files.size(tmp) == 0) {
                throw new IllegalStateException(String.valueOf(answer).strip());
            }
            // Runs that end together each write their own file; the last one to finish stays.
            Files.move(
                    tmp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (Exception | LinkageError e) {
            err.println(
                    "batchscore: could not write the class-data archive ("
                            + e.getMessage()
                            + "); the next run or demo tries again");
            try {
                Files.deleteIfExists(tmp);
            } catch (Exception ignored) {
                // The launcher only reads the archive's own path.
            }
        }
    }

    private static boolean isNonEmptyDirectory(Path path) {
        if (!Files.isDirectory(path)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(path)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return true;
        }
    }
}
