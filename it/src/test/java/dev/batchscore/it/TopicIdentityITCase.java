package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.it.TestJobs.Ran;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.config.ConfigException;
import dev.batchscore.pipeline.runs.RunLedger;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.expressions.Expressions;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Positions belong to a topic, and a run never jumps over records silently: a topic deleted and
 * recreated is told apart by its Kafka topic id (a {@code resume} run fails before reading unless
 * {@code source.kafka.on-topic-recreated: earliest}), and offsets deleted by retention between a
 * savepoint and its resume fail the resumed run instead of being skipped. Real KRaft broker, Flink
 * MiniCluster, Iceberg Hadoop catalog, the half_plus_two model (y = 0.5x + 2 exactly).
 */
class TopicIdentityITCase {
    private static final int PARTITIONS = 2;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 2);

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    /**
     * The user's case: 1,000 records scored, the topic deleted and recreated with 1,500. The next
     * {@code resume} run fails before reading, naming the topic and both ids; told that the topic
     * was recreated it scores all 1,500 records of the new topic once (none dropped because its
     * offsets collide with the old topic's committed rows) and records the recreation; the run
     * after it goes on normally.
     */
    @Test
    void aRecreatedTopicFailsAResumeRunUnlessToldToReadItFromTheStart() throws Exception {
        String topic = "recreated";
        Path warehouse = scratch.resolve("warehouse-" + topic);
        String table = "it.recreated";
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, 1000));
        Ran first = TestJobs.run(plan(topic, warehouse, table));
        assertThat(rows(warehouse, table)).hasSize(1000);
        String oldId = topicId(topic);

        String newId = recreate(topic);
        assertThat(newId).isNotEqualTo(oldId);
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, 1500));

        int snapshots = snapshots(warehouse, table);
        assertThatThrownBy(() -> plan(topic, warehouse, table))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("'" + topic + "'")
                .hasMessageContaining(oldId)
                .hasMessageContaining(newId)
                .hasMessageContaining("--source.kafka.on-topic-recreated earliest");
        assertThat(snapshots(warehouse, table)).as("nothing written").isEqualTo(snapshots);

        Ran recreated =
                TestJobs.run(
                        plan(
                                topic,
                                warehouse,
                                table,
                                "--source.kafka.on-topic-recreated",
                                "earliest"));
        List<Record> newRows = rowsOf(warehouse, table, recreated.runId());
        ExactlyOnce.assertHalfPlusTwoOnce(newRows, 1500);
        assertThat(rows(warehouse, table)).hasSize(2500);
        ExactlyOnce.assertCompleteRun(TestJobs.table(warehouse, table), recreated.runId());
        Map<String, String> lineage = lineageOf(warehouse, table, recreated.runId());
        assertThat(lineage)
                .containsEntry("batchscore.topic-ids", topic + "=" + newId)
                .containsEntry("batchscore.topic-recreated", topic + " " + oldId + " -> " + newId);
        assertThat(lineageOf(warehouse, table, first.runId()))
                .containsEntry("batchscore.topic-ids", topic + "=" + oldId);

        // The next run continues after the recreating run, on the new topic.
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(1500, 10));
        Ran next = TestJobs.run(plan(topic, warehouse, table));
        assertThat(rowsOf(warehouse, table, next.runId()))
                .extracting(r -> (Long) r.getField("id"))
                .containsExactlyInAnyOrder(
                        1500L, 1501L, 1502L, 1503L, 1504L, 1505L, 1506L, 1507L, 1508L, 1509L);
    }

    /**
     * Retention deletes offsets a stopped run still has to read, between its savepoint and its
     * resume ({@code ./batchscore run --resume-from}): the resumed run fails with one line naming
     * the partition, the offset it needed and where the log starts now, writes nothing more and is
     * not complete, instead of jumping to the log start and reporting success.
     */
    @Test
    void offsetsDeletedBeforeAResumeFailTheRunInsteadOfBeingSkipped(
            @InjectMiniCluster MiniCluster cluster) throws Exception {
        String topic = "retention";
        Path warehouse = scratch.resolve("warehouse-" + topic);
        String table = "it.retention";
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, 600));
        List<String> args = args(topic, warehouse, table);
        args.addAll(ThrottlingInterceptor.jobArgs(40));
        JobPlan plan = TestJobs.plan(args);
        JobClient job = TestJobs.submit(plan, "stopped before retention");
        String savepoint =
                TestJobs.stopAfterFirstCommit(cluster, plan, job, scratch.resolve("sp-" + topic));
        int committed = rows(warehouse, table).size();
        assertThat(committed).as("rows committed before the stop").isBetween(1, 599);

        // Retention, as deleteRecords does it: every partition's log now starts at its end.
        KAFKA.deleteAllRecords(topic, PARTITIONS);

        List<String> resume = new ArrayList<>(List.of("run"));
        resume.addAll(args);
        resume.addAll(List.of("--resume-from", savepoint));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit =
                Main.run(
                        resume.toArray(new String[0]),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        String printed = err.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("exit code; stdout %s, stderr %s", out, printed).isEqualTo(1);
        assertThat(printed.lines().filter(l -> l.startsWith("batchscore run: ")))
                .as("one line for the user")
                .singleElement()
                .asString()
                .contains("no longer has offset")
                .contains("partition " + topic + "-")
                .contains("log now starts at 300")
                .contains("--source.kafka.on-missing-offsets skip");
        assertThat(rows(warehouse, table)).as("rows after the failed resume").hasSize(committed);
        assertThat(
                        new RunLedger(TestJobs.table(warehouse, table))
                                .isComplete(plan.run().pipelineId(), plan.run().runId()))
                .as("the run is not complete")
                .isFalse();
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> args(String topic, Path warehouse, String table) {
        List<String> args =
                TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse, table, "streaming");
        args.addAll(List.of("--source.kafka.starting-offsets", "resume"));
        args.addAll(TestJobs.checkpointsAndBatches("200 ms", 2, 16, "100 ms"));
        return args;
    }

    private static JobPlan plan(String topic, Path warehouse, String table, String... extra) {
        List<String> args = args(topic, warehouse, table);
        args.addAll(List.of(extra));
        return TestJobs.plan(args);
    }

    private static String topicId(String topic) throws Exception {
        try (Admin admin = KAFKA.admin()) {
            return admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .topicId()
                    .toString();
        }
    }

    /**
     * Deletes {@code topic} and creates it again, empty, once the broker let the name go; returns
     * the new topic's id once the broker's metadata has it.
     */
    private static String recreate(String topic) throws Exception {
        try (Admin admin = KAFKA.admin()) {
            admin.deleteTopics(List.of(topic)).all().get();
        }
        while (true) {
            try {
                KAFKA.createTopic(topic, PARTITIONS);
                break;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                Thread.sleep(100); // the deletion is still under way
            }
        }
        while (true) {
            try {
                return topicId(topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                Thread.sleep(100); // the new topic's metadata is on its way
            }
        }
    }

    private static List<Record> rows(Path warehouse, String table) throws Exception {
        return ExactlyOnce.rows(TestJobs.table(warehouse, table));
    }

    private static List<Record> rowsOf(Path warehouse, String table, String runId)
            throws Exception {
        return ExactlyOnce.rows(
                TestJobs.table(warehouse, table), Expressions.equal(ScoredRows.RUN_ID, runId));
    }

    private static int snapshots(Path warehouse, String table) {
        int n = 0;
        for (Snapshot ignored : TestJobs.table(warehouse, table).snapshots()) {
            n++;
        }
        return n;
    }

    /** The summary of run {@code runId}'s complete marker. */
    private static Map<String, String> lineageOf(Path warehouse, String table, String runId) {
        Table t = TestJobs.table(warehouse, table);
        for (Snapshot s : t.snapshots()) {
            if (runId.equals(s.summary().get(RunLedger.RUN_ID))
                    && RunLedger.COMPLETE.equals(s.summary().get(RunLedger.RUN_EVENT))) {
                return s.summary();
            }
        }
        throw new AssertionError("run " + runId + " has no complete marker");
    }
}
