package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.it.TestJobs.Ran;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.runs.RunLedger;
import dev.batchscore.pipeline.runs.SkipCommitted;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a run reads from Kafka beyond plain records, against a real KRaft broker, a Flink
 * MiniCluster, an Iceberg Hadoop catalog and a half_plus_two model ({@link TestJobs#halfPlusTwo}, y
 * = 0.5x + 2 exactly): transactions (committed read, aborted never, an open one neither read nor
 * waited for) and offsets Kafka deleted before the pipeline read them (a loud failure, or a
 * recorded skip).
 *
 * <p>Records are {@code {"x": id / 4, "id": id}}; every test checks rows by id, distinct (topic,
 * partition, offset) = rows and y = 0.5x + 2.
 */
class KafkaSemanticsITCase {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaSemanticsITCase.class);
    private static final int PARTITIONS = 2;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 4);

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    /**
     * 1,000 committed, 500 aborted, 1,000 committed transactional records and 50 plain ones, then a
     * transaction of 100 held open while 30 more plain records follow it. The {@code resume} run
     * stops at the last stable offset: it finishes with the 2,050 records before the open
     * transaction. A bounded run without planned positions ({@code timestamp:0}, resolved by the
     * connector) stops there too. Once the transaction commits, the next {@code resume} run adds
     * exactly its 100 records and the 30 after it; no aborted record is ever scored or
     * dead-lettered.
     */
    @Test
    @Timeout(600) // a run that waits for the open transaction would never end
    void anOpenTransactionDoesNotHoldTheRunAndAbortedRecordsAreNeverRead() throws Exception {
        String topic = "transactions";
        KAFKA.createTopic(topic, PARTITIONS);
        Set<Long> aborted = ids(10_000, 500);
        Set<Long> open = ids(20_000, 100);
        Set<Long> afterOpen = ids(3_050, 30);
        Set<Long> before = new TreeSet<>(ids(0, 2_000));
        before.addAll(ids(3_000, 50));

        try (KafkaProducer<byte[], byte[]> committer = KAFKA.transactionalProducer("committer");
                KafkaProducer<byte[], byte[]> holder = KAFKA.transactionalProducer("holder")) {
            transaction(committer, topic, ids(0, 1_000), true);
            transaction(committer, topic, aborted, false);
            transaction(committer, topic, ids(1_000, 1_000), true);
            KAFKA.produce(topic, PARTITIONS, values(ids(3_000, 50)));
            holder.beginTransaction();
            send(holder, topic, open);
            holder.flush();
            KAFKA.produce(topic, PARTITIONS, values(afterOpen));

            Map<TopicPartition, Long> stable = endOffsets(topic, IsolationLevel.READ_COMMITTED);
            Map<TopicPartition, Long> watermark =
                    endOffsets(topic, IsolationLevel.READ_UNCOMMITTED);
            LOG.info(
                    "Open transaction: last stable offsets {}, high watermarks {}",
                    stable,
                    watermark);
            for (TopicPartition tp : stable.keySet()) {
                assertThat(stable.get(tp)).as("LSO of %s", tp).isLessThan(watermark.get(tp));
            }

            long started = System.nanoTime();
            Ran first = run(topic, "it.transactions", "resume");
            Table scored = table("it.transactions");
            LOG.info(
                    "resume run with a transaction open: {} rows in {} ms, end positions {}",
                    rows(scored).size(),
                    (System.nanoTime() - started) / 1_000_000,
                    first.plan().run().end());
            assertThat(first.plan().run().end().asMap())
                    .as("a resume run plans to stop at the last stable offsets")
                    .isEqualTo(stable);
            assertThat(ScoringRun.isComplete(first.plan()))
                    .as("the job marked its run complete")
                    .isTrue();
            assertRows(rows(scored), before);
            assertThat(rows(table("it.transactions_errors"))).as("dead letters").isEmpty();

            // Resolved by the connector at job start, not planned by the client: the same stop.
            Ran byTimestamp = run(topic, "it.transactions_ts", "timestamp:0");
            assertThat(byTimestamp.plan().run().end()).isNull();
            assertThat(ScoringRun.isComplete(byTimestamp.plan()))
                    .as("the job marked its run complete")
                    .isTrue();
            assertRows(rows(table("it.transactions_ts")), before);

            holder.commitTransaction();
        }

        Ran second = run(topic, "it.transactions", "resume");
        assertThat(SkipCommitted.skipped(second.result())).isZero();
        Set<Long> all = new TreeSet<>(before);
        all.addAll(open);
        all.addAll(afterOpen);
        List<Record> rows = rows(table("it.transactions"));
        assertRows(rows, all);
        assertThat(rows.size() - before.size()).as("rows the second run added").isEqualTo(130);
        assertThat(rows(table("it.transactions_errors"))).as("dead letters").isEmpty();
        LOG.info(
                "after the commit: second run read {} .. {}, {} rows in all, none of {} aborted",
                second.plan().run().start(),
                second.plan().run().end(),
                rows.size(),
                aborted.size());
    }

    /**
     * After a complete run, records are produced and Kafka deletes some of them ({@code
     * deleteRecords}, what retention does) before the next run: that {@code resume} run fails
     * before it writes anything, in one stderr line naming topic, partition and range. With {@code
     * source.kafka.on-missing-offsets: skip} it scores exactly what Kafka still has and records the
     * missing range in the lineage of its snapshots.
     */
    @Test
    void offsetsKafkaDeletedBeforeTheRunFailItUnlessSkipped() throws Exception {
        String topic = "retention-gap";
        String tableName = "it.retention_gap";
        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, values(ids(0, 200)));
        run(topic, tableName, "resume");
        Table scored = table(tableName);
        Table errors = table(tableName + "_errors");
        assertRows(rows(scored), ids(0, 200));

        // Ids 200.. go to partition id % 2 at offsets 100..199; Kafka then drops the first 50 of
        // partition 0 (ids 200, 202, ..., 298) and the first 20 of partition 1 (201, ..., 239).
        KAFKA.produce(topic, PARTITIONS, values(ids(200, 200)));
        try (Admin admin = KAFKA.admin()) {
            admin.deleteRecords(
                            Map.of(
                                    new TopicPartition(topic, 0), RecordsToDelete.beforeOffset(150),
                                    new TopicPartition(topic, 1),
                                            RecordsToDelete.beforeOffset(120)))
                    .all()
                    .get();
        }
        Set<Long> kept = new TreeSet<>(ids(0, 400));
        for (long k = 0; k < 50; k++) {
            kept.remove(200 + 2 * k);
        }
        for (long k = 0; k < 20; k++) {
            kept.remove(201 + 2 * k);
        }

        List<Long> scoredSnapshots = snapshotIds(scored);
        List<Long> errorSnapshots = snapshotIds(errors);
        List<String> argv = new ArrayList<>(List.of("run"));
        argv.addAll(jobArgs(topic, tableName, "resume"));
        CliRun gap = CliRun.of(argv);
        LOG.info("resume run over a gap: exit {}, stderr: {}", gap.exit(), gap.stderr());
        assertThat(gap.exit()).as("exit code").isNotZero();
        assertThat(gap.stderr().lines().toList())
                .as("stderr")
                .singleElement()
                .asString()
                .startsWith("batchscore run: ")
                .contains("Kafka no longer has 70 records")
                .contains("topic 'retention-gap' partition 0 offsets 100 to 149 (50 records)")
                .contains("topic 'retention-gap' partition 1 offsets 100 to 119 (20 records)")
                .contains("--source.kafka.on-missing-offsets skip");
        assertThat(gap.stdout()).doesNotContain("wrote");
        assertThat(snapshotIds(table(tableName))).as("scored snapshots").isEqualTo(scoredSnapshots);
        assertThat(snapshotIds(table(tableName + "_errors")))
                .as("errors snapshots")
                .isEqualTo(errorSnapshots);

        Ran skipped = run(topic, tableName, "resume", "--source.kafka.on-missing-offsets", "skip");
        assertThat(ScoringRun.isComplete(skipped.plan()))
                .as("the job marked its run complete")
                .isTrue();
        String missing = "retention-gap:0=100-150,retention-gap:1=100-120";
        assertThat(skipped.plan().run().missing().format()).isEqualTo(missing);
        assertThat(skipped.plan().run().start().format())
                .isEqualTo("retention-gap:0=150,retention-gap:1=120");
        assertRows(rows(table(tableName)), kept);

        int dataSnapshots = 0;
        boolean completeMarker = false;
        for (Snapshot s : table(tableName).snapshots()) {
            Map<String, String> summary = s.summary();
            if (!skipped.plan().run().runId().equals(summary.get(RunLedger.RUN_ID))) {
                assertThat(summary).doesNotContainKey(RunLedger.MISSING_POSITIONS);
                continue;
            }
            assertThat(summary)
                    .as("lineage of snapshot %d", s.snapshotId())
                    .containsEntry(RunLedger.MISSING_POSITIONS, missing);
            if (Long.parseLong(summary.getOrDefault("added-records", "0")) > 0) {
                dataSnapshots++;
            }
            completeMarker |= RunLedger.COMPLETE.equals(summary.get(RunLedger.RUN_EVENT));
        }
        assertThat(dataSnapshots).as("data snapshots of the skipping run").isPositive();
        assertThat(completeMarker).as("complete marker of the skipping run").isTrue();
        LOG.info(
                "skip run: {} rows now, {} records skipped as missing ({}), {} data snapshots",
                kept.size(),
                skipped.plan().run().missing().count(),
                missing,
                dataSnapshots);
    }

    // ---------------------------------------------------------------- helpers

    private static List<String> jobArgs(String topic, String table, String offsets) {
        List<String> args =
                TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse(), table, "streaming");
        args.addAll(List.of("--source.kafka.starting-offsets", offsets));
        args.addAll(TestJobs.checkpointsAndBatches("300 ms", 2, 64, "100 ms"));
        return args;
    }

    /** One run as the CLI does it (plan, build, started marker, execute, marker), on FLINK. */
    private static Ran run(String topic, String table, String offsets, String... extra)
            throws Exception {
        List<String> args = jobArgs(topic, table, offsets);
        Collections.addAll(args, extra);
        return TestJobs.run(TestJobs.plan(args));
    }

    private static Path warehouse() {
        return scratch.resolve("warehouse");
    }

    private static Table table(String name) {
        return TestJobs.table(warehouse(), name);
    }

    private static List<Record> rows(Table table) throws Exception {
        return ExactlyOnce.rows(table);
    }

    private static List<Long> snapshotIds(Table table) {
        table.refresh();
        List<Long> ids = new ArrayList<>();
        table.snapshots().forEach(s -> ids.add(s.snapshotId()));
        return ids;
    }

    /** Rows are exactly {@code expected} by id, each position once, y = 0.5x + 2. */
    private static void assertRows(List<Record> rows, Set<Long> expected) {
        ExactlyOnce.assertHalfPlusTwoOnce(rows, expected.size());
        assertThat(rows.stream().map(r -> (Long) r.getField("id")).collect(Collectors.toSet()))
                .as("ids of the rows")
                .isEqualTo(expected);
    }

    private static Set<Long> ids(long first, int count) {
        return LongStream.range(first, first + count)
                .boxed()
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> values(Set<Long> ids) {
        return ids.stream().map(KafkaSemanticsITCase::value).toList();
    }

    private static String value(long id) {
        return ExactlyOnce.halfPlusTwoRecord(id);
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String topic, Set<Long> ids) {
        for (long id : ids) {
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            (int) (id % PARTITIONS),
                            null,
                            value(id).getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static void transaction(
            KafkaProducer<byte[], byte[]> producer, String topic, Set<Long> ids, boolean commit) {
        producer.beginTransaction();
        send(producer, topic, ids);
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    private static Map<TopicPartition, Long> endOffsets(String topic, IsolationLevel isolation)
            throws Exception {
        Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
        }
        try (Admin admin = KAFKA.admin()) {
            Map<TopicPartition, Long> out = new HashMap<>();
            admin.listOffsets(specs, new ListOffsetsOptions(isolation))
                    .all()
                    .get()
                    .forEach((tp, info) -> out.put(tp, info.offset()));
            return out;
        }
    }
}
