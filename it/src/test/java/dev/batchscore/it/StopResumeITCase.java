package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.cli.RunCommand;
import dev.batchscore.pipeline.cli.StopCommand;
import dev.batchscore.pipeline.config.JobConfig;
import dev.batchscore.pipeline.runs.RunHistory;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.Savepoints;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stop with savepoint, then resume: a bounded STREAMING run is stopped through {@link StopCommand}
 * (Flink's REST stop-with-savepoint) after k Iceberg commits, and a new job resumed from the
 * savepoint with {@code --resume-from} must finish (FLINK-33466: a restored bounded KafkaSource
 * never did) with every record produced before the first run started in the table exactly once.
 * Records produced while the run is stopped belong to the next run, not to the resumed one.
 *
 * <p>The model upgrade case resumes with a new model.path: rows scored before the stop carry
 * version 1 and version 1's scores, the rest version 2 and version 2's scores.
 */
class StopResumeITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 1000;
    private static final int LATE_RECORDS = 100;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 2);

    @TempDir static Path scratch;

    private static Path modelV1;
    private static Path modelV2;
    private static List<String> records;
    private static Map<Long, Float> scoresV1;
    private static Map<Long, Float> scoresV2;

    @BeforeAll
    static void buildModels() throws Exception {
        modelV1 = ExactlyOnce.tabularVersion(scratch.resolve("v1"), 42, 1);
        modelV2 = ExactlyOnce.tabularVersion(scratch.resolve("v2"), 4242, 2);
        records = ExactlyOnce.tabularRecords(0, RECORDS, 7);
        List<String> all = new ArrayList<>(records);
        all.addAll(ExactlyOnce.tabularRecords(RECORDS, LATE_RECORDS, 8));
        scoresV1 = ExactlyOnce.scoreDirectly(modelV1.resolve("1"), all);
        scoresV2 = ExactlyOnce.scoreDirectly(modelV2.resolve("2"), all);
    }

    @ParameterizedTest(name = "stopped after {0} commits")
    @ValueSource(ints = {1, 3, 6})
    void resumedRunFinishesWithEveryRecordOnce(int commits, @InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String topic = "stop-" + commits;
        Map<String, Long> perVersion =
                stopAndResume(cluster, topic, commits, modelV1, modelV1, "it.stop_" + commits);
        assertThat(perVersion).containsOnlyKeys("1");
    }

    @Test
    void resumingWithANewModelPathScoresTheRestWithTheNewVersion(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        Map<String, Long> perVersion =
                stopAndResume(cluster, "upgrade", 2, modelV1, modelV2, "it.upgrade");
        assertThat(perVersion).as("rows per _model_version").containsOnlyKeys("1", "2");
    }

    /**
     * The user's path: {@code batchscore run} (its own MiniCluster) stopped by {@code batchscore
     * stop <job-id>} without --rest-url, which exits 3 and prints the resume command; running that
     * command finishes the run. With {@code --drain} too: a drained stop is a stop, not the end of
     * the input (the run is not complete), and since every task of a drained savepoint is finished,
     * the resume reruns the run's range minus what it committed instead of restoring it.
     */
    @ParameterizedTest(name = "drain {0}")
    @ValueSource(booleans = {false, true})
    void runCommandReportsTheStopAndItsResumeCommandFinishes(boolean drain) throws Exception {
        String topic = drain ? "cli-drain" : "cli";
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, records);
        Path warehouse = scratch.resolve("warehouse-" + topic);
        String[] args = args(topic, modelV1, warehouse, drain ? "it.cli_drain" : "it.cli", null);
        JobPlan plan = JobPlan.create(JobConfig.fromArgs(args));
        ScoringRun.release(plan); // only planned for its table helpers: the run command runs

        PipedOutputStream pipe = new PipedOutputStream();
        BufferedReader lines =
                new BufferedReader(
                        new InputStreamReader(
                                new PipedInputStream(pipe, 1 << 16), StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(pipe, true, StandardCharsets.UTF_8);
        CompletableFuture<Integer> run =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return RunCommand.run(args, out, out);
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            } finally {
                                out.close();
                            }
                        });
        List<String> printed = new ArrayList<>();
        String jobId = null;
        while (jobId == null) {
            String line = lines.readLine();
            if (line == null) {
                run.get(); // surfaces the run's failure
            }
            assertThat(line)
                    .as("run output ended before the job was submitted: %s", printed)
                    .isNotNull();
            printed.add(line);
            Matcher m = Pattern.compile("job ([0-9a-f]{32}) submitted").matcher(line);
            if (m.find()) {
                jobId = m.group(1);
            }
        }
        while (ExactlyOnce.dataCommits(plan) < 2) {
            assertThat(run).as("run ended before 2 commits").isNotDone();
            Thread.sleep(50);
        }
        ByteArrayOutputStream stopOut = new ByteArrayOutputStream();
        PrintStream stopPrint = new PrintStream(stopOut, true, StandardCharsets.UTF_8);
        List<String> stopArgs =
                new ArrayList<>(
                        List.of(
                                "stop",
                                jobId,
                                "--savepoint-dir",
                                scratch.resolve("sp-" + topic).toString()));
        if (drain) {
            stopArgs.add("--drain");
        }
        assertThat(Main.run(stopArgs.toArray(new String[0]), stopPrint, stopPrint))
                .as("stop: %s", stopOut)
                .isZero();
        for (String line; (line = lines.readLine()) != null; ) {
            printed.add(line);
        }
        assertThat(run.get(1, TimeUnit.MINUTES))
                .as("exit code of a run stopped with a savepoint; it printed:%n%s", printed)
                .isEqualTo(3);
        String resumeLine =
                printed.stream()
                        .filter(l -> l.startsWith("resume: ./batchscore run "))
                        .findFirst()
                        .orElseThrow();
        assertThat(String.join("\n", printed)).contains("stopped with savepoint ");
        String savepoint = resumeLine.substring(resumeLine.lastIndexOf(' ') + 1);
        assertThat(stopOut.toString(StandardCharsets.UTF_8)).contains(savepoint);
        // The resume restores even a drained savepoint: on Flink 2.1 its operators are not marked
        // finished (docs/runs.md relies on it).
        assertThat(
                        Savepoints.metadata(savepoint).getOperatorStates().stream()
                                .allMatch(OperatorState::isFullyFinished))
                .as("every operator finished in the savepoint of a stop, drain %s", drain)
                .isFalse();
        String pipeline = plan.run().pipelineId();
        assertThat(ledger(plan).hasCompleteRun(pipeline)).as("a stopped run is complete").isFalse();
        assertThat(ledger(plan).latestIncomplete(pipeline)).as("the stopped run").isPresent();
        int committedAtStop = ExactlyOnce.rows(plan).size();
        assertThat(committedAtStop).as("rows committed by the stopped run").isLessThan(RECORDS);

        List<String> resumeArgs = new ArrayList<>(List.of(args));
        resumeArgs.add("--resume-from");
        resumeArgs.add(savepoint);
        ByteArrayOutputStream second = new ByteArrayOutputStream();
        PrintStream secondOut = new PrintStream(second, true, StandardCharsets.UTF_8);
        assertThat(RunCommand.run(resumeArgs.toArray(new String[0]), secondOut, secondOut))
                .as("resumed run: %s", second)
                .isZero();
        ExactlyOnce.assertExactlyOnce(ExactlyOnce.rows(plan), RECORDS, Map.of("1", scoresV1));
        assertThat(ledger(plan).hasCompleteRun(pipeline)).as("the resumed run completed").isTrue();
        assertThat(ledger(plan).latestIncomplete(pipeline)).isEmpty();
        assertStoppedAndResumedRowsAddUp(plan);
    }

    /**
     * {@code batchscore run} commits its first rows as soon as it has scored them, not at its first
     * checkpoint interval: with the interval an hour long, the run still commits twice, once early
     * (LocalRunner's early checkpoints) and once at the end of its input, every row once.
     */
    @Test
    void runCommandCommitsItsFirstRowsLongBeforeItsCheckpointInterval() throws Exception {
        String topic = "cli-early";
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, records);
        List<String> args =
                TestJobs.jobArgs(
                        KAFKA,
                        topic,
                        modelV1,
                        scratch.resolve("warehouse-" + topic),
                        "it.cli_early",
                        "streaming");
        // ~5 s per reader, and one checkpoint an hour.
        args.addAll(ThrottlingInterceptor.jobArgs(40));
        args.addAll(TestJobs.checkpointsAndBatches("1 h", 2, 16, "100 ms"));
        String[] argv = args.toArray(new String[0]);
        JobPlan plan = JobPlan.create(JobConfig.fromArgs(argv));
        ScoringRun.release(plan); // only planned for its table helpers: the run command runs

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream print = new PrintStream(out, true, StandardCharsets.UTF_8);
        assertThat(RunCommand.run(argv, print, print)).as("run: %s", out).isZero();

        assertThat(ExactlyOnce.dataCommits(plan))
                .as("commits with rows: an early one and the last")
                .isGreaterThanOrEqualTo(2);
        ExactlyOnce.assertExactlyOnce(ExactlyOnce.rows(plan), RECORDS, Map.of("1", scoresV1));
    }

    /**
     * The run history has two rows for the run, its stopped part and its resumed part, whose
     * records read and rows written add up to the run's records.
     */
    private static void assertStoppedAndResumedRowsAddUp(JobPlan plan) {
        List<RunHistory.Row> runs =
                RunHistory.read(
                        plan.catalogLoader()
                                .loadCatalog()
                                .loadTable(RunHistory.tableFor(plan.table())),
                        plan.run().pipelineId());
        // One run (the run command's own, in the CLI test: plan is only its table helper).
        assertThat(runs).hasSize(2);
        assertThat(runs).extracting(RunHistory.Row::runId).containsOnly(runs.get(0).runId());
        assertThat(runs)
                .extracting(RunHistory.Row::ended)
                .containsExactly(RunHistory.STOPPED, RunHistory.COMPLETE);
        assertThat(runs).allSatisfy(r -> assertThat(r.recordsRead()).isPositive());
        assertThat(runs.stream().mapToLong(RunHistory.Row::recordsRead).sum())
                .as("records read by the two parts")
                .isEqualTo(RECORDS);
        assertThat(runs.stream().mapToLong(r -> r.recordsScored() + r.recordsDeadLettered()).sum())
                .as("rows written by the two parts")
                .isEqualTo(RECORDS);
        assertThat(runs.get(1).startedAt()).isAfterOrEqualTo(runs.get(0).finishedAt());
    }

    private static RunLedger ledger(JobPlan plan) {
        return new RunLedger(plan.catalogLoader().loadCatalog().loadTable(plan.table()));
    }

    /** Runs, stops after {@code commits} commits, resumes with {@code resumeModel}, checks. */
    private static Map<String, Long> stopAndResume(
            MiniCluster cluster,
            String topic,
            int commits,
            Path model,
            Path resumeModel,
            String table)
            throws Exception {
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, records);
        Path warehouse = scratch.resolve("warehouse-" + topic);

        JobPlan plan = JobPlan.create(config(topic, model, warehouse, table, null));
        JobClient first = TestJobs.submit(plan, table + " first");
        awaitCommits(cluster, plan, first, commits);

        String savepoint =
                StopCommand.stop(
                        cluster.getRestAddress().get(),
                        first.getJobID(),
                        scratch.resolve("savepoints-" + topic).toUri().toString(),
                        false);
        first.getJobExecutionResult().get(1, TimeUnit.MINUTES);
        assertThat(
                        Savepoints.stopSavepoint(
                                cluster.getArchivedExecutionGraph(first.getJobID()).get()))
                .as("the runner sees the job was stopped with this savepoint")
                .isEqualTo(savepoint);
        Set<Long> committedBeforeResume =
                ExactlyOnce.rows(plan).stream()
                        .map(r -> (Long) r.getField("id"))
                        .collect(Collectors.toSet());
        assertThat(committedBeforeResume.size())
                .as("rows committed before the stop")
                .isBetween(1, RECORDS - 1);

        // Produced while stopped: after the first run's stopping offsets, so not part of this run.
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.tabularRecords(RECORDS, LATE_RECORDS, 8));

        JobPlan resumed = JobPlan.create(config(topic, resumeModel, warehouse, table, savepoint));
        StreamExecutionEnvironment env2 = TestJobs.built(resumed);
        assertThat(resumed.run().runId())
                .as("the resumed job continues the stopped run (run ledger)")
                .isEqualTo(plan.run().runId());
        JobClient second = env2.executeAsync("it " + table + " resumed");
        try {
            JobExecutionResult result = second.getJobExecutionResult().get(3, TimeUnit.MINUTES);
            assertThat(ScoringRun.isComplete(resumed))
                    .as("the resumed job read to the end of the run's input and marked the run")
                    .isTrue();
            // The ledger's skip-committed filter is a second line of defence; Flink's state must
            // be enough: nothing the resumed job read had been committed before.
            assertThat((Long) result.getAccumulatorResult(SkipCommitted.SKIPPED))
                    .as("records the resumed job re-read although committed")
                    .isZero();
        } catch (TimeoutException e) {
            second.cancel().get();
            throw new AssertionError(
                    "the bounded job resumed from " + savepoint + " did not finish (FLINK-33466)",
                    e);
        }

        List<Record> rows = ExactlyOnce.rows(resumed);
        Map<String, Long> perVersion =
                ExactlyOnce.assertExactlyOnce(rows, RECORDS, Map.of("1", scoresV1, "2", scoresV2));
        assertThat(rows.stream().mapToLong(r -> (Long) r.getField("id")).max().getAsLong())
                .as("no record produced after the first run started")
                .isLessThan(RECORDS);
        assertThat(rows)
                .filteredOn(r -> committedBeforeResume.contains((Long) r.getField("id")))
                .as("rows committed before the stop keep the version that scored them")
                .allSatisfy(r -> assertThat(r.getField("_model_version")).isEqualTo("1"));
        assertStoppedAndResumedRowsAddUp(plan);
        return perVersion;
    }

    /** Waits until the job has committed {@code commits} Iceberg snapshots; fails if it ended. */
    private static void awaitCommits(MiniCluster cluster, JobPlan plan, JobClient job, int commits)
            throws Exception {
        while (ExactlyOnce.dataCommits(plan) < commits) {
            var failure = cluster.getExecutionGraph(job.getJobID()).get().getFailureInfo();
            assertThat(failure)
                    .as("no task failure expected before the stop")
                    .satisfiesAnyOf(
                            f -> assertThat(f).isNull(),
                            f -> assertThat(f.getExceptionAsString()).isEmpty());
            JobStatus status = job.getJobStatus().get();
            assertThat(status.isGloballyTerminalState())
                    .as(
                            "job ended (%s) before %d commits: the run is too fast to stop",
                            status, commits)
                    .isFalse();
            Thread.sleep(50);
        }
    }

    private static JobConfig config(
            String topic, Path model, Path warehouse, String table, String resumeFrom) {
        return JobConfig.fromArgs(args(topic, model, warehouse, table, resumeFrom));
    }

    private static String[] args(
            String topic, Path model, Path warehouse, String table, String resumeFrom) {
        List<String> args = TestJobs.jobArgs(KAFKA, topic, model, warehouse, table, "streaming");
        // 5 records per poll, 40 ms each: ~5 s per reader for 500 records, so a stop after a few
        // 200 ms checkpoints lands half way.
        args.addAll(ThrottlingInterceptor.jobArgs(40));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 16, "100 ms"));
        if (resumeFrom != null) {
            args.add("--resume-from");
            args.add(resumeFrom);
        }
        return args.toArray(new String[0]);
    }
}
