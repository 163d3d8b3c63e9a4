package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run's class-data archive, written by JVMs of their own as the launcher starts them. */
class RunClassArchiveTest {

    @TempDir Path dir;

    /** What a command does at its end: writes the archive if asked, then prints its own line. */
    public static final class Command {
        public static void main(String[] args) {
            RunClassArchive.writeIfAsked(System.err);
            System.out.println("command output");
        }
    }

    @Test
    void aRecordingJvmWritesAnArchiveTheNextJvmMaps() throws Exception {
        String jar = commandJar().toString();
        Path archive = dir.resolve("run.jsa");
        Result recording =
                java(
                        jar,
                        "-XX:+RecordDynamicDumpInfo",
                        "-Xlog:cds*=off",
                        "-D" + RunClassArchive.PROPERTY + "=" + archive);
        assertThat(recording.exit).as(recording.err).isZero();
        // The JDK's own line about the dump stays out of the command's output.
        assertThat(recording.out).isEqualTo("command output\n");
        assertThat(recording.err).contains("writing a class-data archive");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactlyInAnyOrder(archive, Path.of(jar));
        }
        // -Xshare:on refuses to start when the archive cannot be mapped.
        Result next = java(jar, "-Xshare:on", "-XX:SharedArchiveFile=" + archive);
        assertThat(next.exit).as(next.err).isZero();
        assertThat(next.out).isEqualTo("command output\n");
    }

    @Test
    void aJvmThatDoesNotRecordSaysSoAndLeavesNoArchive() throws Exception {
        String jar = commandJar().toString();
        Result result =
                java(
                        jar,
                        "-Xlog:cds*=off",
                        "-D" + RunClassArchive.PROPERTY + "=" + dir.resolve("run.jsa"));
        assertThat(result.exit).isZero();
        assertThat(result.out).isEqualTo("command output\n");
        assertThat(result.err).contains("could not write the class-data archive");
        assertThat(dir.resolve("run.jsa")).doesNotExist();
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).containsExactly(Path.of(jar));
        }
    }

    @Test
    void aClassPathWithADirectoryGetsNoArchiveAndTheCommandStillSucceeds() throws Exception {
        // Surefire's class path holds target/classes: a dump would end the JVM with exit 1.
        Result result =
                java(
                        System.getProperty("java.class.path"),
                        "-XX:+RecordDynamicDumpInfo",
                        "-Xlog:cds*=off",
                        "-D" + RunClassArchive.PROPERTY + "=" + dir.resolve("run.jsa"));
        assertThat(result.exit).as(result.err).isZero();
        assertThat(result.out).isEqualTo("command output\n");
        assertThat(result.err).contains("no class-data archive of this run: its class path holds");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void aJvmNotAskedWritesNothing() throws Exception {
        Result result = java(commandJar().toString());
        assertThat(result.exit).isZero();
        assertThat(result.err).doesNotContain("class-data archive");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).hasSize(1);
        }
    }

    private record Result(int exit, String out, String err) {}

    /** A jar of the command and RunClassArchive: the JDK archives classes from jars only. */
    private Path commandJar() throws IOException {
        Path jar = dir.resolve("command.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (Class<?> type : List.of(Command.class, RunClassArchive.class)) {
                String name = type.getName().replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(name));
                try (InputStream in = type.getClassLoader().getResourceAsStream(name)) {
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    private Result java(String classPath, String... options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", classPath, Command.class.getName()));
        Path out = dir.resolveSibling(dir.getFileName() + ".out");
        Path err = dir.resolveSibling(dir.getFileName() + ".err");
        Process process =
                new ProcessBuilder(command)
                        .redirectOutput(out.toFile())
                        .redirectError(err.toFile())
                        .start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return new Result(
                process.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
