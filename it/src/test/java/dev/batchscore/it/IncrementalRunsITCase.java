package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.it.TestJobs.Ran;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.iceberg.flink.actions.Actions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scheduled incremental runs ({@code source.kafka.starting-offsets: resume}) against a real KRaft
 * broker, a Flink MiniCluster, an Iceberg Hadoop catalog and a half_plus_two model ({@link
 * TestJobs#halfPlusTwo}, y = 0.5x + 2 exactly). Every test asserts, per pipeline id: rows = records
 * produced, distinct (topic, partition, offset) = rows, every y equals 0.5x + 2 of its record, and
 * lineage on every data snapshot.
 */
class IncrementalRunsITCase {
    private static final Logger LOG = LoggerFactory.getLogger(IncrementalRunsITCase.class);
    private static final int BATCH_SIZE = 16;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 4);

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    /**
     * Five scheduled runs with new records produced before each; a partition is added to the topic
     * after the third run and must be read from its start. STREAMING and BATCH, two seeds.
     */
    @ParameterizedTest(name = "seed {0}, {1} mode")
    @CsvSource({"11, streaming", "12, batch"})
    void fiveIncrementalRunsReadEveryRecordOnce(long seed, String mode) throws Exception {
        Random random = new Random(seed);
        String topic = "five-runs-" + seed;
        Scenario s = new Scenario(topic, 2, "it.five_runs_" + seed, mode);
        for (int run = 1; run <= 5; run++) {
            if (run == 4) {
                s.addPartitions(3);
            }
            s.produce(20 + random.nextInt(200));
            Ran ran = s.run();
            assertThat(new RunLedger(s.table()).isComplete(s.pipelineId(ran), ran.runId()))
                    .as("run %d has its complete marker", run)
                    .isTrue();
            assertThat(SkipCommitted.skipped(ran.result())).isZero();
            s.assertExactlyOnce(ran);
        }
        assertThat(s.rows(null))
                .as("rows from the added partition")
                .anyMatch(r -> (Integer) r.getField(ScoredRows.SOURCE_PARTITION) == 2);
        s.assertLineage();
    }

    /**
     * A run is interrupted after it committed part of its range (the job cancelled once its first
     * checkpoint reached the table): the next run reads the whole range again, skips exactly what
     * was committed, and adds the new records. Or its client goes away once the job is submitted
     * (as with a detached submission): the job marks its own run complete, so the next run reads
     * only the new records.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cancel-after-first-commit", "client-gone-after-submit"})
    void aCrashBetweenACommitAndTheNextRunNeitherDuplicatesNorDrops(String crash) throws Exception {
        String topic = "crash-" + crash;
        Scenario s = new Scenario(topic, 2, "it.crash_" + crash.replace('-', '_'), "streaming");
        s.produce(crash.startsWith("cancel") ? 1200 : 300);

        long committedByCrashedRun;
        if (crash.startsWith("cancel")) {
            // A consumer that sleeps on every poll keeps the run going long enough to cancel it
            // between its first and its last commit.
            JobPlan plan =
                    s.plan(
                            "--source.kafka.properties.interceptor.classes",
                            SlowConsumer.class.getName(),
                            "--source.kafka.properties.max.poll.records",
                            "10",
                            "--pipeline.claim-timeout",
                            "1 s");
            JobClient client = TestJobs.submit(plan, "crashing run");
            String runId = plan.run().runId();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (rowsCommittedBy(s.table(), runId) == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            try {
                client.cancel().get();
            } catch (java.util.concurrent.ExecutionException e) {
                // Finished before the cancel arrived on a slow machine: the next run must then
                // skip everything, which is still checked below.
            }
            JobStatus status = client.getJobStatus().get();
            while (!status.isGloballyTerminalState()) {
                Thread.sleep(50);
                status = client.getJobStatus().get();
            }
            committedByCrashedRun = rowsCommittedBy(s.table(), runId);
            assertThat(committedByCrashedRun)
                    .as("the cancelled run committed some rows")
                    .isPositive();
            assertThat(status).isIn(JobStatus.CANCELED, JobStatus.FINISHED);
            LOG.info(
                    "Interrupted run {}: {} of 1200 rows committed before it ended {}",
                    runId,
                    committedByCrashedRun,
                    status);
        } else {
            JobPlan plan = s.plan("--pipeline.claim-timeout", "1 s");
            StreamExecutionEnvironment env = TestJobs.built(plan);
            ScoringRun.markStarted(plan);
            // The client does nothing after submitting: the job commits its complete marker.
            env.execute("it run whose client dies");
            assertThat(rowsCommittedBy(s.table(), plan.run().runId())).isEqualTo(300);
            assertThat(new RunLedger(s.table()).isComplete(s.pipelineId(plan), plan.run().runId()))
                    .as("the job marked its own run complete")
                    .isTrue();
            committedByCrashedRun = 0; // nothing of the next run's range was committed before
        }

        // The interrupted run never released its claim on the pipeline: the next run watches its
        // heartbeats stand still for its lease (1 s here) and takes it over. The job's own renewal
        // may still beat right after the cancel (its grace period), so wait until it stopped.
        RunLedger ledger = new RunLedger(s.table());
        for (String pipeline :
                ledger.history().stream()
                        .map(snap -> snap.summary().get(RunLedger.PIPELINE_ID))
                        .filter(java.util.Objects::nonNull)
                        .distinct()
                        .toList()) {
            var left = ledger.claimOf(pipeline);
            long stillSince = System.nanoTime();
            while (left.isPresent() && System.nanoTime() - stillSince < 2_000_000_000L) {
                Thread.sleep(50);
                var now = new RunLedger(s.table()).claimOf(pipeline);
                if (!now.equals(left)) {
                    stillSince = System.nanoTime();
                }
                left = now;
            }
        }
        s.produce(250);
        Ran next = s.run();
        assertThat(SkipCommitted.skipped(next.result()))
                .as("records the interrupted run had committed, skipped at the source")
                .isEqualTo(committedByCrashedRun);
        s.assertExactlyOnce(next);
        s.assertLineage();
    }

    /**
     * The same schedule slot ({@code pipeline.run-id}) run twice: the second run covers the same
     * positions, finds them committed and writes no data file, even when new records arrived in
     * between; a run for the next slot then picks those up.
     */
    @Test
    void theSameScheduledRunTwiceWritesNothingTheSecondTime() throws Exception {
        Scenario s = new Scenario("same-slot", 2, "it.same_slot", "streaming");
        s.produce(400);
        Ran first = s.run("--pipeline.run-id", "2026-11-22T10:00");
        s.assertExactlyOnce(first);
        long files = dataFiles(s.table());

        s.produce(50);
        Ran again = s.run("--pipeline.run-id", "2026-11-22T10:00");
        assertThat(again.runId()).isEqualTo(first.runId());
        assertThat(dataFiles(s.table())).as("data files after the rerun").isEqualTo(files);
        assertThat(SkipCommitted.skipped(again.result())).isEqualTo(400);
        assertThat(s.rows(s.pipelineId(first))).hasSize(400);

        Ran nextSlot = s.run("--pipeline.run-id", "2026-11-22T11:00");
        assertThat(SkipCommitted.skipped(nextSlot.result())).isZero();
        s.assertExactlyOnce(nextSlot);

        long filesAfterNext = dataFiles(s.table());
        Ran noSlot = s.run(); // nothing new: a run with an empty range
        assertThat(dataFiles(s.table())).isEqualTo(filesAfterNext);
        assertThat(new RunLedger(s.table()).isComplete(s.pipelineId(noSlot), noSlot.runId()))
                .as("an empty run is complete too")
                .isTrue();
        s.assertExactlyOnce(noSlot);
        s.assertLineage();
    }

    /** Two pipeline ids write one table; each reads every record once, on its own schedule. */
    @Test
    void twoPipelinesWriteOneTableIndependently() throws Exception {
        Scenario s = new Scenario("two-pipelines", 2, "it.two_pipelines", "streaming");
        s.produce(300);
        s.run("--pipeline.id", "nightly");
        s.run("--pipeline.id", "audit");
        s.assertExactlyOnce("nightly");
        s.assertExactlyOnce("audit");

        s.produce(120);
        Ran nightly = s.run("--pipeline.id", "nightly");
        assertThat(s.rows("nightly")).hasSize(420);
        assertThat(s.rows("audit")).hasSize(300);
        assertThat(SkipCommitted.skipped(nightly.result())).isZero();
        s.run("--pipeline.id", "audit");
        s.assertExactlyOnce("nightly");
        s.assertExactlyOnce("audit");
        s.assertLineage();
    }

    /**
     * A pipeline is its source and table: a model directory renamed between runs ({@code churn_v1}
     * to {@code churn_v2}) continues the pipeline instead of rescanning the topic, under the
     * default id ({@code <table>:<topics>}) and on a table whose ledger was written under the
     * earlier default, which ended in the model's name.
     */
    @Test
    void aRenamedModelContinuesItsPipeline() throws Exception {
        Scenario s = new Scenario("renamed", 2, "it.renamed", "streaming");
        Path v1 =
                Files.move(
                        TestJobs.halfPlusTwo(scratch.resolve("v1")), scratch.resolve("churn_v1"));
        s.produce(300);
        Ran first = s.run("--model.path", v1.toString());
        assertThat(s.pipelineId(first)).isEqualTo("it.renamed:renamed");
        Path v2 = Files.move(v1, scratch.resolve("churn_v2"));
        s.produce(100);
        Ran second = s.run("--model.path", v2.toString());
        assertThat(s.pipelineId(second)).isEqualTo("it.renamed:renamed");
        assertThat(SkipCommitted.skipped(second.result())).isZero();
        assertThat(second.plan().run().start()).isEqualTo(first.plan().run().end());
        s.assertExactlyOnce(second);
        assertThat(s.rows(null)).hasSize(400);
        assertThat(new RunLedger(s.table()).find(s.pipelineId(second), second.runId()))
                .map(r -> r.model())
                .as("the new model in the run's lineage")
                .contains("churn_v2");

        // A table whose runs were kept under the earlier default, <table>:<topics>:<model name>.
        Scenario old = new Scenario("renamed-old", 2, "it.renamed_old", "streaming");
        String earlierDefault = "it.renamed_old:renamed-old:churn_v2";
        old.produce(200);
        old.run("--model.path", v2.toString(), "--pipeline.id", earlierDefault);
        Path v3 = Files.move(v2, scratch.resolve("churn_v3"));
        old.produce(50);
        Ran continued = old.run("--model.path", v3.toString());
        assertThat(old.pipelineId(continued)).isEqualTo(earlierDefault);
        assertThat(SkipCommitted.skipped(continued.result())).isZero();
        old.assertExactlyOnce(continued);
        assertThat(old.rows(null)).hasSize(250);
    }

    /**
     * What a rerun needs survives table maintenance: after compaction (Iceberg's rewrite data files
     * action) and expire_snapshots (retain 1), a rerun of a bounded {@code earliest} run id finds
     * its range and what it committed, and writes nothing twice.
     */
    @Test
    void aRerunAfterCompactionAndExpiredSnapshotsWritesNothingTwice() throws Exception {
        Scenario s = new Scenario("maintained", 2, "it.maintained", "streaming");
        s.produce(300);
        String[] slot = {"--source.kafka.starting-offsets", "earliest", "--pipeline.run-id", "s1"};
        Ran first = s.run(slot);
        s.assertExactlyOnce(first);

        Table table = s.table();
        Actions.forTable(StreamExecutionEnvironment.getExecutionEnvironment(), table)
                .rewriteDataFiles()
                .execute();
        table.refresh();
        table.expireSnapshots().expireOlderThan(Long.MAX_VALUE).retainLast(1).commit();
        table.refresh();
        assertThat(table.snapshots()).hasSize(1);
        assertThat(table.currentSnapshot().summary()).doesNotContainKey(RunLedger.RUN_ID);

        s.produce(40);
        Ran again = s.run(slot);
        assertThat(again.runId()).isEqualTo("s1");
        assertThat(again.plan().run().end()).isEqualTo(first.plan().run().end());
        assertThat(SkipCommitted.skipped(again.result())).isEqualTo(300);
        assertThat(s.rows(null)).hasSize(300);
        ExactlyOnce.assertHalfPlusTwoOnce(s.rows(null), 300);
    }

    /**
     * A run interrupted before its job ran (its client died after the started marker), rerun by its
     * id after two newer runs completed: the rerun completes, and the next {@code resume} run still
     * starts where the newest complete run ended, not back at the late rerun's end.
     */
    @Test
    void aLateRerunOfAnOlderRunDoesNotMoveTheEndBack() throws Exception {
        Scenario s = new Scenario("late-rerun", 2, "it.late_rerun", "streaming");
        s.produce(200);
        JobPlan interrupted = s.plan("--pipeline.run-id", "slot-1");
        ScoringRun.markStarted(interrupted);
        ScoringRun.release(interrupted);
        s.produce(100);
        s.run("--pipeline.run-id", "slot-2");
        s.produce(100);
        Ran third = s.run("--pipeline.run-id", "slot-3");
        Ran late = s.run("--pipeline.run-id", "slot-1");
        assertThat(SkipCommitted.skipped(late.result()))
                .as("slot-1's range, committed")
                .isEqualTo(200);
        assertThat(new RunLedger(s.table()).isComplete(s.pipelineId(late), "slot-1")).isTrue();

        s.produce(50);
        Ran next = s.run();
        assertThat(next.plan().run().start()).isEqualTo(third.plan().run().end());
        assertThat(SkipCommitted.skipped(next.result())).isZero();
        s.assertExactlyOnce(next);
    }

    // ---------------------------------------------------------------- helpers

    /** One topic, one table, one warehouse, and the records produced so far (by id). */
    private static final class Scenario {
        final String topic;
        final String table;
        final String mode;
        final Path warehouse;
        int partitions;
        int produced;

        Scenario(String topic, int partitions, String table, String mode) throws Exception {
            this.topic = topic;
            this.partitions = partitions;
            this.table = table;
            this.mode = mode;
            this.warehouse = scratch.resolve("warehouse-" + topic);
            KAFKA.createTopic(topic, partitions);
        }

        /** Records {@code {"x": id / 4, "id": id}}, ids continuing from the last call. */
        void produce(int count) {
            KAFKA.produce(topic, partitions, ExactlyOnce.halfPlusTwoRecords(produced, count));
            produced += count;
        }

        void addPartitions(int total) throws Exception {
            try (Admin admin = KAFKA.admin()) {
                admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(total))).all().get();
            }
            partitions = total;
        }

        JobPlan plan(String... extra) {
            List<String> args =
                    TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse, table, mode);
            args.addAll(List.of("--source.kafka.starting-offsets", "resume"));
            args.addAll(TestJobs.checkpointsAndBatches("300 ms", 2, BATCH_SIZE, "100 ms"));
            Collections.addAll(args, extra);
            return TestJobs.plan(args);
        }

        /** One scheduled run, as the CLI does it: plan, build, started marker, execute, marker. */
        Ran run(String... extra) throws Exception {
            return TestJobs.run(plan(extra));
        }

        String pipelineId(Ran ran) {
            return pipelineId(ran.plan());
        }

        String pipelineId(JobPlan plan) {
            return plan.run().pipelineId();
        }

        Table table() {
            return TestJobs.table(warehouse, table);
        }

        /** Rows of {@code pipelineId}, or of every pipeline for null. */
        List<Record> rows(String pipelineId) throws Exception {
            return ExactlyOnce.rows(
                    table(),
                    pipelineId == null
                            ? Expressions.alwaysTrue()
                            : Expressions.equal(ScoredRows.PIPELINE_ID, pipelineId));
        }

        /** {@link #assertExactlyOnce(String)} for the pipeline of {@code ran}. */
        void assertExactlyOnce(Ran ran) throws Exception {
            assertExactlyOnce(pipelineId(ran));
        }

        /** Rows = produced, distinct positions = rows, ids 0..produced-1 once, y = 0.5x + 2. */
        void assertExactlyOnce(String pipelineId) throws Exception {
            List<Record> rows = rows(pipelineId);
            ExactlyOnce.assertHalfPlusTwoOnce(rows, produced);
            ExactlyOnce.assertEveryRow(rows, ScoredRows.PIPELINE_ID, pipelineId);
        }

        /** Every snapshot that added data says who wrote it, with which model, from where. */
        void assertLineage() {
            Table t = table();
            int dataSnapshots = 0;
            for (Snapshot snap : t.snapshots()) {
                Map<String, String> summary = snap.summary();
                if (Long.parseLong(summary.getOrDefault("added-data-files", "0")) == 0) {
                    continue;
                }
                dataSnapshots++;
                assertThat(summary)
                        .as("lineage of snapshot %d", snap.snapshotId())
                        .containsKeys(
                                RunLedger.PIPELINE_ID,
                                RunLedger.RUN_ID,
                                RunLedger.MODEL_VERSION,
                                RunLedger.MODEL_SIGNATURE,
                                RunLedger.START_POSITIONS,
                                RunLedger.END_POSITIONS)
                        .containsEntry(RunLedger.MODEL, "saved_model_half_plus_two_cpu")
                        .containsEntry(RunLedger.MODEL_VERSION, "123")
                        .containsEntry(RunLedger.MODEL_SIGNATURE, "serving_default");
                assertThat(summary.get(RunLedger.END_POSITIONS)).contains(topic + ":0=");
            }
            assertThat(dataSnapshots).isPositive();
        }
    }

    /** Rows committed by snapshots of {@code runId}. */
    private static long rowsCommittedBy(Table table, String runId) {
        table.refresh();
        long rows = 0;
        for (Snapshot snap : table.snapshots()) {
            if (runId.equals(snap.summary().get(RunLedger.RUN_ID))) {
                rows += Long.parseLong(snap.summary().getOrDefault("added-records", "0"));
            }
        }
        return rows;
    }

    private static long dataFiles(Table table) {
        table.refresh();
        return Long.parseLong(
                table.currentSnapshot().summary().getOrDefault("total-data-files", "0"));
    }

    /**
     * A real Kafka consumer interceptor that sleeps on every non-empty poll: slows the source down
     * so a run can be interrupted in the middle.
     */
    public static final class SlowConsumer implements ConsumerInterceptor<byte[], byte[]> {
        @Override
        public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
            if (!records.isEmpty()) {
                try {
                    Thread.sleep(40);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return records;
        }

        @Override
        public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {}
    }
}
