package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringRun;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A TaskManager dies half way through a bounded run. The MiniCluster has two TaskManagers with one
 * slot each and the job runs at parallelism 2, so both hold tasks; at a point of progress drawn
 * from the seed (records consumed by the source readers) one of them, also drawn from the seed, is
 * terminated and a fresh one started in its place. STREAMING restarts from the last checkpoint;
 * BATCH re-runs the failed tasks and commits once at the end. Either way the table must hold every
 * record exactly once with the model's own score, and the job must really have restarted tasks.
 */
class FailoverITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 800;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension
    static final MiniClusterExtension FLINK = TestJobs.miniCluster(sharedJvmConfiguration(), 2, 1);

    @TempDir static Path scratch;

    /**
     * All TaskManagers of a MiniCluster share one JVM and its classes. A class initialised by a
     * task of the TaskManager we kill keeps that TaskManager's (then closed) user-code class
     * loader, which Flink's leak check turns into errors for every later job in the JVM (seen:
     * Iceberg's AvroIO). On a real cluster the killed TaskManager's classes die with its process.
     */
    private static Configuration sharedJvmConfiguration() {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        return conf;
    }

    private static Path model;
    private static List<String> records;
    private static Map<Long, Float> scores;

    /** MiniCluster task manager indexes that are alive (terminated ones keep their index). */
    private static final List<Integer> liveTaskManagers = new ArrayList<>(List.of(0, 1));

    private static int nextTaskManager = 2;

    @BeforeAll
    static void buildModelAndRecords() throws Exception {
        model = ExactlyOnce.tabularVersion(scratch.resolve("model"), 42, 1);
        records = ExactlyOnce.tabularRecords(0, RECORDS, 11);
        scores = ExactlyOnce.scoreDirectly(model.resolve("1"), records);
    }

    @ParameterizedTest(name = "{0} mode, seed {1}")
    @CsvSource({"streaming, 1", "streaming, 2", "streaming, 3", "batch, 4", "batch, 5"})
    void lostTaskManagerLosesAndDuplicatesNothing(
            String mode, long seed, @InjectMiniCluster MiniCluster cluster) throws Exception {
        Random random = new Random(seed);
        String topic = "failover-" + mode + "-" + seed;
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, records);

        JobPlan plan = TestJobs.plan(args(topic, scratch.resolve("wh-" + topic), mode));
        StreamExecutionEnvironment env = TestJobs.built(plan);

        // Between 10% and 70% of the records read: early, in the middle, or late in the run.
        long killAt = (long) (RECORDS * (0.1 + 0.6 * random.nextDouble()));
        ThrottlingInterceptor.reset();
        JobClient job = env.executeAsync("it failover " + topic);
        while (ThrottlingInterceptor.CONSUMED.get() < killAt) {
            assertThat(job.getJobStatus().get().isGloballyTerminalState())
                    .as("job ended before %d records were read", killAt)
                    .isFalse();
            Thread.sleep(10);
        }
        int victim = liveTaskManagers.remove(random.nextInt(liveTaskManagers.size()));
        cluster.terminateTaskManager(victim).get();
        cluster.startTaskManager();
        liveTaskManagers.add(nextTaskManager++);

        job.getJobExecutionResult().get(3, TimeUnit.MINUTES);

        AccessExecutionGraph graph = cluster.getArchivedExecutionGraph(job.getJobID()).get();
        int restartedTasks = 0;
        for (AccessExecutionVertex vertex : graph.getAllExecutionVertices()) {
            if (vertex.getCurrentExecutionAttempt().getAttemptNumber() > 0) {
                restartedTasks++;
            }
        }
        assertThat(restartedTasks)
                .as("tasks re-run after TaskManager %d died", victim)
                .isPositive();
        ExactlyOnce.assertExactlyOnce(ExactlyOnce.rows(plan), RECORDS, Map.of("1", scores));
    }

    /**
     * Retention deletes the records past the last checkpoint while a TaskManager is down: the
     * restored readers find their offsets gone. The run fails with the one line that names the
     * partition, the offset it needed and where the log starts now (not restarted over and over),
     * is not complete, and nothing past the gap is committed as if it had been read.
     */
    @Test
    void retentionPastTheCheckpointBeforeARestartFailsTheRun(@InjectMiniCluster MiniCluster cluster)
            throws Exception {
        String topic = "failover-retention";
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, records);
        List<String> args = args(topic, scratch.resolve("wh-" + topic), "streaming");
        args.addAll(List.of("--execution.restart.delay", "3 s"));
        JobPlan plan = TestJobs.plan(args);
        ThrottlingInterceptor.reset();
        JobClient job = TestJobs.submit(plan, "failover " + topic);
        while (ExactlyOnce.dataCommits(plan) < 1) {
            assertThat(job.getJobStatus().get().isGloballyTerminalState())
                    .as("job ended before its first commit")
                    .isFalse();
            Thread.sleep(10);
        }
        int victim = liveTaskManagers.remove(0);
        cluster.terminateTaskManager(victim).get();
        // Within the restart delay: every partition's log now starts at its end.
        KAFKA.deleteAllRecords(topic, PARTITIONS);
        cluster.startTaskManager();
        liveTaskManagers.add(nextTaskManager++);

        Throwable failure =
                catchThrowable(() -> job.getJobExecutionResult().get(3, TimeUnit.MINUTES));
        assertThat(failure).as("the run after retention deleted what it had not read").isNotNull();
        assertThat(ExceptionUtils.stringifyException(failure)).contains("its log now starts at");
        // One restart, for the lost TaskManager; the missing offsets are not retried (restart
        // attempts allowed: 5).
        int attempts = 0;
        for (AccessExecutionVertex vertex :
                cluster.getArchivedExecutionGraph(job.getJobID()).get().getAllExecutionVertices()) {
            attempts = Math.max(attempts, vertex.getCurrentExecutionAttempt().getAttemptNumber());
        }
        assertThat(attempts).as("the highest attempt number of a task").isEqualTo(1);
        assertThat(ScoringRun.isComplete(plan)).as("the run is complete").isFalse();
        List<Record> rows = ExactlyOnce.rows(plan);
        assertThat(rows.stream().map(ExactlyOnce::position).distinct().count())
                .as("distinct positions")
                .isEqualTo(rows.size());
        assertThat(rows.size()).as("rows committed").isLessThan(RECORDS);
    }

    private static List<String> args(String topic, Path warehouse, String mode) {
        List<String> args =
                TestJobs.jobArgs(
                        KAFKA,
                        topic,
                        model,
                        warehouse,
                        "it.failover_" + topic.replace('-', '_'),
                        mode);
        // 5 records per poll, 30 ms each: a few seconds per reader, so the TaskManager dies while
        // records are in flight, not after the end.
        args.addAll(ThrottlingInterceptor.jobArgs(30));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 16, "100 ms"));
        args.addAll(
                List.of(
                        "--execution.restart.max-attempts",
                        "5",
                        "--execution.restart.delay",
                        "500 ms"));
        return args;
    }
}
