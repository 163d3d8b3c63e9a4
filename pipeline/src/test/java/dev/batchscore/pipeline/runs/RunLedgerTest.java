package dev.batchscore.pipeline.runs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.types.Types;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ledger on a real Iceberg table in a Hadoop catalog on disk. */
class RunLedgerTest {
    @TempDir Path warehouse;

    private static final Duration LEASE = Duration.ofMinutes(5);

    /** The lease of a holder that {@link #beating} keeps alive: a claimant sees it move fast. */
    private static final Duration BEAT_LEASE = Duration.ofMillis(600);

    private static final TableIdentifier ID = TableIdentifier.of("ns", "scored");

    private Table table;
    private RunLedger ledger;

    @BeforeEach
    void table() {
        table =
                catalog()
                        .createTable(
                                ID,
                                new Schema(
                                        Types.NestedField.required(1, "x", Types.LongType.get())));
        ledger = new RunLedger(table);
    }

    /** A catalog of its own, as another client process would have. */
    private HadoopCatalog catalog() {
        return new HadoopCatalog(new org.apache.hadoop.conf.Configuration(), warehouse.toString());
    }

    /** Renews {@code claim} every third of its lease, as a live job does, until closed. */
    private AutoCloseable beating(Run run, RunClaim claim) {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        RunLedger holder = new RunLedger(catalog().loadTable(ID));
        timer.scheduleWithFixedDelay(
                () -> holder.heartbeat(run, claim.token()),
                0,
                claim.lease().toMillis() / 3,
                TimeUnit.MILLISECONDS);
        return () -> {
            timer.shutdownNow();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        };
    }

    private static Run run(String pipeline, String id, String start, String end) {
        return new Run(
                pipeline,
                id,
                "resume",
                SourcePositions.parse(start),
                SourcePositions.parse(end),
                "m",
                "1",
                "serving_default",
                PositionRanges.empty());
    }

    @Test
    void startedAndCompleteMarkersArePerPipeline() {
        assertThat(ledger.latestComplete("a")).isEmpty();
        Run a1 = run("a", "a1", "t:0=0,t:1=0", "t:0=10,t:1=7");
        ledger.markStarted(a1);
        assertThat(ledger.latestIncomplete("a")).contains(a1);
        assertThat(ledger.latestComplete("a")).isEmpty();

        ledger.markStarted(run("b", "b1", "t:0=0", "t:0=3"));
        ledger.markComplete(a1);
        assertThat(ledger.latestComplete("a")).contains(a1);
        assertThat(ledger.latestIncomplete("a")).isEmpty();
        assertThat(ledger.latestIncomplete("b")).map(Run::runId).contains("b1");
        assertThat(ledger.latestComplete("b")).isEmpty();

        Run a2 = run("a", "a2", "t:0=10,t:1=7", "t:0=20,t:1=9");
        ledger.markStarted(a2);
        assertThat(ledger.latestIncomplete("a")).contains(a2);
        assertThat(ledger.latestComplete("a")).contains(a1);
        assertThat(ledger.find("a", "a1")).contains(a1);
        assertThat(ledger.isComplete("a", "a2")).isFalse();
        assertThat(ledger.hasCompleteRun("b")).isFalse();
    }

    @Test
    void markersAreSnapshotsWithTheLineage() {
        Run a1 = run("a", "a1", "t:0=0", "t:0=10");
        ledger.markStarted(a1);
        table.refresh();
        Map<String, String> summary = table.currentSnapshot().summary();
        assertThat(summary)
                .containsEntry(RunLedger.RUN_EVENT, RunLedger.STARTED)
                .containsEntry(RunLedger.PIPELINE_ID, "a")
                .containsEntry(RunLedger.RUN_ID, "a1")
                .containsEntry(RunLedger.MODEL, "m")
                .containsEntry(RunLedger.MODEL_VERSION, "1")
                .containsEntry(RunLedger.MODEL_SIGNATURE, "serving_default")
                .containsEntry(RunLedger.START_POSITIONS, "t:0=0")
                .containsEntry(RunLedger.END_POSITIONS, "t:0=10")
                .doesNotContainKey("added-data-files");
    }

    @Test
    void theLastCompleteRunSurvivesSnapshotExpiry() {
        Run a1 = run("a", "a1", "t:0=0", "t:0=10");
        ledger.markStarted(a1);
        ledger.markComplete(a1);
        ledger.markStarted(run("b", "b1", "t:0=0", "t:0=3"));
        table.refresh();
        table.expireSnapshots().expireOlderThan(Long.MAX_VALUE).retainLast(1).commit();

        Run kept = ledger.latestComplete("a").orElseThrow();
        assertThat(kept.runId()).isEqualTo("a1");
        assertThat(kept.end()).isEqualTo(a1.end());
        assertThat(ledger.hasCompleteRun("a")).isTrue();
    }

    /**
     * What a rerun and a resume need survives expire_snapshots: the runs (positions, event) and
     * which one a savepoint belongs to.
     */
    @Test
    void everyRunSurvivesSnapshotExpiry() {
        Run a1 = run("a", "a1", "t:0=0", "t:0=10");
        Run a2 = run("a", "a2", "t:0=10", "t:0=20");
        ledger.markStarted(a1);
        ledger.markComplete(a1);
        ledger.markStarted(a2);
        table.refresh();
        table.expireSnapshots().expireOlderThan(Long.MAX_VALUE).retainLast(1).commit();
        table.refresh();
        assertThat(table.snapshots()).hasSize(1);

        RunLedger fresh = new RunLedger(catalog().loadTable(ID));
        assertThat(fresh.find("a", "a1")).contains(a1);
        assertThat(fresh.isComplete("a", "a1")).isTrue();
        assertThat(fresh.latestIncomplete("a")).contains(a2);
        assertThat(fresh.isComplete("a", "a2")).isFalse();
        assertThat(fresh.pipelineIds()).containsExactly("a");
    }

    /** An older run rerun after newer runs completed does not move the pipeline's end back. */
    @Test
    void theCompleteEndOnlyMovesForward() {
        Run a1 = run("a", "a1", "t:0=0,t:1=0", "t:0=10,t:1=10");
        Run a2 = run("a", "a2", "t:0=10,t:1=10", "t:0=20,t:1=15");
        ledger.markStarted(a1); // interrupted
        ledger.markStarted(a2);
        ledger.markComplete(a2);
        ledger.markStarted(a1); // rerun late
        assertThat(ledger.latestIncomplete("a")).contains(a1);
        ledger.markComplete(a1);

        Run end = ledger.latestComplete("a").orElseThrow();
        assertThat(end.end()).isEqualTo(SourcePositions.parse("t:0=20,t:1=15"));
        assertThat(ledger.latestIncomplete("a")).isEmpty();
        assertThat(ledger.isComplete("a", "a1")).isTrue();
    }

    /**
     * A topic recreated since the furthest complete run starts over: its old end does not count.
     */
    @Test
    void aRecreatedTopicsEndStartsOver() {
        Run old =
                new Run(
                        "a",
                        "a1",
                        "resume",
                        SourcePositions.parse("t:0=0"),
                        SourcePositions.parse("t:0=100"),
                        "m",
                        "1",
                        "serving_default",
                        PositionRanges.empty(),
                        TopicIds.parse("t=old-id"),
                        TopicIds.empty());
        Run recreated =
                new Run(
                        "a",
                        "a2",
                        "resume",
                        SourcePositions.parse("t:0=0"),
                        SourcePositions.parse("t:0=40"),
                        "m",
                        "1",
                        "serving_default",
                        PositionRanges.empty(),
                        TopicIds.parse("t=new-id"),
                        TopicIds.parse("t=old-id"));
        ledger.markStarted(old);
        ledger.markComplete(old);
        ledger.markStarted(recreated);
        ledger.markComplete(recreated);
        Run end = ledger.latestComplete("a").orElseThrow();
        assertThat(end.end()).isEqualTo(SourcePositions.parse("t:0=40"));
        assertThat(end.topicIds()).isEqualTo(TopicIds.parse("t=new-id"));
    }

    /** The properties keep the newest runs of each pipeline, so table metadata stays small. */
    @Test
    void theNewestRunsAreKept() {
        for (int i = 0; i < RunLedger.KEPT_RUNS + 5; i++) {
            Run r = run("a", "a" + i, "t:0=" + i, "t:0=" + (i + 1));
            ledger.markStarted(r);
            ledger.markComplete(r);
        }
        ledger.markStarted(run("b", "b0", "t:0=0", "t:0=1"));
        table.refresh();
        long kept =
                table.properties().keySet().stream()
                        .filter(k -> k.startsWith(RunLedger.RUN_PROPERTY + "a/"))
                        .count();
        assertThat(kept).isEqualTo(RunLedger.KEPT_RUNS);
        table.expireSnapshots().expireOlderThan(Long.MAX_VALUE).retainLast(1).commit();
        assertThat(ledger.find("a", "a0")).as("the oldest run, dropped").isEmpty();
        assertThat(ledger.find("a", "a104")).isPresent();
        assertThat(ledger.find("b", "b0")).isPresent();
        assertThat(ledger.latestComplete("a").orElseThrow().end())
                .isEqualTo(SourcePositions.parse("t:0=105"));
    }

    @Test
    void aSecondRunOfThePipelineIsRefusedNamingTheFirst() throws Exception {
        Run a = run("p", "run-a", "t:0=0", "t:0=10");
        RunClaim claim = ledger.claim(a, BEAT_LEASE);
        assertThat(ledger.claimOf("p")).contains(claim);
        table.refresh();
        assertThat(table.properties().get(RunLedger.CLAIM_PROPERTY + "p"))
                .startsWith("run-id=run-a; claimed-at=")
                .contains("holder=");
        long snapshotsBefore = snapshots(table);

        RunLedger other = new RunLedger(catalog().loadTable(ID));
        try (AutoCloseable alive = beating(a, claim)) {
            assertThatThrownBy(() -> other.claim(run("p", "run-b", "t:0=0", "t:0=10"), LEASE))
                    .isInstanceOf(RunClaimedException.class)
                    .hasMessageContaining("pipeline 'p' is already being run by run run-a")
                    .hasMessageContaining("claimed at " + claim.claimedAt())
                    .hasMessageContaining("last heartbeat ")
                    .hasMessageContaining("held by " + claim.holder())
                    .hasMessageContaining("./batchscore release --config")
                    .message()
                    .doesNotContain("\n");
        }
        assertThat(ledger.claimOf("p").orElseThrow().token()).isEqualTo(claim.token());
        // Another pipeline of the same table is not blocked; claims are not snapshots.
        other.claim(run("q", "run-q", "t:0=0", "t:0=10"), LEASE);
        assertThat(snapshots(table)).isEqualTo(snapshotsBefore);
    }

    @Test
    void claimsRaceWithACompareAndSwapExactlyOneWins() throws Exception {
        Table t1 = catalog().loadTable(ID);
        Table t2 = catalog().loadTable(ID);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int rounds = 20;
        int lostRaces = 0;
        long casLostBefore = RunLedger.LOST_RACES.get();
        List<AutoCloseable> beats = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            for (int round = 0; round < rounds; round++) {
                String pipeline = "race-" + round;
                if (round % 2 == 1) {
                    // Half the rounds race to take over an expired claim of a crashed run.
                    ledger.claim(run(pipeline, "crashed", "t:0=0", "t:0=1"), Duration.ofMillis(1));
                    Thread.sleep(2);
                }
                CyclicBarrier start = new CyclicBarrier(2);
                List<Future<String>> outcomes = new ArrayList<>();
                for (Table t : List.of(t1, t2)) {
                    String runId = (t == t1 ? "one-" : "two-") + round;
                    outcomes.add(
                            pool.submit(
                                    () -> {
                                        start.await();
                                        try {
                                            Run mine = run(pipeline, runId, "t:0=0", "t:0=1");
                                            RunClaim won = new RunLedger(t).claim(mine, BEAT_LEASE);
                                            // A live winner: the loser sees it beat.
                                            beats.add(beating(mine, won));
                                            return runId;
                                        } catch (RunClaimedException e) {
                                            return null;
                                        }
                                    }));
                }
                List<String> winners = new ArrayList<>();
                for (Future<String> f : outcomes) {
                    if (f.get() != null) {
                        winners.add(f.get());
                    }
                }
                for (AutoCloseable beat : beats) {
                    beat.close();
                }
                beats.clear();
                assertThat(winners).as("winners of round %d", round).hasSize(1);
                assertThat(ledger.claimOf(pipeline).orElseThrow().runId())
                        .isEqualTo(winners.get(0));
                lostRaces += winners.get(0).startsWith("one-") ? 0 : 1;
            }
        } finally {
            pool.shutdownNow();
        }
        // Figures, not assertions: how often each side won.
        System.out.printf(
                "claim race: %d rounds, table 1 won %d, table 2 won %d, %d commits lost the"
                        + " compare-and-swap%n",
                rounds, rounds - lostRaces, lostRaces, RunLedger.LOST_RACES.get() - casLostBefore);
    }

    @Test
    void aClaimIsTakenOverOnlyAfterItStoodStillForAFullLeaseOnTheClaimantsClock() {
        // A crashed holder whose clock ran a century ahead: by its own times the lease never ends.
        Run crashed = run("p", "crashed", "t:0=0", "t:0=10");
        Instant ahead = Instant.now().plus(Duration.ofDays(36_500));
        Duration lease = Duration.ofSeconds(1);
        RunClaim stale =
                new RunClaim("crashed", ahead, ahead, ahead.plus(lease), lease, "h", "tok", 7);
        write("p", stale);

        Run next = run("p", "next", "t:0=0", "t:0=10");
        long watchStart = System.nanoTime();
        RunClaim taken = ledger.claim(next, LEASE);
        Duration watched = Duration.ofNanos(System.nanoTime() - watchStart);
        assertThat(taken.runId()).isEqualTo("next");
        assertThat(watched).as("watched the claim stand still").isGreaterThanOrEqualTo(lease);
        assertThat(ledger.heartbeat(crashed, stale.token())).as("the old holder's beat").isFalse();
        assertThat(ledger.release(crashed, stale.token())).as("its release").isFalse();
        assertThat(ledger.claimOf("p")).contains(taken);
    }

    @Test
    void aLiveHolderIsNotTakenOverWhateverItsClockSays() throws Exception {
        // A live holder whose clock is an hour behind: by its own times its lease ran out long ago,
        // but its beats move.
        Duration lease = Duration.ofMillis(600);
        RunClaim behind =
                new RunClaim(
                        "live",
                        Instant.now().minus(Duration.ofHours(1)),
                        Instant.now().minus(Duration.ofHours(1)),
                        Instant.now().minus(Duration.ofHours(1)).plus(lease),
                        lease,
                        "h",
                        "tok",
                        0);
        write("p", behind);
        ScheduledExecutorService holder = Executors.newSingleThreadScheduledExecutor();
        java.util.concurrent.atomic.AtomicLong beats = new java.util.concurrent.atomic.AtomicLong();
        holder.scheduleWithFixedDelay(
                () -> {
                    Instant then = Instant.now().minus(Duration.ofHours(1));
                    long beat = beats.incrementAndGet();
                    write(
                            "p",
                            new RunClaim(
                                    "live",
                                    behind.claimedAt(),
                                    then,
                                    then.plus(lease),
                                    lease,
                                    "h",
                                    "tok",
                                    beat));
                },
                0,
                lease.toMillis() / 3,
                TimeUnit.MILLISECONDS);
        try {
            assertThatThrownBy(() -> ledger.claim(run("p", "next", "t:0=0", "t:0=1"), LEASE))
                    .isInstanceOf(RunClaimedException.class)
                    .hasMessageContaining("already being run by run live");
        } finally {
            holder.shutdownNow();
            holder.awaitTermination(10, TimeUnit.SECONDS);
        }
        assertThat(ledger.claimOf("p").orElseThrow().token()).isEqualTo("tok");
    }

    /** Sets the claim property as a holder with its own clock would. */
    private void write(String pipeline, RunClaim claim) {
        catalog()
                .loadTable(ID)
                .updateProperties()
                .set(RunLedger.CLAIM_PROPERTY + pipeline, claim.encode())
                .commit();
    }

    @Test
    void aHeartbeatRenewsTheLeaseOfItsOwnClaimOnly() throws Exception {
        Run a = run("p", "a", "t:0=0", "t:0=10");
        RunClaim first = ledger.claim(a, Duration.ofMillis(500));
        Thread.sleep(20);
        assertThat(new RunLedger(catalog().loadTable(ID)).heartbeat(a, first.token())).isTrue();
        RunClaim renewed = ledger.claimOf("p").orElseThrow();
        assertThat(renewed.heartbeatAt()).isAfter(first.heartbeatAt());
        assertThat(renewed.expiresAt()).isAfter(first.expiresAt());
        assertThat(renewed.claimedAt()).isEqualTo(first.claimedAt());
        assertThat(renewed.token()).isEqualTo(first.token());
        assertThat(renewed.beats()).isEqualTo(first.beats() + 1);
        assertThat(ledger.heartbeat(run("p", "b", "t:0=0", "t:0=10"), "other")).isFalse();
        assertThat(ledger.heartbeat(a, "another claim of a")).isFalse();
    }

    @Test
    void aSecondClaimOfTheSameRunIsRefusedWhileTheFirstBeatsAndReleasesNothing() throws Exception {
        Run a = run("p", "slot-10", "t:0=0", "t:0=10");
        RunClaim first = ledger.claim(a, BEAT_LEASE);
        RunLedger second = new RunLedger(catalog().loadTable(ID));
        try (AutoCloseable alive = beating(a, first)) {
            assertThatThrownBy(() -> second.claim(a, LEASE))
                    .isInstanceOf(RunClaimedException.class)
                    .hasMessageContaining("already being run by run slot-10");
        }
        assertThat(ledger.claimOf("p").orElseThrow().token()).isEqualTo(first.token());
        // Its release needs its own token: the first claim's stays.
        assertThat(second.release(a, "the refused claim's token")).isFalse();
        assertThat(ledger.claimOf("p").orElseThrow().token()).isEqualTo(first.token());
        assertThat(second.release(a, first.token())).isTrue();
    }

    @Test
    void releaseAndTheCompleteMarkerEndTheClaim() {
        Run a = run("p", "a", "t:0=0", "t:0=10");
        String token = ledger.claim(a, LEASE).token();
        assertThat(ledger.release(run("p", "someone-else", "t:0=0", "t:0=10"), "x")).isFalse();
        assertThat(ledger.release(a, "not its token")).isFalse();
        assertThat(ledger.release(a, token)).isTrue();
        assertThat(ledger.claimOf("p")).isEmpty();
        assertThat(ledger.release(a, token)).isFalse();

        Run b = run("p", "b", "t:0=0", "t:0=10");
        ledger.claim(b, LEASE);
        ledger.markStarted(b);
        long before = snapshots(table);
        ledger.markComplete(b);
        table.refresh();
        assertThat(snapshots(table)).as("one commit").isEqualTo(before + 1);
        assertThat(ledger.claimOf("p")).isEmpty();
        assertThat(table.properties()).containsKey(RunLedger.LAST_COMPLETE_PROPERTY + "p");

        // A complete marker of a run that lost its claim leaves the new holder's claim alone.
        Run c = run("p", "c", "t:0=10", "t:0=20");
        RunClaim held = ledger.claim(c, LEASE);
        ledger.markComplete(run("p", "zombie", "t:0=10", "t:0=20"));
        assertThat(ledger.claimOf("p")).contains(held);

        // ./batchscore release clears whoever holds it.
        assertThat(ledger.clearClaim("p")).map(RunClaim::runId).contains("c");
        assertThat(ledger.clearClaim("p")).isEmpty();
    }

    private static long snapshots(Table t) {
        t.refresh();
        long n = 0;
        for (var ignored : t.snapshots()) {
            n++;
        }
        return n;
    }

    @Test
    void positionsRoundTripAndBadTextIsNamed() {
        SourcePositions p = SourcePositions.parse("orders.v2:1=40,orders.v2:0=12,x-y:3=0");
        assertThat(p.format()).isEqualTo("orders.v2:0=12,orders.v2:1=40,x-y:3=0");
        assertThat(SourcePositions.parse(p.format())).isEqualTo(p);
        assertThat(p.get(new TopicPartition("orders.v2", 1))).isEqualTo(40L);
        assertThat(p.min()).isZero();
        assertThat(
                        SourcePositions.parse("t:0=5,t:1=5")
                                .countUntil(SourcePositions.parse("t:0=9,t:1=5,t:2=3")))
                .isEqualTo(4);
        assertThatThrownBy(() -> SourcePositions.parse("t:0=5,t=7"))
                .hasMessageContaining("'t=7'")
                .hasMessageContaining("topic:partition=offset");
    }
}
