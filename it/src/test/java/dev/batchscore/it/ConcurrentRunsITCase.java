package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.runs.ClaimKeeper;
import dev.batchscore.pipeline.runs.Run;
import dev.batchscore.pipeline.runs.RunClaim;
import dev.batchscore.pipeline.runs.RunClaimedException;
import dev.batchscore.pipeline.runs.RunLedger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run per pipeline id at a time, through {@code ./batchscore run} ({@link Main#run}, each run
 * on its own MiniCluster as users get it) against a real broker, an Iceberg Hadoop catalog and a
 * half_plus_two model ({@link TestJobs#halfPlusTwo}, y = 0.5x + 2): a second run of a running
 * pipeline exits 4 before it reads, naming the running run, and leaves the running run's claim; a
 * crashed run's claim is taken over after its heartbeats stood still for a lease; a run whose claim
 * was taken over is fenced out: none of its commits lands after the takeover.
 */
class ConcurrentRunsITCase {
    private static final String PIPELINE = "claims";

    /**
     * The runs' {@code pipeline.claim-timeout}: a live run renews every third of it, so a second
     * run sees it beat within seconds; a dead one is taken over after it.
     */
    private static final Duration LEASE = Duration.ofSeconds(6);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    @Test
    void aSecondRunWhileTheFirstRunsIsRefusedAndRunsAfterIt() throws Exception {
        Scenario s = new Scenario("concurrent", 2);
        s.produce(1000);
        // Run A: 5 records per poll and 200 ms per poll, about 20 s for 1000 records on 2 readers.
        Running a = s.startThrottled(200);
        CompletableFuture<Integer> runA = a.exit();
        Output outA = a.out();
        RunClaim claimA = a.claim();
        while (ThrottlingInterceptor.CONSUMED.get() == 0 && !runA.isDone()) {
            Thread.sleep(20);
        }
        assertThat(runA).as("run A still runs when B starts: %s", outA).isNotDone();

        Output outB = new Output();
        long startB = System.nanoTime();
        int exitB = s.run(outB);
        double secondsB = (System.nanoTime() - startB) / 1e9;
        assertThat(runA).as("run A still ran when B was refused: %s", outA).isNotDone();
        assertThat(exitB).as("B's exit code: %s", outB).isEqualTo(RunClaimedException.EXIT_CODE);
        List<String> linesB = outB.lines();
        assertThat(linesB).as("B printed one line").hasSize(1);
        assertThat(linesB.get(0))
                .startsWith("batchscore run: pipeline '" + PIPELINE + "' is already being run by")
                .contains("run " + claimA.runId())
                .contains("claimed at " + claimA.claimedAt())
                .contains("last heartbeat ")
                .contains("held by " + claimA.holder())
                .contains("./batchscore release --config");
        System.out.printf("run B refused in %.1f s while A ran: %s%n", secondsB, linesB.get(0));

        assertThat(runA.get()).as("A's exit code: %s", outA).isZero();
        assertThat(s.snapshotRunIds())
                .as("every snapshot of both tables is run A's: B wrote nothing")
                .containsOnly(claimA.runId());
        s.assertExactlyOnce(1000);
        assertThat(s.ledger().claimOf(PIPELINE)).as("A's complete marker released").isEmpty();

        // B again, after A: it goes through and reads what arrived since.
        s.produce(100);
        Output again = new Output();
        assertThat(s.run(again)).as("B's rerun: %s", again).isZero();
        s.assertExactlyOnce(1100);
        assertThat(s.ledger().claimOf(PIPELINE)).isEmpty();
    }

    @Test
    void aCrashedRunsClaimIsTakenOverAfterALeaseWithoutHeartbeats() throws Exception {
        Scenario s = new Scenario("stale-claim", 2);
        s.produce(200);
        // A run whose client died right after planning: it claimed the pipeline and never ran,
        // heartbeated or released.
        List<String> dead = s.args();
        dead.remove("run");
        JobPlan crashed = JobPlan.create(JobConfig.fromArgs(dead.toArray(new String[0])));
        RunClaim stale = s.ledger().claimOf(PIPELINE).orElseThrow();
        assertThat(stale.runId()).isEqualTo(crashed.run().runId());

        // While the claim is live by its own times, the next run is refused at once; once it looks
        // expired, the next run watches its heartbeat counter stand still for a full lease, on its
        // own clock, then takes it over.
        Output early = new Output();
        assertThat(s.run(early)).as("a run while the claim looks live: %s", early).isEqualTo(4);
        s.awaitClaimLooksExpired();
        Output takeover = new Output();
        long start = System.nanoTime();
        assertThat(s.run(takeover)).as("the run after the lease: %s", takeover).isZero();
        Duration waited = Duration.ofNanos(System.nanoTime() - start);
        assertThat(waited).as("waited a lease first").isGreaterThanOrEqualTo(LEASE);
        s.assertExactlyOnce(200);
        assertThat(s.snapshotRunIds()).doesNotContain(stale.runId());
        assertThat(s.ledger().claimOf(PIPELINE)).isEmpty();
        System.out.printf(
                "stale claim of %s (lease %s) taken over by the next run after %.1f s%n",
                stale.runId(), LEASE, waited.toMillis() / 1e3);
    }

    @Test
    void aRunWhoseClaimRanOutUnderItIsFencedOutAndTheRunThatTookItOverCompletes() throws Exception {
        Scenario s = new Scenario("fenced", 2);
        s.produce(1000);
        Running a = s.startThrottled(300); // about 30 s for 1000 records
        s.awaitFirstCommit(a);
        CompletableFuture<Integer> runA = a.exit();
        Output outA = a.out();
        RunClaim claimA = a.claim();
        // A's job stops renewing its claim while it runs on (a JobManager that cannot reach the
        // catalog, a long pause): its lease runs out under it, as the next run judges it.
        ClaimKeeper.stop(
                new Run(PIPELINE, claimA.runId(), "", null, null, null, null, null, null),
                claimA.token());

        s.awaitClaimLooksExpired();
        Output outB = new Output();
        assertThat(s.run(outB)).as("B, which takes the claim over: %s", outB).isZero();
        String runB =
                s.snapshotRunIds().stream()
                        .filter(id -> !id.equals(claimA.runId()))
                        .findFirst()
                        .orElseThrow();
        int exitA = runA.get();
        assertThat(exitA).as("A fails: %s", outA).isEqualTo(1);
        String fenced =
                outA.lines().stream()
                        .filter(l -> l.startsWith("batchscore run: "))
                        .findFirst()
                        .orElseThrow();
        assertThat(fenced)
                .contains(
                        "run " + claimA.runId() + " of pipeline '" + PIPELINE + "' was fenced out")
                .contains("claimed by run " + runB + " (")
                .contains("held by ");
        System.out.println("A fenced out: " + fenced);

        s.assertExactlyOnce(1000);
        s.assertNothingOfAfter(claimA.runId(), runB);
        assertThat(s.ledger().claimOf(PIPELINE)).as("B's complete marker released").isEmpty();
    }

    /**
     * {@code ./batchscore release} clears the claim of a run that is still running (its user took
     * it for dead): the job's next commit is refused, it fails in one line saying so, and the next
     * run completes the pipeline with every record once.
     */
    @Test
    void aClaimReleasedUnderARunningJobFencesItAndTheNextRunCompletes() throws Exception {
        Scenario s = new Scenario("released", 2);
        s.produce(1000);
        Running a = s.startThrottled(300); // about 30 s for 1000 records
        s.awaitFirstCommit(a);
        CompletableFuture<Integer> runA = a.exit();
        Output outA = a.out();
        RunClaim claimA = a.claim();

        List<String> release = s.args();
        release.set(0, "release");
        Output released = new Output();
        assertThat(Main.run(release.toArray(new String[0]), released.stream, released.stream))
                .as("release: %s", released)
                .isZero();
        assertThat(runA.get(2, TimeUnit.MINUTES)).as("A fails: %s", outA).isEqualTo(1);
        assertThat(outA.lines())
                .anySatisfy(
                        l ->
                                assertThat(l)
                                        .startsWith("batchscore run: ")
                                        .contains("was fenced out")
                                        .contains("released"));

        Output outB = new Output();
        assertThat(s.run(outB)).as("the next run: %s", outB).isZero();
        s.assertExactlyOnce(1000);
        assertThat(s.ledger().claimOf(PIPELINE)).isEmpty();
    }

    @Test
    void aSecondSubmissionOfARunningRunIsRefusedAndLeavesTheFirstJobsClaim() throws Exception {
        Scenario s = new Scenario("resubmitted", 2);
        s.produce(600);
        Running a = s.startThrottled(200, "--pipeline.run-id", "slot-1");
        CompletableFuture<Integer> runA = a.exit();
        Output outA = a.out();
        RunClaim claimA = a.claim();
        while (ThrottlingInterceptor.CONSUMED.get() == 0 && !runA.isDone()) {
            Thread.sleep(20);
        }

        // The same run submitted again (a retried REST submission, a scheduler firing twice).
        List<String> argsAgain = s.args();
        argsAgain.addAll(List.of("--pipeline.run-id", "slot-1"));
        Output again = new Output();
        int exitAgain = Main.run(argsAgain.toArray(new String[0]), again.stream, again.stream);
        assertThat(runA).as("A still ran when its resubmission ended: %s", outA).isNotDone();
        assertThat(exitAgain).as("%s", again).isEqualTo(RunClaimedException.EXIT_CODE);
        assertThat(again.lines().get(0)).contains("is already being run by run slot-1");
        assertThat(s.ledger().claimOf(PIPELINE).orElseThrow().token())
                .as("A's claim, neither taken nor released by the refused submission")
                .isEqualTo(claimA.token());

        assertThat(runA.get()).as("A: %s", outA).isZero();
        s.assertExactlyOnce(600);
        assertThat(s.ledger().claimOf(PIPELINE)).isEmpty();
    }

    // ---------------------------------------------------------------- helpers

    /** A run started in the background: its exit code to come, its output and its claim. */
    record Running(CompletableFuture<Integer> exit, Output out, RunClaim claim) {}

    /** What one {@link Main#run} printed (stdout and stderr together). */
    private static final class Output {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        List<String> lines() {
            return bytes.toString(StandardCharsets.UTF_8).lines().toList();
        }

        @Override
        public String toString() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }

    private static final class Scenario {
        final String topic;
        final int partitions;
        final Path warehouse;
        final String table;
        int produced;

        Scenario(String topic, int partitions) throws Exception {
            this.topic = topic;
            this.partitions = partitions;
            this.warehouse = scratch.resolve("warehouse-" + topic);
            this.table = "it." + topic.replace('-', '_');
            KAFKA.createTopic(topic, partitions);
        }

        /** Records {@code {"x": id / 4, "id": id}}, ids continuing from the last call. */
        void produce(int count) {
            KAFKA.produce(topic, partitions, ExactlyOnce.halfPlusTwoRecords(produced, count));
            produced += count;
        }

        List<String> args() {
            List<String> args =
                    TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse, table, "streaming");
            args.add(0, "run");
            args.addAll(
                    List.of(
                            "--pipeline.id",
                            PIPELINE,
                            "--source.kafka.starting-offsets",
                            "resume"));
            args.addAll(TestJobs.checkpointsAndBatches("500 ms", 2, 16, "100 ms"));
            args.addAll(List.of("--pipeline.claim-timeout", LEASE.toSeconds() + " s"));
            return args;
        }

        /** {@code ./batchscore run} of this scenario, printing to {@code out}; its exit code. */
        int run(Output out) {
            return Main.run(args().toArray(new String[0]), out.stream, out.stream);
        }

        Optional<Table> load() {
            HadoopCatalog catalog =
                    new HadoopCatalog(
                            new org.apache.hadoop.conf.Configuration(),
                            warehouse.toUri().toString());
            TableIdentifier id = TableIdentifier.parse(table);
            return catalog.tableExists(id) ? Optional.of(catalog.loadTable(id)) : Optional.empty();
        }

        RunLedger ledger() {
            return new RunLedger(load().orElseThrow());
        }

        /** Waits until the run that {@code run} runs has claimed the pipeline. */
        /** Until the pipeline's claim is gone or expired by its own times, as seen from here. */
        void awaitClaimLooksExpired() throws InterruptedException {
            var claim = ledger().claimOf(PIPELINE);
            while (claim.isPresent() && !Instant.now().isAfter(claim.get().expiresAt())) {
                Thread.sleep(100);
                claim = ledger().claimOf(PIPELINE);
            }
        }

        /**
         * Run A started in the background, {@code pollDelayMs} per poll, once it holds its claim.
         */
        Running startThrottled(int pollDelayMs, String... extra) throws Exception {
            List<String> args = args();
            args.addAll(List.of(extra));
            args.addAll(ThrottlingInterceptor.jobArgs(pollDelayMs));
            ThrottlingInterceptor.reset();
            Output out = new Output();
            CompletableFuture<Integer> exit =
                    CompletableFuture.supplyAsync(
                            () -> Main.run(args.toArray(new String[0]), out.stream, out.stream));
            return new Running(exit, out, awaitClaim(exit));
        }

        /** Until {@code run} committed data. */
        void awaitFirstCommit(Running run) throws InterruptedException {
            while (dataSnapshots(run.claim().runId()) == 0) {
                assertThat(run.exit())
                        .as("the run ended before its first data commit: %s", run.out())
                        .isNotDone();
                Thread.sleep(50);
            }
        }

        RunClaim awaitClaim(CompletableFuture<Integer> run) throws Exception {
            while (true) {
                Optional<RunClaim> claim = load().flatMap(t -> new RunLedger(t).claimOf(PIPELINE));
                if (claim.isPresent()) {
                    return claim.get();
                }
                assertThat(run).as("the run ended before it claimed the pipeline").isNotDone();
                Thread.sleep(50);
            }
        }

        /** The run ids of every snapshot of the scored and errors tables. */
        Set<String> snapshotRunIds() {
            Set<String> ids = new HashSet<>();
            HadoopCatalog catalog =
                    new HadoopCatalog(
                            new org.apache.hadoop.conf.Configuration(),
                            warehouse.toUri().toString());
            for (String name : List.of(table, table + "_errors")) {
                TableIdentifier id = TableIdentifier.parse(name);
                if (!catalog.tableExists(id)) {
                    continue;
                }
                for (Snapshot snap : catalog.loadTable(id).snapshots()) {
                    ids.add(String.valueOf(snap.summary().get(RunLedger.RUN_ID)));
                }
            }
            return ids;
        }

        /** Snapshots of the scored table by {@code runId} that added rows. */
        long dataSnapshots(String runId) {
            Optional<Table> t = load();
            if (t.isEmpty()) {
                return 0;
            }
            long n = 0;
            for (Snapshot snap : t.get().snapshots()) {
                if (runId.equals(snap.summary().get(RunLedger.RUN_ID))
                        && Long.parseLong(snap.summary().getOrDefault("added-records", "0")) > 0) {
                    n++;
                }
            }
            return n;
        }

        /**
         * No snapshot of {@code fenced} in either table after {@code next}'s first one in the
         * scored table (its started marker, committed once it held the claim).
         */
        void assertNothingOfAfter(String fenced, String next) {
            Table scored = load().orElseThrow();
            long nextStarted = Long.MAX_VALUE;
            boolean seenNext = false;
            for (Snapshot snap : scored.snapshots()) { // in commit order
                String runId = snap.summary().get(RunLedger.RUN_ID);
                if (next.equals(runId) && !seenNext) {
                    seenNext = true;
                    nextStarted = snap.timestampMillis();
                }
                assertThat(seenNext && fenced.equals(runId))
                        .as("a snapshot of %s after %s's start: %s", fenced, next, snap.summary())
                        .isFalse();
            }
            assertThat(seenNext).isTrue();
            HadoopCatalog catalog =
                    new HadoopCatalog(
                            new org.apache.hadoop.conf.Configuration(),
                            warehouse.toUri().toString());
            for (Snapshot snap :
                    catalog.loadTable(TableIdentifier.parse(table + "_errors")).snapshots()) {
                if (fenced.equals(snap.summary().get(RunLedger.RUN_ID))) {
                    assertThat(snap.timestampMillis())
                            .as("an errors snapshot of %s after %s started", fenced, next)
                            .isLessThan(nextStarted);
                }
            }
        }

        /** Rows = {@code expected} records, each position once, y = 0.5x + 2 exactly. */
        void assertExactlyOnce(int expected) throws Exception {
            ExactlyOnce.assertHalfPlusTwoOnce(ExactlyOnce.rows(load().orElseThrow()), expected);
        }
    }
}
