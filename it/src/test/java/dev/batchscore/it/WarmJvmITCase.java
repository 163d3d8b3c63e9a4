package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code BATCHSCORE_WARM=on ./batchscore run} as users start it: the repository's launcher per
 * invocation (its small client JVM, and its own JVM for a run that is not served), a real KRaft
 * broker, an Iceberg Hadoop catalog and half_plus_two. The first invocation starts the warm JVM,
 * the second runs in it, one started while it is busy runs in its own JVM; a client killed during
 * its run takes the warm JVM with it, as it would the run's own JVM, and the next invocation
 * resumes the run with every record once.
 */
class WarmJvmITCase {
    private static final int RECORDS = 300;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    @AfterAll
    static void stopWarmJvms() {
        warmJvms().forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void laterRunsRunInTheWarmJvmAndAKilledClientEndsIt() throws Exception {
        Path warehouse = scratch.resolve("warehouse");
        for (String topic : List.of("warm-a", "warm-b", "warm-c", "warm-d")) {
            KAFKA.createTopic(topic, 2);
            KAFKA.produce(topic, 2, ExactlyOnce.halfPlusTwoRecords(0, RECORDS));
        }

        Client first = Client.start(args("warm-a", warehouse, "db.warm_a")).finish();
        assertThat(first.stdout()).contains("read " + RECORDS + " records");
        assertThat(first.stderr()).contains("in the warm JVM");
        List<ProcessHandle> warm = warmJvms();
        assertThat(warm).as("the warm JVM the first run started").hasSize(1);
        long pid = warm.get(0).pid();
        assertThat(first.stderr()).contains("in the warm JVM " + pid);

        Client second = Client.start(args("warm-b", warehouse, "db.warm_b")).finish();
        assertThat(second.stderr()).contains("in the warm JVM " + pid);
        assertThat(second.stdout()).contains("read " + RECORDS + " records");
        assertThat(warmJvms()).extracting(ProcessHandle::pid).containsExactly(pid);
        ExactlyOnce.assertHalfPlusTwoOnce(
                ExactlyOnce.rows(TestJobs.table(warehouse, "db.warm_b")), RECORDS);

        // A slow run in the warm JVM: a run started meanwhile runs in its own JVM. Killed once its
        // first rows are committed, the slow run's client takes the warm JVM down with it.
        List<String> slow = args("warm-c", warehouse, "db.warm_c");
        slow.addAll(ThrottlingInterceptor.jobArgs(100));
        // The killed run keeps its claim: the next run takes it over once it saw it stand still
        // for this long, as after any killed run.
        slow.addAll(List.of("--pipeline.claim-timeout", "2 s"));
        // A killed run is finished by the next resume run (a new earliest run scores it all again).
        slow.addAll(List.of("--source.kafka.starting-offsets", "resume"));
        Client killed = Client.start(slow);
        killed.awaitStderr("in the warm JVM " + pid);
        Client meanwhile = Client.start(args("warm-d", warehouse, "db.warm_d"));
        Table c = awaitFirstRows(warehouse, "db.warm_c", killed);
        // SIGKILL to the launcher: its client JVM sees it gone and ends, and so does the warm JVM.
        killed.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertThat(warm.get(0).onExit().get(60, TimeUnit.SECONDS).isAlive())
                .as("the warm JVM after its client was killed")
                .isFalse();
        c.refresh();
        assertThat(ExactlyOnce.rows(c)).as("rows of the killed run").hasSizeLessThan(RECORDS);

        meanwhile.finish();
        assertThat(meanwhile.stderr())
                .contains("the warm JVM is busy with another run; running here")
                .doesNotContain("in the warm JVM");
        ExactlyOnce.assertHalfPlusTwoOnce(
                ExactlyOnce.rows(TestJobs.table(warehouse, "db.warm_d")), RECORDS);

        Client resumed = Client.start(slow).finish();
        assertThat(resumed.stderr()).contains("in the warm JVM").doesNotContain(" " + pid + " ");
        c.refresh();
        ExactlyOnce.assertHalfPlusTwoOnce(ExactlyOnce.rows(c), RECORDS);
    }

    private static Table awaitFirstRows(Path warehouse, String name, Client client)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            assertThat(client.process.isAlive()).as("the run still going").isTrue();
            try {
                Table table = TestJobs.table(warehouse, name);
                if (!ExactlyOnce.rows(table).isEmpty()) {
                    return table;
                }
            } catch (NoSuchTableException e) {
                // not created yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no rows committed in " + name);
    }

    private static List<String> args(String topic, Path warehouse, String table) {
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse, table, "streaming"));
        args.addAll(TestJobs.checkpointsAndBatches("1 s", 1, 16));
        return args;
    }

    /** The live warm JVMs of this test's cache directory (their pid files). */
    private static List<ProcessHandle> warmJvms() {
        Path dir = scratch.resolve("cache/batchscore");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".pid"))
                    .map(WarmJvmITCase::readPid)
                    .flatMap(pid -> ProcessHandle.of(pid).stream())
                    .filter(ProcessHandle::isAlive)
                    .toList();
        } catch (Exception e) {
            return List.of();
        }
    }

    private static long readPid(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (Exception e) {
            return -1;
        }
    }

    /** One {@code ./batchscore} invocation, a process of its own. */
    private record Client(Process process, Path outFile, Path errFile, String name) {
        private static int count;

        static Client start(List<String> args) throws Exception {
            String name = "client-" + (++count);
            List<String> command = new ArrayList<>();
            command.add(BuiltArtifacts.launcher().toString());
            command.addAll(args);
            Path out = scratch.resolve(name + ".out");
            Path err = scratch.resolve(name + ".err");
            ProcessBuilder builder =
                    new ProcessBuilder(command)
                            .redirectOutput(out.toFile())
                            .redirectError(err.toFile())
                            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Map<String, String> env = builder.environment();
            env.put("BATCHSCORE_WARM", "on");
            env.put("XDG_CACHE_HOME", scratch.resolve("cache").toString());
            env.put("TF_CPP_MIN_LOG_LEVEL", "2");
            // mvn verify built the jars; no class-data archive (a minute of dumping, once)
            env.put("BATCHSCORE_SKIP_BUILD", "1");
            env.put("BATCHSCORE_CDS", "off");
            env.put("BATCHSCORE_JAVA_OPTS", "-Xmx1g -XX:TieredStopAtLevel=1");
            // the throttling interceptor's class, for the slow run
            env.put(
                    "BATCHSCORE_CLASSPATH",
                    Path.of(
                                    ThrottlingInterceptor.class
                                            .getProtectionDomain()
                                            .getCodeSource()
                                            .getLocation()
                                            .toURI())
                            .toString());
            return new Client(builder.start(), out, err, name);
        }

        /** Waits for the invocation; it must exit 0 and report its rows written. */
        Client finish() throws Exception {
            assertThat(process.waitFor(180, TimeUnit.SECONDS)).as(name + " ended").isTrue();
            assertThat(process.exitValue()).as(name + " exit; stderr:\n" + stderr()).isZero();
            assertThat(stdout()).contains("wrote ");
            return this;
        }

        void awaitStderr(String text) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!stderr().contains(text)) {
                assertThat(process.isAlive()).as(name + " alive, waiting for: " + text).isTrue();
                assertThat(System.nanoTime())
                        .as(name + " waiting for: " + text)
                        .isLessThan(deadline);
                Thread.sleep(50);
            }
        }

        String stdout() throws Exception {
            return Files.readString(outFile, StandardCharsets.UTF_8);
        }

        String stderr() throws Exception {
            return Files.readString(errFile, StandardCharsets.UTF_8);
        }
    }
}
