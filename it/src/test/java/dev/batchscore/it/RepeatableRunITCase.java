package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.ScoringFunction;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.RunCounts;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.cli.StopCommand;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HeartbeatManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.executiongraph.AccessExecutionJobVertex;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestReporter;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A run gives the same table however often it is resumed and whenever its tasks open, on a real
 * KRaft broker, a Flink MiniCluster, an Iceberg Hadoop catalog and TF Serving's half_plus_two (y =
 * 0.5x + 2 exactly).
 *
 * <ul>
 *   <li>The same savepoint resumed twice: the first resume commits micro-batches that were pending
 *       in the savepoint and is then cancelled; the second resume restores those batches again and
 *       must not commit them a second time.
 *   <li>A TF Serving version published while a run is in progress is not loaded by scoring tasks
 *       that open after it appeared: every row and the lineage name the version seen at planning.
 * </ul>
 */
class RepeatableRunITCase {
    private static final Logger LOG = LoggerFactory.getLogger(RepeatableRunITCase.class);
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 1000;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestJobs.miniCluster(fastHeartbeats(), 1, 2);

    @TempDir static Path scratch;

    private static Path halfPlusTwo;

    /** Accumulators of a running job reach the JobManager with the TaskManagers' heartbeats. */
    private static Configuration fastHeartbeats() {
        Configuration conf = new Configuration();
        conf.set(HeartbeatManagerOptions.HEARTBEAT_INTERVAL, Duration.ofMillis(300));
        return conf;
    }

    @BeforeAll
    static void fixture() {
        halfPlusTwo = TestJobs.halfPlusTwoFixture();
    }

    /**
     * With explicit positions (bounded {@code earliest}) and with a range Kafka resolves when the
     * job starts ({@code timestamp:0}), whose committed positions are found by the run's id.
     */
    @ParameterizedTest(name = "starting offsets {0}")
    @ValueSource(strings = {"earliest", "timestamp:0"})
    void resumingTheSameSavepointTwiceCommitsEveryRecordOnce(
            String startingOffsets, @InjectMiniCluster MiniCluster cluster, TestReporter report)
            throws Exception {
        String topic = startingOffsets.equals("earliest") ? "twice" : "twice-ts";
        String table = startingOffsets.equals("earliest") ? "it.twice" : "it.twice_ts";
        Path warehouse = scratch.resolve("warehouse-" + topic);

        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, RECORDS));

        // 1. The original run, stopped with a savepoint while its micro-batches are pending: a
        // batch fires at 64 records or after 3 s, so most records read in the first 2 s are still
        // in the windows' state.
        JobPlan plan = plan(topic, warehouse, table, null, 100, startingOffsets);
        ThrottlingInterceptor.reset();
        JobClient first = TestJobs.submit(plan, "original");
        while (ThrottlingInterceptor.CONSUMED.get() < 200) {
            assertRunning(first, "the original run");
            Thread.sleep(20);
        }
        String savepoint =
                StopCommand.stop(
                        cluster.getRestAddress().get(),
                        first.getJobID(),
                        scratch.resolve("savepoints").toUri().toString(),
                        false);
        first.getJobExecutionResult().get(1, TimeUnit.MINUTES);
        long committedAtStop = ExactlyOnce.rows(plan).size();

        // 2. First resume: runs until it has scored restored records (more records scored than
        // its readers consumed) and committed two more checkpoints after that, then is cancelled
        // without a savepoint, as a crash would end it.
        // Slower than the others (40 records/s), so that it is still running when the accumulators
        // and two more commits have come in, also on a loaded machine.
        JobPlan resume1 = plan(topic, warehouse, table, savepoint, 250, startingOffsets);
        ThrottlingInterceptor.reset();
        JobClient second = TestJobs.submit(resume1, "resume 1");
        long scored;
        while ((scored = accumulator(second, ScoringFunction.ACC_READ))
                <= ThrottlingInterceptor.CONSUMED.get()) {
            assertRunning(second, "resume 1");
            Thread.sleep(50);
        }
        int commits = ExactlyOnce.dataCommits(resume1);
        while (ExactlyOnce.dataCommits(resume1) < commits + 2) {
            assertRunning(second, "resume 1");
            Thread.sleep(50);
        }
        second.cancel().get(1, TimeUnit.MINUTES);
        awaitTerminal(second);
        // Its claim stays, as a crashed job's does; the user clears it (./batchscore release)
        // rather than wait for the next run to watch it stand still for a lease.
        new RunLedger(resume1.catalogLoader().loadCatalog().loadTable(resume1.table()))
                .clearClaim(resume1.run().pipelineId());
        long committedByResume1 = ExactlyOnce.rows(plan).size() - committedAtStop;

        // 3. The same savepoint again, to the end of the input.
        JobPlan resume2 = plan(topic, warehouse, table, savepoint, 100, startingOffsets);
        assertThat(resume2.run().runId()).isEqualTo(plan.run().runId());
        JobClient third = TestJobs.submit(resume2, "resume 2");
        JobExecutionResult result = third.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        assertThat(ScoringRun.isComplete(resume2)).as("resume 2 read to the end").isTrue();

        List<Record> rows = ExactlyOnce.rows(plan);
        long droppedAtScoring = RunCounts.alreadyCommitted(result);
        String figures =
                String.format(
                        Locale.ROOT,
                        "committed at the stop %d, by resume 1 %d (%d records scored when the first"
                                + " restored ones were seen); resume 2: %d skipped at the source, %d"
                                + " restored records dropped at scoring, %s; table rows %d,"
                                + " distinct positions %d",
                        committedAtStop,
                        committedByResume1,
                        scored,
                        SkipCommitted.skipped(result),
                        droppedAtScoring,
                        RunCounts.of(result).summary(),
                        rows.size(),
                        rows.stream().map(ExactlyOnce::position).distinct().count());
        LOG.info(figures);
        report.publishEntry("figures", figures);
        assertThat(rows).as("rows = records (%s)", figures).hasSize(RECORDS);
        assertHalfPlusTwoOnce(rows, RECORDS, "123");
        assertThat(droppedAtScoring)
                .as("restored records of resume 2 that resume 1 had committed (%s)", figures)
                .isPositive();
        RunCounts counts = RunCounts.of(result);
        assertThat(counts.scored() + counts.deadLettered() + counts.skipped())
                .as("read = scored + dead-lettered + skipped")
                .isEqualTo(counts.read());
    }

    @Test
    void aVersionPublishedDuringTheRunIsNotLoaded(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String topic = "pinned";
        String table = "it.pinned";
        Path warehouse = scratch.resolve("warehouse-pinned");
        Path base = Files.createDirectories(scratch.resolve("models/half_plus"));
        copy(halfPlusTwo.resolve("00000123"), base.resolve("1"));
        KAFKA.createTopic(topic, 2);
        KAFKA.produce(topic, 2, ExactlyOnce.halfPlusTwoRecords(0, 400));

        // BATCH mode: the scoring tasks open only once the throttled source stage has finished,
        // long after version 2 is published.
        List<String> args = TestJobs.jobArgs(KAFKA, topic, base, warehouse, table, "batch");
        args.addAll(ThrottlingInterceptor.jobArgs(50));
        args.addAll(List.of("--parallelism", "2", "--batch.size", "32"));
        JobPlan plan = TestJobs.plan(args);
        assertThat(plan.run().lineage()).containsEntry(RunLedger.MODEL_VERSION, "1");
        JobClient job = TestJobs.submit(plan, "pinned");

        Path halfPlusThree =
                halfPlusTwo.resolveSibling("saved_model_half_plus_three").resolve("00000123");
        Path staged = scratch.resolve("models/staged-2");
        copy(halfPlusThree, staged);
        Files.move(staged, base.resolve("2"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(scoringSubtasksOpened(cluster, job))
                .as("scoring subtasks already deployed when version 2 was published")
                .isZero();

        JobExecutionResult result = job.getJobExecutionResult().get(3, TimeUnit.MINUTES);
        assertThat(ScoringRun.isComplete(plan)).isTrue();
        assertHalfPlusTwoOnce(ExactlyOnce.rows(plan), 400, "1");
        Table t = plan.catalogLoader().loadCatalog().loadTable(plan.table());
        int dataSnapshots = 0;
        for (Snapshot snap : t.snapshots()) {
            assertThat(snap.summary())
                    .as("lineage of snapshot %d", snap.snapshotId())
                    .containsEntry(RunLedger.MODEL_VERSION, "1");
            dataSnapshots += snap.summary().containsKey("added-data-files") ? 1 : 0;
        }
        assertThat(dataSnapshots).isPositive();
    }

    // ---------------------------------------------------------------- helpers

    private static JobPlan plan(String topic, Path warehouse, String table, String resumeFrom) {
        return plan(topic, warehouse, table, resumeFrom, 100, "earliest");
    }

    /**
     * As above, {@code pollDelayMs} per poll of 5 records and reader, from {@code startingOffsets}.
     */
    private static JobPlan plan(
            String topic,
            Path warehouse,
            String table,
            String resumeFrom,
            int pollDelayMs,
            String startingOffsets) {
        List<String> args =
                TestJobs.jobArgs(KAFKA, topic, halfPlusTwo, warehouse, table, "streaming");
        // 5 records per poll, 100 ms each: 100 records/s over the two readers.
        args.addAll(ThrottlingInterceptor.jobArgs(pollDelayMs));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 64, "3 s"));
        args.addAll(List.of("--source.kafka.starting-offsets", startingOffsets));
        if (resumeFrom != null) {
            args.addAll(List.of("--resume-from", resumeFrom));
        }
        return TestJobs.plan(args);
    }

    private static void assertRunning(JobClient job, String what) throws Exception {
        JobStatus status = job.getJobStatus().get();
        assertThat(status.isGloballyTerminalState())
                .as("%s ended (%s) too early: the run is too fast to interrupt", what, status)
                .isFalse();
    }

    private static void awaitTerminal(JobClient job) throws Exception {
        while (!job.getJobStatus().get().isGloballyTerminalState()) {
            Thread.sleep(50);
        }
    }

    private static long accumulator(JobClient job, String name) throws Exception {
        Map<String, Object> values = new HashMap<>(job.getAccumulators().get());
        Object value = values.get(name);
        return value instanceof Number n ? n.longValue() : 0;
    }

    /** Subtasks of the job vertex that holds the {@code score} operator past SCHEDULED. */
    private static int scoringSubtasksOpened(MiniCluster cluster, JobClient job) throws Exception {
        int opened = 0;
        for (AccessExecutionJobVertex vertex :
                cluster.getExecutionGraph(job.getJobID()).get().getVerticesTopologically()) {
            if (!vertex.getName().contains("score")) {
                continue;
            }
            for (AccessExecutionVertex subtask : vertex.getTaskVertices()) {
                ExecutionState state = subtask.getExecutionState();
                if (state != ExecutionState.CREATED && state != ExecutionState.SCHEDULED) {
                    opened++;
                }
            }
        }
        return opened;
    }

    /**
     * Rows = {@code produced}, each source position once, ids once, y = 0.5x + 2 and {@code
     * _model_version} = {@code version} in every row.
     */
    private static void assertHalfPlusTwoOnce(List<Record> rows, int produced, String version) {
        ExactlyOnce.assertHalfPlusTwoOnce(rows, produced);
        ExactlyOnce.assertEveryRow(rows, ScoredRows.MODEL_VERSION, version);
    }

    private static void copy(Path from, Path to) throws Exception {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }
}
