package dev.batchscore.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code deploy/Dockerfile} against what {@code mvn package} built (there is no Docker engine in
 * the build): every {@code COPY} source exists and holds what the image needs, the image is the
 * official Flink 2.1 Java 17 one and runs as a non-root user.
 */
class DockerfileTest {
    static Path dockerfile() {
        return Manifests.repoRoot().resolve("deploy/Dockerfile");
    }

    /** The Dockerfile's instructions, continuation lines joined, comments dropped. */
    static List<String> instructions() throws IOException {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : Files.readAllLines(dockerfile())) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || trimmed.isEmpty()) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
            } else {
                out.add(current.append(trimmed).toString());
                current.setLength(0);
            }
        }
        return out;
    }

    /**
     * A {@code COPY} as the Dockerfile writes it: the source relative to the repository root (the
     * build context), a directory source ending with /; the destination a file, or a directory
     * ending with /.
     */
    record Copy(String source, String destination) {}

    static List<Copy> copies() throws IOException {
        List<Copy> copies = new ArrayList<>();
        for (String instruction : instructions()) {
            String[] words = instruction.split("\\s+");
            if (words[0].equalsIgnoreCase("COPY")) {
                assertThat(words).as("COPY <source> <destination>: %s", instruction).hasSize(3);
                String source = words[1];
                String destination = words[2];
                if (!source.endsWith("/") && destination.endsWith("/")) {
                    destination += Path.of(source).getFileName();
                }
                copies.add(new Copy(source, destination));
            }
        }
        return copies;
    }

    /** Where the build wrote a COPY source: {@code target/} is {@code target<build.suffix>/}. */
    static Path built(String source) {
        String suffix = System.getProperty("build.suffix", "");
        return Manifests.repoRoot()
                .resolve(source.replaceFirst("(^|/)target/", "$1target" + suffix + "/"));
    }

    @Test
    void everyCopySourceIsBuiltByMvnPackage() throws IOException {
        List<Copy> copies = copies();
        assertThat(copies).isNotEmpty();
        for (Copy copy : copies) {
            Path source = built(copy.source());
            assertThat(copy.source()).as("COPY source").contains("target/");
            if (copy.source().endsWith("/")) {
                assertThat(jars(source)).as("jars in COPY source %s", source).isNotEmpty();
            } else {
                assertThat(source).as("COPY source").isRegularFile();
            }
        }
    }

    @Test
    void theImageHasTheJobJarTensorFlowAndS3() throws IOException {
        List<Copy> copies = copies();
        assertThat(copies)
                .contains(
                        new Copy(
                                "pipeline/target/batchscore.jar",
                                "/opt/flink/usrlib/batchscore.jar"));
        List<String> lib = new ArrayList<>();
        List<String> plugin = new ArrayList<>();
        for (Copy copy : copies) {
            List<String> names = jars(built(copy.source()));
            if (copy.destination().equals("/opt/flink/lib/")) {
                lib.addAll(names);
            } else if (copy.destination().equals("/opt/flink/plugins/s3-fs-hadoop/")) {
                plugin.addAll(names);
            }
        }
        List<String> flinkLib = jars(Manifests.target("deploy").resolve("flink-lib"));
        assertThat(lib).as("/opt/flink/lib/").containsAll(flinkLib);
        assertThat(lib).anyMatch(j -> j.startsWith("tensorflow-core-native-"));
        // Iceberg's S3FileIO and its AWS SDK ship inside the job jar (one copy, child-first).
        try (java.util.zip.ZipFile jobJar =
                new java.util.zip.ZipFile(
                        Manifests.target("pipeline").resolve("batchscore.jar").toFile())) {
            assertThat(jobJar.getEntry("software/amazon/awssdk/services/s3/S3Client.class"))
                    .as("the AWS SDK of Iceberg's S3FileIO in the job jar")
                    .isNotNull();
        }
        assertThat(lib).noneMatch(j -> j.startsWith("iceberg-aws-bundle-"));
        assertThat(plugin).singleElement().asString().startsWith("flink-s3-fs-hadoop-2.1.");
    }

    @Test
    void officialFlinkJava17ImageNonRootUserAndTensorFlowEnvironment() throws IOException {
        List<String> instructions = instructions();
        String from =
                instructions.stream()
                        .filter(i -> i.startsWith("ARG FLINK_IMAGE="))
                        .findFirst()
                        .orElseThrow();
        assertThat(from).matches("ARG FLINK_IMAGE=flink:2\\.1[.0-9]*-java17");
        assertThat(instructions).contains("FROM ${FLINK_IMAGE}");
        String user =
                instructions.stream()
                        .filter(i -> i.startsWith("USER "))
                        .reduce((a, b) -> b)
                        .orElseThrow();
        assertThat(user).as("the last USER").isNotIn("USER root", "USER 0");
        assertThat(instructions.indexOf(user))
                .as("USER comes after the last instruction that needs root")
                .isEqualTo(instructions.size() - 1);
        String env =
                String.join("\n", instructions.stream().filter(i -> i.startsWith("ENV ")).toList());
        assertThat(env)
                .contains("TF_CPP_MIN_LOG_LEVEL=")
                .contains("-Dorg.bytedeco.javacpp.cachedir=/opt/flink/javacpp-cache");
        // The cache JavaCPP unpacks the natives to is the user's to write.
        assertThat(instructions)
                .anyMatch(
                        i ->
                                i.startsWith("RUN ")
                                        && i.contains(
                                                "chown flink:flink /opt/flink/javacpp-cache"));
    }

    private static List<String> jars(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".jar"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
