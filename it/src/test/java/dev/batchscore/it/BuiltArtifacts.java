package dev.batchscore.it;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the other modules' {@code mvn package} built, which the cluster ITs run: the job jar, the
 * deploy module's {@code flink-lib/} and session config, and its Kubernetes manifests. {@code mvn
 * verify} builds them before this module's tests; {@code basedir} and {@code build.suffix} are set
 * by Failsafe and Surefire (the parent pom).
 */
final class BuiltArtifacts {
    private BuiltArtifacts() {}

    /**
     * The jars of {@code deploy/target<build.suffix>/flink-lib/}, which a session cluster copies
     * into Flink's {@code lib/} (deploy/pom.xml).
     */
    static List<String> flinkLibJars() throws Exception {
        String suffix = System.getProperty("build.suffix", "");
        Path dir = deploy().resolve("target" + suffix).resolve("flink-lib");
        List<String> jars = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                files.filter(f -> f.getFileName().toString().endsWith(".jar"))
                        .sorted()
                        .forEach(f -> jars.add(f.toString()));
            }
        }
        if (jars.isEmpty()) {
            fail(
                    "no jars in %s: build them with `mvn -pl deploy -am package -DskipTests%s`"
                            + " (mvn verify builds them before the it module's tests)",
                    dir, suffix.isEmpty() ? "" : " -Dbuild.suffix=" + suffix);
        }
        for (String jar : jars) {
            System.out.printf(
                    "flink-lib: %s (%d bytes)%n",
                    Path.of(jar).getFileName(), Files.size(Path.of(jar)));
        }
        return jars;
    }

    /** The lines of {@code deploy/flink-conf-session.yaml}, which a session cluster appends. */
    static List<String> flinkConfSession() throws Exception {
        return Files.readAllLines(deploy().resolve("flink-conf-session.yaml"));
    }

    /** The deploy module's directory, next to this module's {@code basedir}. */
    static Path deploy() {
        Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        return basedir.resolveSibling("deploy");
    }

    /**
     * The repository's {@code ./batchscore} launcher with the build it runs ({@code target/}, which
     * {@code mvn verify} packages before this module's tests); a test that needs it is skipped in a
     * {@code build.suffix} build, which the launcher does not see.
     */
    static Path launcher() {
        Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        String suffix = System.getProperty("build.suffix", "");
        assumeTrue(suffix.isEmpty(), "the launcher runs target/, not target" + suffix);
        Path examplesJar =
                basedir.resolveSibling("examples").resolve("target/batchscore-examples.jar");
        if (!Files.isRegularFile(examplesJar)) {
            fail(
                    "%s does not exist: build it with `mvn -pl examples -am package -DskipTests`"
                            + " (mvn verify packages it before the it module's tests)",
                    examplesJar);
        }
        return basedir.resolveSibling("batchscore");
    }

    /** {@code pipeline/target<build.suffix>/batchscore.jar} next to this module. */
    static Path jobJar() {
        Path basedir = Path.of(System.getProperty("basedir", System.getProperty("user.dir")));
        String suffix = System.getProperty("build.suffix", "");
        Path jar =
                basedir.resolveSibling("pipeline")
                        .resolve("target" + suffix)
                        .resolve("batchscore.jar");
        if (!Files.isRegularFile(jar)) {
            fail(
                    "the job jar %s does not exist: build it with `mvn -pl models,operators,pipeline install"
                            + " -DskipTests%s` (mvn verify packages it before the it module's tests)",
                    jar, suffix.isEmpty() ? "" : " -Dbuild.suffix=" + suffix);
        }
        return jar;
    }
}
