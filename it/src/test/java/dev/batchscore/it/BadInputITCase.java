package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.batchscore.operators.ScoringFunction;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringJob;
import dev.batchscore.pipeline.config.JobConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Good records interleaved with every kind of bad record, spread over 4 partitions, through the
 * whole job (real KRaft broker, MiniCluster, Iceberg Hadoop catalog, TensorFlow): each bad record
 * lands once in the errors table with its stage, reason and raw bytes, the good ones are scored,
 * and good + dead-lettered + skipped = read, under each {@code errors.mode}.
 */
class BadInputITCase {
    private static final int PARTITIONS = 4;
    private static final int GOOD = 360;
    private static final int EVERY = 12; // one bad record after every EVERY good ones
    private static final String TOPIC = "mixed";

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 4);

    @TempDir static Path scratch;

    private static Path model;

    /** Every record written, in order; the i-th went to partition i % 4. */
    private static final List<Rec> RECORDS = new ArrayList<>();

    /** (partition@offset) of every record. */
    private static final Map<String, Rec> BY_POSITION = new HashMap<>();

    /** One record: its value, and for a bad one the stage and a piece of the reason it must get. */
    record Rec(int id, byte[] value, String stage, String reason) {
        boolean bad() {
            return stage != null;
        }
    }

    private static String good(int id) {
        return withInputs(id, "" + (id * 0.5), "" + (id % 7), "[1,2," + (id % 5) + "]", "\"1.5\"");
    }

    /** A record with every input the model reads, each given as its JSON text. */
    private static String withInputs(int id, String x, String n, String v, String s) {
        return "{\"id\":"
                + id
                + ",\"x\":"
                + x
                + ",\"n\":"
                + n
                + ",\"v\":"
                + v
                + ",\"s\":"
                + s
                + "}";
    }

    /** Every kind of bad record the issue lists, with the stage and reason each must get. */
    private static List<Rec> badKinds(int id) {
        String ok = "\"id\":" + id + ",\"n\":1,\"v\":[1,2,3],\"s\":\"2\"";
        StringBuilder big = new StringBuilder("{" + ok + ",\"x\":1,\"pad\":\"");
        big.append("p".repeat(3000)).append("\"}");
        return List.of(
                bad(id, "{\"id\":" + id + ",\"x\":", "decode", "not valid JSON"),
                new Rec(
                        id,
                        new byte[] {'{', '"', 'x', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}'},
                        "decode",
                        "not valid UTF-8"),
                bad(id, "[1,2,3]", "decode", "expected an object"),
                new Rec(id, null, "decode", "tombstone"),
                bad(id, "", "decode", "empty"),
                bad(id, big.toString(), "decode", "over errors.max-record-bytes"),
                bad(id, "{" + ok + "}", "encode", "field 'x' is missing"),
                bad(id, "{" + ok + ",\"x\":null}", "encode", "field 'x' is null"),
                bad(id, "{" + ok + ",\"x\":\"abc\"}", "encode", "field 'x' is a string (\"abc\")"),
                bad(
                        id,
                        withInputs(id, "1", "1", "[1,2]", "\"2\""),
                        "encode",
                        "field 'v' has 2 values, expected 3"),
                bad(
                        id,
                        withInputs(id, "1", "3000000000", "[1,2,3]", "\"2\""),
                        "encode",
                        "out of range for DT_INT32"),
                bad(id, withInputs(id, "1", "1.5", "[1,2,3]", "\"2\""), "encode", "not an integer"),
                bad(id, "{" + ok + ",\"x\":1e40}", "encode", "out of range for DT_FLOAT"),
                bad(id, "{" + ok + ",\"x\":NaN}", "encode", "non-finite values are rejected"),
                bad(
                        id,
                        withInputs(id, "1", "1", "[1,2,3]", "\"abc\""),
                        "score",
                        "signature 'serving_default' failed on this record: StringToNumberOp could not correctly"
                                + " convert string: abc"));
    }

    private static Rec bad(int id, String value, String stage, String reason) {
        return new Rec(id, value.getBytes(StandardCharsets.UTF_8), stage, reason);
    }

    @BeforeAll
    static void buildModelAndTopic() throws Exception {
        model = BadInputModel.build(scratch.resolve("model"));
        List<Rec> kinds = badKinds(-1);
        int id = 0;
        for (int i = 0; i < GOOD; i++) {
            RECORDS.add(new Rec(id, good(id).getBytes(StandardCharsets.UTF_8), null, null));
            id++;
            if (i % EVERY == EVERY - 1) {
                // Kind k goes after good record block k, cycling, so every kind appears twice or
                // more and on different partitions.
                Rec kind = kinds.get((i / EVERY) % kinds.size());
                RECORDS.add(new Rec(id++, kind.value(), kind.stage(), kind.reason()));
            }
        }
        KAFKA.createTopic(TOPIC, PARTITIONS);
        KAFKA.produceBytes(TOPIC, PARTITIONS, RECORDS.stream().map(Rec::value).toList());
        int[] next = new int[PARTITIONS];
        for (int i = 0; i < RECORDS.size(); i++) {
            int p = i % PARTITIONS;
            BY_POSITION.put(p + "@" + next[p]++, RECORDS.get(i));
        }
    }

    @Test
    void everyBadRecordIsDeadLetteredOnceWithStageReasonAndRawBytes() throws Exception {
        long bad = RECORDS.stream().filter(Rec::bad).count();
        assertThat(bad).isEqualTo(GOOD / EVERY);
        assertThat(RECORDS.stream().filter(Rec::bad).map(Rec::reason).distinct()).hasSize(15);

        Run run = run("dead_letter", "--errors.mode", "dead-letter");

        List<Record> scored = read(run.plan, false);
        assertThat(scored).hasSize(GOOD);
        for (Record row : scored) {
            Rec rec = BY_POSITION.get(position(row));
            assertThat(rec.bad()).as("scored %s", position(row)).isFalse();
            int id = rec.id();
            float expected =
                    BadInputModel.expected(
                            (float) (id * 0.5), id % 7, new float[] {1, 2, id % 5}, "1.5");
            assertThat((Float) row.getField("y")).as("y of %d", id).isEqualTo(expected);
        }

        List<Record> errors = read(run.plan, true);
        assertThat(errors).hasSize((int) bad);
        assertThat(errors.stream().map(BadInputITCase::position).distinct()).hasSize((int) bad);
        for (Record row : errors) {
            Rec rec = BY_POSITION.get(position(row));
            assertThat(rec.bad()).as("dead-lettered %s", position(row)).isTrue();
            assertThat(row.getField("stage"))
                    .as("stage of %s", rec.reason())
                    .isEqualTo(rec.stage());
            assertThat((String) row.getField("error_message"))
                    .contains(rec.reason())
                    .doesNotContain("\n");
            assertThat(row.getField("_source_topic")).isEqualTo(TOPIC);
            assertThat(row.getField("_source_timestamp")).isNotNull();
            ByteBuffer raw = (ByteBuffer) row.getField("raw_value");
            assertThat(raw == null ? null : bytes(raw))
                    .as("raw bytes of %s", rec.reason())
                    .isEqualTo(rec.value());
        }

        assertThat(run.counts()).containsExactly((long) RECORDS.size(), (long) GOOD, bad, 0L);
    }

    @Test
    void skipModeCountsBadRecordsAndWritesNoErrorRows() throws Exception {
        Run run = run("skip", "--errors.mode", "skip");
        assertThat(read(run.plan, false)).hasSize(GOOD);
        assertThat(read(run.plan, true)).isEmpty();
        long bad = RECORDS.size() - GOOD;
        assertThat(run.counts()).containsExactly((long) RECORDS.size(), (long) GOOD, 0L, bad);
    }

    @Test
    void failModeFailsTheRunNamingTheRecordAndTheOption() {
        Throwable failure = catchThrowable(() -> run("fail", "--errors.mode", "fail"));
        assertThat(rootMessages(failure))
                .anySatisfy(
                        m ->
                                assertThat(m)
                                        .startsWith("record " + TOPIC + "-")
                                        .contains(" failed at ")
                                        .contains("errors.mode is fail"));
    }

    @Test
    void tooLargeAShareOfBadRecordsFailsTheRun() {
        // About 1 in 13 records is bad: over 2 % once a subtask has read 50.
        Throwable failure =
                catchThrowable(
                        () ->
                                run(
                                        "ratio",
                                        "--errors.max-ratio",
                                        "0.02",
                                        "--errors.min-records",
                                        "50"));
        assertThat(rootMessages(failure))
                .anySatisfy(
                        m ->
                                assertThat(m)
                                        .startsWith("errors.max-ratio exceeded: ")
                                        .contains("raise errors.max-ratio"));
    }

    @Test
    void nonFiniteValuesReachTheModelWhenAllowed() throws Exception {
        Run run = run("nonfinite", "--errors.non-finite", "allow");
        long nan =
                RECORDS.stream()
                        .filter(r -> "non-finite values are rejected".equals(r.reason()))
                        .count();
        List<Record> scored = read(run.plan, false);
        assertThat(scored).hasSize(GOOD + (int) nan);
        assertThat(scored.stream().filter(r -> Float.isNaN((Float) r.getField("y"))))
                .hasSize((int) nan);
        assertThat(read(run.plan, true)).hasSize(RECORDS.size() - GOOD - (int) nan);
    }

    // ---------------------------------------------------------------- helpers

    record Run(JobPlan plan, JobExecutionResult result) {
        /** read, scored, dead-lettered, skipped, from the job's accumulators. */
        List<Long> counts() {
            long read = count(ScoringFunction.ACC_READ);
            long scored = count(ScoringFunction.ACC_SCORED);
            long dead = count(ScoringFunction.ACC_DEAD_LETTERED);
            long skipped = count(ScoringFunction.ACC_SKIPPED);
            assertThat(scored + dead + skipped)
                    .as("good + dead-lettered + skipped = read")
                    .isEqualTo(read);
            return List.of(read, scored, dead, skipped);
        }

        private long count(String name) {
            Object v = result.getAccumulatorResult(name);
            return v == null ? 0 : ((Number) v).longValue();
        }
    }

    private static Run run(String name, String... extra) throws Exception {
        Path warehouse = scratch.resolve("warehouse-" + name);
        List<String> args =
                TestJobs.jobArgs(KAFKA, TOPIC, model, warehouse, "it.bad_" + name, "streaming");
        args.addAll(TestJobs.checkpointsAndBatches("300 ms", 2, 16));
        args.addAll(List.of("--errors.max-record-bytes", "2 kb"));
        args.addAll(Arrays.asList(extra));
        JobConfig config = JobConfig.fromArgs(args.toArray(new String[0]));
        JobPlan plan = JobPlan.create(config);
        Configuration conf = config.settings().execution().flinkConfiguration();
        // A deliberate failure must end the run, not restart it forever.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        ScoringJob.build(env, plan);
        return new Run(plan, env.execute("it bad input " + name));
    }

    private static List<Record> read(JobPlan plan, boolean errors) throws Exception {
        Table table =
                plan.catalogLoader()
                        .loadCatalog()
                        .loadTable(errors ? plan.errorsTable() : plan.table());
        return ExactlyOnce.rows(table);
    }

    private static String position(Record row) {
        return row.getField("_source_partition") + "@" + row.getField("_source_offset");
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static List<String> rootMessages(Throwable t) {
        assertThat(t).as("the run fails").isNotNull();
        List<String> messages = new ArrayList<>();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null) {
                messages.add(c.getMessage());
            }
        }
        return messages;
    }
}
