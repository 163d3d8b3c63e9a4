package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.it.TestJobs.Ran;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.ScoringJob;
import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.runs.QualityCheckException;
import dev.batchscore.pipeline.runs.QualityChecks;
import dev.batchscore.pipeline.runs.RunHistory;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run history table ({@code <table>_runs}) and the {@code quality.*} checks, against a real
 * KRaft broker, a Flink MiniCluster, an Iceberg Hadoop catalog and half_plus_two (y = 0.5x + 2):
 * the job writes one row per run, the rows are read back with Iceberg's own generic reader, the
 * drift of a shifted input is caught, and a failing check exits 5 with its rows committed.
 */
class RunHistoryITCase {
    private static final int BATCH_SIZE = 32;

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension static final MiniClusterExtension FLINK = TestJobs.miniCluster(1, 4);

    @RegisterExtension static final HalfPlusTwoModel MODEL = new HalfPlusTwoModel();

    @TempDir static Path scratch;

    /**
     * Three runs of one pipeline: the first two read x uniform in [0, 10), the third x in [6, 16).
     * The second run's PSI against the first is small, the third's is far above 0.2; with {@code
     * quality.on-violation: fail} the CLI exits 5 and the third run's rows are committed.
     */
    @Test
    void aShiftedInputDriftsAndFailsTheRunAfterItsRowsAreCommitted() throws Exception {
        Scenario s = new Scenario("drift", "it.drift");
        Random random = new Random(7);
        s.produce(uniform(random, 0, 600, 0, 10), null);
        Ran first = s.run();
        s.produce(uniform(random, 600, 600, 0, 10), null);
        Ran second = s.run("--quality.max-drift", "0.2", "--quality.on-violation", "fail");
        assertThat(ScoringJob.checkQuality(second.plan())).hasSize(1);

        s.produce(uniform(random, 1200, 600, 6, 16), null);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = s.args();
        Collections.addAll(args, "--quality.max-drift", "0.2", "--quality.on-violation", "fail");
        int exit =
                Main.run(
                        prepend("run", args),
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(exit)
                .as("exit code; stderr: %s", err.toString(StandardCharsets.UTF_8))
                .isEqualTo(QualityChecks.EXIT_CODE);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("quality.max-drift", "'y'");
        // Nothing is lost: the failing run's rows are committed.
        assertThat(ExactlyOnce.rows(s.table())).hasSize(1800);

        List<RunHistory.Row> rows = RunHistory.read(s.runs(), first.plan().run().pipelineId());
        assertThat(rows).hasSize(3);
        assertThat(rows).allMatch(r -> r.ended().equals(RunHistory.COMPLETE));
        assertThat(rows).extracting(RunHistory.Row::recordsRead).containsExactly(600L, 600L, 600L);
        assertThat(rows)
                .extracting(RunHistory.Row::recordsScored)
                .containsExactly(600L, 600L, 600L);
        RunHistory.OutputStats y1 = rows.get(0).output("y").orElseThrow();
        assertThat(y1.count()).isEqualTo(600);
        assertThat(y1.min()).isBetween(2.0, 2.1);
        assertThat(y1.max()).isBetween(6.9, 7.0);
        assertThat(y1.mean()).isBetween(4.3, 4.7); // 0.5 * 5 + 2
        assertThat(y1.quantiles()[3]).as("median").isBetween(4.2, 4.8);
        assertThat(y1.psi()).as("no previous run").isNull();
        double psi2 = rows.get(1).output("y").orElseThrow().psi();
        double psi3 = rows.get(2).output("y").orElseThrow().psi();
        assertThat(psi2).as("same distribution").isLessThan(0.2);
        assertThat(psi3).as("shifted distribution").isGreaterThan(1.0);
        assertThat(rows.get(1).violations()).isEmpty();
        assertThat(rows.get(1).qualityFailed()).isFalse();
        assertThat(rows.get(2).violations()).singleElement().asString().contains("max-drift");
        assertThat(rows.get(2).qualityFailed()).isTrue();
        assertThat(rows.get(2).onViolation()).isEqualTo("fail");

        // Any engine reads the table: here Iceberg's own generic reader, column by column.
        List<Record> raw = new ArrayList<>();
        try (CloseableIterable<Record> it = IcebergGenerics.read(s.runs()).build()) {
            it.forEach(raw::add);
        }
        assertThat(raw).hasSize(3);
        for (Record r : raw) {
            assertThat(r.getField("records_read")).isEqualTo(600L);
            assertThat((OffsetDateTime) r.getField("finished_at"))
                    .isAfterOrEqualTo((OffsetDateTime) r.getField("started_at"));
            assertThat((String) r.getField("end_offsets")).contains("drift");
            assertThat((List<?>) r.getField("outputs")).hasSize(1);
        }

        // The report reads only the tables: a console table and a page with its charts.
        Path reportDir = scratch.resolve("report-drift");
        ByteArrayOutputStream reportOut = new ByteArrayOutputStream();
        List<String> reportArgs = s.args();
        Collections.addAll(reportArgs, "--runs", "3", "--out", reportDir.toString());
        assertThat(
                        Main.run(
                                prepend("report", reportArgs),
                                new PrintStream(reportOut, true, StandardCharsets.UTF_8),
                                new PrintStream(err, true, StandardCharsets.UTF_8)))
                .as("report exit code; stderr: %s", err.toString(StandardCharsets.UTF_8))
                .isZero();
        String console = reportOut.toString(StandardCharsets.UTF_8);
        assertThat(console.lines().filter(l -> l.contains(" complete "))).hasSize(3);
        assertThat(console).contains("FAILED quality.max-drift");
        assertPageHasItsCharts(
                reportDir,
                List.of("distribution-y.png", "records.png", "input-age.png", "drift.png"));
    }

    /**
     * report.html embeds every chart, each the same PNG as the file beside it, and each PNG is a
     * drawn chart: full size, many colours, a good share of non-white pixels.
     */
    private static void assertPageHasItsCharts(Path dir, List<String> charts) throws Exception {
        String html = Files.readString(dir.resolve("report.html"));
        Matcher img =
                Pattern.compile("<img alt=\"[^\"]+\" src=\"data:image/png;base64,([^\"]+)\">")
                        .matcher(html);
        List<byte[]> embedded = new ArrayList<>();
        while (img.find()) {
            embedded.add(Base64.getDecoder().decode(img.group(1)));
        }
        assertThat(embedded).as("charts embedded in report.html").hasSize(charts.size());
        for (int i = 0; i < charts.size(); i++) {
            byte[] file = Files.readAllBytes(dir.resolve(charts.get(i)));
            assertThat(embedded.get(i)).as(charts.get(i)).isEqualTo(file);
            BufferedImage image = ImageIO.read(new ByteArrayInputStream(file));
            assertThat(image.getWidth()).isEqualTo(900);
            assertThat(image.getHeight()).isEqualTo(420);
            Set<Integer> colours = new HashSet<>();
            long drawn = 0;
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    int rgb = image.getRGB(x, y) & 0xFFFFFF;
                    colours.add(rgb);
                    if (rgb != 0xFFFFFF) {
                        drawn++;
                    }
                }
            }
            assertThat(colours.size()).as("colours in %s", charts.get(i)).isGreaterThan(20);
            assertThat(drawn)
                    .as("drawn pixels in %s", charts.get(i))
                    .isGreaterThan(image.getWidth() * image.getHeight() / 50L);
        }
    }

    /**
     * A detached run over records stamped two days ago: the job itself records the stale input and,
     * with {@code fail}, the failed verdict the client would exit on. Then an empty run violates
     * {@code quality.min-records} and only warns.
     */
    @Test
    void aDetachedRunOverStaleRecordsRecordsTheViolationItself() throws Exception {
        Scenario s = new Scenario("stale", "it.stale");
        long twoDaysAgo = Instant.now().minus(Duration.ofDays(2)).toEpochMilli();
        s.produce(uniform(new Random(3), 0, 200, 0, 10), twoDaysAgo);
        JobPlan plan =
                s.plan(
                        "--quality.max-input-age",
                        "1 h",
                        "--quality.min-records",
                        "1",
                        "--quality.on-violation",
                        "fail");
        JobClient client = TestJobs.submit(plan, "detached stale run");
        JobStatus status = client.getJobStatus().get();
        while (!status.isGloballyTerminalState()) {
            Thread.sleep(100);
            status = client.getJobStatus().get();
        }
        assertThat(status).isEqualTo(JobStatus.FINISHED);
        RunHistory.Row row =
                RunHistory.read(s.runs(), plan.run().pipelineId()).stream()
                        .filter(r -> r.runId().equals(plan.run().runId()))
                        .findFirst()
                        .orElseThrow();
        assertThat(row.recordsRead()).isEqualTo(200);
        assertThat(row.newestRecordAt()).isEqualTo(Instant.ofEpochMilli(twoDaysAgo));
        assertThat(row.inputAgeMs()).isGreaterThan(Duration.ofDays(2).toMillis() - 1);
        assertThat(row.violations()).singleElement().asString().contains("max-input-age");
        assertThat(row.qualityFailed()).isTrue();
        assertThatThrownBy(() -> ScoringJob.checkQuality(plan))
                .isInstanceOf(QualityCheckException.class)
                .hasMessageContaining("stale input");

        // Nothing new on the topic: a broken upstream, recorded and warned about.
        Ran empty = s.run("--quality.min-records", "1");
        List<RunHistory.Row> rows = ScoringJob.checkQuality(empty.plan());
        assertThat(rows)
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.recordsRead()).isZero();
                            assertThat(r.violations())
                                    .singleElement()
                                    .asString()
                                    .contains("min-records");
                            assertThat(r.qualityFailed()).isFalse();
                            assertThat(r.onViolation()).isEqualTo("warn");
                        });
    }

    private static String[] prepend(String first, List<String> rest) {
        List<String> all = new ArrayList<>();
        all.add(first);
        all.addAll(rest);
        return all.toArray(new String[0]);
    }

    /** Records {@code {"x": v, "id": id}} with v uniform in [from, to). */
    private static List<String> uniform(
            Random random, long firstId, int count, double from, double to) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            double x = from + random.nextDouble() * (to - from);
            out.add("{\"x\":" + x + ",\"id\":" + (firstId + i) + "}");
        }
        return out;
    }

    private static final class Scenario {
        final String topic;
        final String table;
        final Path warehouse;

        Scenario(String topic, String table) throws Exception {
            this.topic = topic;
            this.table = table;
            this.warehouse = scratch.resolve("warehouse-" + topic);
            KAFKA.createTopic(topic, 2);
        }

        /** Produces {@code values}, with {@code timestamp} as their Kafka timestamp if not null. */
        void produce(List<String> values, Long timestamp) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
            props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "1");
            try (KafkaProducer<byte[], byte[]> producer =
                    new KafkaProducer<>(
                            props, new ByteArraySerializer(), new ByteArraySerializer())) {
                for (int i = 0; i < values.size(); i++) {
                    producer.send(
                            new ProducerRecord<>(
                                    topic,
                                    i % 2,
                                    timestamp,
                                    null,
                                    values.get(i).getBytes(StandardCharsets.UTF_8)));
                }
                producer.flush();
            }
        }

        List<String> args(String... extra) {
            List<String> args =
                    TestJobs.jobArgs(KAFKA, topic, MODEL.path(), warehouse, table, "streaming");
            args.addAll(List.of("--source.kafka.starting-offsets", "resume"));
            args.addAll(TestJobs.checkpointsAndBatches("300 ms", 2, BATCH_SIZE, "100 ms"));
            Collections.addAll(args, extra);
            return args;
        }

        JobPlan plan(String... extra) {
            return TestJobs.plan(args(extra));
        }

        Ran run(String... extra) throws Exception {
            return TestJobs.run(plan(extra));
        }

        Table table() {
            return TestJobs.table(warehouse, table);
        }

        Table runs() {
            return TestJobs.table(warehouse, table + "_runs");
        }
    }
}
