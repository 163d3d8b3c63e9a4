package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.within;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.models.BatchScorer;
import dev.batchscore.models.ModelOptions;
import dev.batchscore.models.ModelRegistry;
import dev.batchscore.models.SavedModel;
import dev.batchscore.models.ScoreResult;
import dev.batchscore.pipeline.kafka.BatchscoreModule;
import dev.batchscore.sql.ScoringMetrics;
import dev.batchscore.sql.SqlScript;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SQL scripts with the {@code tensorflow} model provider end to end: a real KRaft broker read by
 * Flink's Kafka SQL connector ({@code scan.bounded.mode}), ML_PREDICT on a MiniCluster with real
 * TensorFlow, and Iceberg's Flink catalog (Hadoop, on disk) as the sink. Every script is what a
 * user would pass to {@code ./batchscore sql -f}.
 */
class SqlITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 1003;
    private static final int BATCH_SIZE = 64;
    private static final String SESSION =
            "SET 'parallelism.default' = '2';\n"
                    + "SET 'execution.checkpointing.interval' = '2 s';\n";

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            TestJobs.miniCluster(ScoringMetrics.enable(new Configuration()), 1, 4);

    @TempDir static Path scratch;

    private static Path halfPlusTwo;

    @BeforeAll
    static void topics() throws Exception {
        halfPlusTwo = TestJobs.halfPlusTwoFixture().toAbsolutePath().normalize();
        List<String> records = new ArrayList<>();
        for (long id = 0; id < RECORDS; id++) {
            records.add(ExactlyOnce.halfPlusTwoRecord(id));
        }
        KAFKA.createTopic("hpt", PARTITIONS);
        KAFKA.produce("hpt", PARTITIONS, records);
    }

    /** half_plus_two from TF Serving's fixtures: y = 0.5x + 2 exactly, every record once. */
    @Test
    void halfPlusTwoIntoIceberg() throws Exception {
        String script =
                kafkaTable("hpt", "records", "x FLOAT, id BIGINT")
                        + iceberg("hpt_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.hpt (id BIGINT, x FLOAT, y FLOAT);\n"
                        + "CREATE MODEL half_plus_two\n"
                        + "  INPUT (x FLOAT)\n"
                        + "  OUTPUT (y FLOAT)\n"
                        + "  WITH ('provider' = 'tensorflow', 'path' = '"
                        + halfPlusTwo
                        + "', 'batch.size' = '"
                        + BATCH_SIZE
                        + "', 'batch.max-delay' = '2 s');\n"
                        + "INSERT INTO ice.db.hpt\n"
                        + "  SELECT id, x, y FROM ML_PREDICT(TABLE records, MODEL half_plus_two,"
                        + " DESCRIPTOR(x));\n";
        SqlScript.Summary summary = run(script);

        List<Record> rows = rows("hpt_wh", "hpt");
        Set<Long> ids = new HashSet<>();
        for (Record row : rows) {
            ids.add((Long) row.getField("id"));
            ExactlyOnce.assertHalfPlusTwo(row);
        }
        assertThat(rows).hasSize(RECORDS);
        assertThat(ids).as("distinct ids (0 duplicates)").hasSize(RECORDS);
        assertThat(summary.rows()).isEqualTo(RECORDS);
        assertThat(summary.rejected()).isZero();
        // a full topic fills batches: at most rows / (batch.size / 2) model calls
        assertThat(summary.calls()).isPositive().isLessThanOrEqualTo(RECORDS / (BATCH_SIZE / 2));
        assertThat(summary.line())
                .isEqualTo(
                        "sql: " + RECORDS + " rows scored in " + summary.calls() + " model calls");
    }

    /**
     * Two models in one INSERT, as docs/multi-model.md shows it: half_plus_two, then
     * half_plus_three over a view of the first one's rows, and their mean: the topic is read once,
     * every row holds both scores and the mean (0.5x + 2.5 exactly), and each model still gets its
     * rows in batches (at most 2 x rows / (batch.size / 2) model calls for the two).
     */
    @Test
    void twoModelsAndTheirMeanInOneInsert() throws Exception {
        Path halfPlusThree =
                dev.batchscore.models.testing.TfServingFixtures.savedModel(
                                "saved_model_half_plus_three")
                        .toAbsolutePath()
                        .normalize();
        String script =
                kafkaTable("hpt", "records", "x FLOAT, id BIGINT")
                        + iceberg("ens_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.ens"
                        + " (id BIGINT, x FLOAT, two_y FLOAT, three_y FLOAT, mean_y DOUBLE);\n"
                        + model("two", "x FLOAT", "y FLOAT", "'batch.size' = '64'")
                        + "CREATE MODEL three INPUT (x FLOAT) OUTPUT (y FLOAT) WITH ('provider' ="
                        + " 'tensorflow', 'path' = '"
                        + halfPlusThree
                        + "', 'batch.size' = '64');\n"
                        + "CREATE TEMPORARY VIEW by_two AS SELECT id, x, y AS two_y\n"
                        + "  FROM ML_PREDICT(TABLE records, MODEL two, DESCRIPTOR(x));\n"
                        + "INSERT INTO ice.db.ens\n"
                        + "  SELECT id, x, two_y, y AS three_y, (CAST(two_y AS DOUBLE) + y) / 2\n"
                        + "  FROM ML_PREDICT(TABLE by_two, MODEL three, DESCRIPTOR(x));\n";
        SqlScript.Summary summary = run(script);
        List<Record> rows = rows("ens_wh", "ens");
        assertThat(rows).hasSize(RECORDS);
        assertThat(rows.stream().map(r -> r.getField("id")).distinct().count()).isEqualTo(RECORDS);
        for (Record r : rows) {
            double x = (Float) r.getField("x");
            assertThat((Float) r.getField("two_y")).isEqualTo((float) (0.5 * x + 2));
            assertThat((Float) r.getField("three_y")).isEqualTo((float) (0.5 * x + 3));
            assertThat((Double) r.getField("mean_y")).isEqualTo(0.5 * x + 2.5);
        }
        assertThat(summary.rows()).as("rows scored, by both models").isEqualTo(2L * RECORDS);
        assertThat(summary.calls())
                .as("model calls of both models")
                .isPositive()
                .isLessThanOrEqualTo(2 * RECORDS / 32);
    }

    /**
     * An Avro topic read by Flink's own {@code avro} format (what {@code ./batchscore sql} puts on
     * its classpath), records written by Avro's {@code GenericDatumWriter}: every record once, y =
     * 0.5x + 2 exactly, and the model's rows still go to it in batches.
     */
    @Test
    void avroTopicThroughFlinksAvroFormat() throws Exception {
        int records = 300;
        org.apache.avro.Schema schema =
                new org.apache.avro.Schema.Parser()
                        .parse(
                                "{\"type\":\"record\",\"name\":\"record\",\"fields\":["
                                        + "{\"name\":\"x\",\"type\":\"float\"},"
                                        + "{\"name\":\"id\",\"type\":\"long\"}]}");
        List<byte[]> values = new ArrayList<>();
        for (long id = 0; id < records; id++) {
            org.apache.avro.generic.GenericRecord r =
                    new org.apache.avro.generic.GenericData.Record(schema);
            r.put("x", (float) (id * 0.25));
            r.put("id", id);
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            org.apache.avro.io.BinaryEncoder encoder =
                    org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
            new org.apache.avro.generic.GenericDatumWriter<org.apache.avro.generic.GenericRecord>(
                            schema)
                    .write(r, encoder);
            encoder.flush();
            values.add(out.toByteArray());
        }
        KAFKA.createTopic("hpt-avro", PARTITIONS);
        KAFKA.produceBytes("hpt-avro", PARTITIONS, values);
        String script =
                kafkaTable("hpt-avro", "records", "x FLOAT NOT NULL, id BIGINT NOT NULL")
                                .replace("'format' = 'json'", "'format' = 'avro'")
                        + iceberg("avro_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.hpt (id BIGINT, x FLOAT, y FLOAT);\n"
                        + model("half_plus_two", "x FLOAT", "y FLOAT", "'batch.size' = '32'")
                        + "INSERT INTO ice.db.hpt\n"
                        + "  SELECT id, x, y FROM ML_PREDICT(TABLE records, MODEL half_plus_two,"
                        + " DESCRIPTOR(x));\n";
        SqlScript.Summary summary = run(script);
        List<Record> rows = rows("avro_wh", "hpt");
        rows.forEach(ExactlyOnce::assertHalfPlusTwo);
        assertThat(rows).hasSize(records);
        assertThat(rows.stream().map(r -> r.getField("id")).distinct().count()).isEqualTo(records);
        assertThat(summary.calls()).isPositive().isLessThan(records / 4);
    }

    /**
     * Stop-with-savepoint half way (no drain, as {@code ./batchscore stop} does) and a resume from
     * that savepoint: the resumed job finishes (FLINK-33466 would leave it waiting forever without
     * the batchscore module), and the table holds every record once.
     */
    @Test
    void stopWithSavepointAndResume() throws Exception {
        // The interceptor slows the readers down (5 records per poll, 100 ms per poll) and counts
        // what they read, so the stop comes at a chosen point of progress.
        String script =
                kafkaTable(
                                "hpt",
                                "records",
                                "x FLOAT, id BIGINT",
                                "'properties.max.poll.records' = '5',"
                                        + " 'properties.interceptor.classes' = '"
                                        + ThrottlingInterceptor.class.getName()
                                        + "', 'properties."
                                        + ThrottlingInterceptor.DELAY_KEY
                                        + "' = '100'")
                        + iceberg("resume_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.hpt (id BIGINT, x FLOAT, y FLOAT);\n"
                        + model(
                                "half_plus_two",
                                "x FLOAT",
                                "y FLOAT",
                                "'batch.size' = '8', 'batch.max-delay' = '500 ms'")
                        + "INSERT INTO ice.db.hpt\n"
                        + "  SELECT id, x, y FROM ML_PREDICT(TABLE records, MODEL half_plus_two,"
                        + " DESCRIPTOR(x));\n";
        String savepointDir = scratch.resolve("savepoints").toUri().toString();
        ThrottlingInterceptor.reset();
        CompletableFuture<String> savepoint = new CompletableFuture<>();
        SqlScript first =
                script(new AtomicInteger())
                        .onSubmit(
                                job ->
                                        CompletableFuture.runAsync(
                                                () -> {
                                                    try {
                                                        while (ThrottlingInterceptor.CONSUMED.get()
                                                                < RECORDS / 3) {
                                                            Thread.sleep(50);
                                                        }
                                                        savepoint.complete(
                                                                job.stopWithSavepoint(
                                                                                false,
                                                                                savepointDir,
                                                                                SavepointFormatType
                                                                                        .CANONICAL)
                                                                        .get(2, TimeUnit.MINUTES));
                                                    } catch (Throwable t) {
                                                        savepoint.completeExceptionally(t);
                                                    }
                                                }));
        SqlScript.Summary stopped = first.run(SESSION + script);
        String path = savepoint.get(1, TimeUnit.MINUTES);
        int before = rows("resume_wh", "hpt").size();
        assertThat(before).as("rows committed by the stopped job").isBetween(1, RECORDS - 1);
        assertThat(stopped.resumedFrom()).isNull();

        AtomicReference<JobClient> resumedJob = new AtomicReference<>();
        CompletableFuture<SqlScript.Summary> resumed =
                CompletableFuture.supplyAsync(
                        () -> {
                            try {
                                return script(new AtomicInteger())
                                        .onSubmit(resumedJob::set)
                                        .run(
                                                SESSION
                                                        + "SET 'execution.state-recovery.path' = '"
                                                        + path
                                                        + "';\n"
                                                        + script);
                            } catch (Exception e) {
                                throw new CompletionException(e);
                            }
                        });
        SqlScript.Summary summary;
        try {
            summary = resumed.get(3, TimeUnit.MINUTES);
        } catch (TimeoutException e) {
            if (resumedJob.get() != null) {
                resumedJob.get().cancel().get(1, TimeUnit.MINUTES);
            }
            throw new AssertionError(
                    "the SQL job resumed from "
                            + path
                            + " did not finish within 3 minutes (FLINK-33466: a restored Kafka"
                            + " enumerator never signals no more splits)",
                    e);
        }

        List<Record> rows = rows("resume_wh", "hpt");
        Set<Long> ids = new HashSet<>();
        for (Record row : rows) {
            ids.add((Long) row.getField("id"));
            ExactlyOnce.assertHalfPlusTwo(row);
        }
        assertThat(rows).as("rows = records").hasSize(RECORDS);
        assertThat(ids).as("distinct ids (0 duplicates)").hasSize(RECORDS);
        assertThat(summary.resumedFrom()).isEqualTo(path);
        // The resumed job's own counts: the rows the stopped job committed are not scored again
        // (rows in ML_PREDICT's flight at the stop are in the savepoint and scored once more).
        assertThat(summary.rows()).isGreaterThanOrEqualTo(RECORDS - before).isLessThan(RECORDS);
        assertThat(summary.line()).contains("resumed from " + path);
    }

    /**
     * A transactional topic as a user measured it: 1,000 committed, 500 aborted, 1,000 committed
     * records, and a last transaction of 100 left open (neither committed nor aborted) while the
     * jobs run. {@code ./batchscore sql} reads read_committed and stops at the last stable offset:
     * exactly the 2,000 committed records, each once, y = 0.5x + 2, and the job finishes. A table
     * that sets {@code 'properties.isolation.level' = 'read_uncommitted'} keeps it (through the
     * module in a TableEnvironment): every record the broker holds, the aborted and the open ones.
     */
    @Test
    void transactionalTopicIsReadCommittedByDefault() throws Exception {
        String topic = "hpt-transactions";
        KAFKA.createTopic(topic, PARTITIONS);
        String insert =
                iceberg("txn_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.hpt (id BIGINT, x FLOAT, y FLOAT);\n"
                        + model("half_plus_two", "x FLOAT", "y FLOAT", "'batch.size' = '64'")
                        + "INSERT INTO ice.db.hpt\n"
                        + "  SELECT id, x, y FROM ML_PREDICT(TABLE records, MODEL half_plus_two,"
                        + " DESCRIPTOR(x));\n";
        try (KafkaProducer<byte[], byte[]> committer =
                        KAFKA.transactionalProducer("sql-committer");
                KafkaProducer<byte[], byte[]> holder = KAFKA.transactionalProducer("sql-holder")) {
            transaction(committer, topic, 0, 1_000, true);
            transaction(committer, topic, 10_000, 500, false);
            transaction(committer, topic, 1_000, 1_000, true);
            holder.beginTransaction();
            send(holder, topic, 20_000, 100);
            holder.flush();

            Path script = scratch.resolve("transactions.sql");
            Files.writeString(
                    script, SESSION + kafkaTable(topic, "records", "x FLOAT, id BIGINT") + insert);
            CompletableFuture<CliRun> sql =
                    CompletableFuture.supplyAsync(
                            () ->
                                    CliRun.of(
                                            List.of(
                                                    "sql",
                                                    "-f",
                                                    script.toString(),
                                                    "--parallelism",
                                                    "2")));
            CliRun run;
            try {
                run = sql.get(5, TimeUnit.MINUTES);
            } catch (TimeoutException e) {
                holder.abortTransaction(); // lets the job end, so that it does not outlive the test
                throw new AssertionError(
                        "./batchscore sql did not finish with a transaction open: it waits for"
                                + " offsets above the last stable offset; after the abort: "
                                + sql.get(5, TimeUnit.MINUTES).stdout(),
                        e);
            }
            assertThat(run.exit()).as(run.stderr()).isZero();

            List<Record> rows = rows("txn_wh", "hpt");
            rows.forEach(ExactlyOnce::assertHalfPlusTwo);
            Set<Long> ids = new HashSet<>();
            rows.forEach(r -> ids.add((Long) r.getField("id")));
            System.out.printf(
                    "read_committed by default: %d rows, %d distinct ids%n",
                    rows.size(), ids.size());
            assertThat(rows).as("rows = committed records").hasSize(2_000);
            assertThat(ids)
                    .as("ids of the committed records, 0 duplicates")
                    .isEqualTo(ids(0, 2_000));
            assertThat(run.stdout()).contains("sql: 2000 rows scored");

            // The table's own isolation level wins: everything up to the high watermark.
            run(
                    kafkaTable(
                                    topic,
                                    "records",
                                    "x FLOAT, id BIGINT",
                                    "'properties.isolation.level' = 'read_uncommitted'")
                            + insert.replace("ice.db.hpt", "ice.db.uncommitted"));
            List<Record> uncommitted = rows("txn_wh", "uncommitted");
            uncommitted.forEach(ExactlyOnce::assertHalfPlusTwo);
            Set<Long> all = ids(0, 2_000);
            all.addAll(ids(10_000, 500));
            all.addAll(ids(20_000, 100));
            assertThat(uncommitted)
                    .as("rows = every record, aborted and open ones too")
                    .hasSize(2_600);
            assertThat(
                            uncommitted.stream()
                                    .map(r -> (Long) r.getField("id"))
                                    .collect(Collectors.toSet()))
                    .isEqualTo(all);
            holder.abortTransaction();
        }
    }

    /** The reference text model (the demo's sentiment model), its input mapped to a column. */
    @Test
    void sentimentIntoIceberg() throws Exception {
        Path model = ReferenceModels.buildText(scratch.resolve("text-model"), 42);
        List<String> texts = new ArrayList<>();
        List<String> records = new ArrayList<>();
        String[] words = {"great", "terrible", "fine", "awful", "love it", "broken again", ""};
        for (int i = 0; i < 300; i++) {
            String text = words[i % words.length] + " product " + i;
            texts.add(text);
            records.add("{\"review_id\":" + i + ",\"review_text\":\"" + text + "\"}");
        }
        KAFKA.createTopic("reviews", PARTITIONS);
        KAFKA.produce("reviews", PARTITIONS, records);
        String script =
                kafkaTable("reviews", "reviews", "review_id BIGINT, review_text STRING")
                        + iceberg("text_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.scored_reviews"
                        + " (review_id BIGINT, review_text STRING, sentiment FLOAT);\n"
                        + "CREATE MODEL sentiment\n"
                        + "  INPUT (review_text STRING)\n"
                        + "  OUTPUT (sentiment FLOAT)\n"
                        + "  WITH ('provider' = 'tensorflow', 'path' = 'file://"
                        + model.getParent()
                        + "', 'signature' = 'serving_default', 'input.text' = 'review_text',"
                        + " 'batch.size' = '32');\n"
                        + "INSERT INTO ice.db.scored_reviews\n"
                        + "  SELECT review_id, review_text, sentiment"
                        + " FROM ML_PREDICT(TABLE reviews, MODEL sentiment, DESCRIPTOR(review_text));\n";
        SqlScript.Summary summary = run(script);

        Map<String, Float> expected = new HashMap<>();
        try (SavedModel direct = ModelRegistry.acquire(model, ModelOptions.defaults())) {
            BatchScorer scorer = direct.scorer(ModelOptions.DEFAULT_SIGNATURE);
            List<Map<String, Object>> inputs = new ArrayList<>();
            for (String t : texts) {
                inputs.add(Map.of(ReferenceModels.TEXT_INPUT, t));
            }
            ScoreResult result = scorer.score(inputs);
            for (int i = 0; i < texts.size(); i++) {
                expected.put(
                        texts.get(i), (Float) result.outputs(i).get(ReferenceModels.TEXT_OUTPUT));
            }
        }
        List<Record> rows = rows("text_wh", "scored_reviews");
        assertThat(rows).hasSize(texts.size());
        assertThat(rows.stream().map(r -> r.getField("review_id")).distinct()).hasSize(300);
        for (Record row : rows) {
            String text = (String) row.getField("review_text");
            // batches of 32 here, one of 300 directly: TensorFlow's reductions may round apart
            assertThat((Float) row.getField("sentiment"))
                    .as(text)
                    .isCloseTo(expected.get(text), within(1e-6f));
        }
        assertThat(summary.rows()).isEqualTo(texts.size());
    }

    /**
     * A record the model rejects (no x): with 'error-column' its row keeps the reason and null
     * outputs; without, the job fails naming the reason.
     */
    @Test
    void poisonousRecord() throws Exception {
        KAFKA.createTopic("poison", 1);
        KAFKA.produce(
                "poison",
                1,
                List.of(
                        ExactlyOnce.halfPlusTwoRecord(1),
                        "{\"id\":2}",
                        ExactlyOnce.halfPlusTwoRecord(3)));
        String common =
                kafkaTable("poison", "records", "x FLOAT, id BIGINT")
                        + "CREATE TABLE out_rows (id BIGINT, y FLOAT, why STRING)"
                        + " WITH ('connector' = 'blackhole');\n";
        String script =
                common
                        + iceberg("poison_wh")
                        + "CREATE TABLE IF NOT EXISTS ice.db.poison (id BIGINT, y FLOAT, why STRING);\n"
                        + model(
                                "half_plus_two",
                                "x FLOAT",
                                "y FLOAT, why STRING",
                                "'error-column' = 'why'")
                        + "INSERT INTO ice.db.poison SELECT id, y, why"
                        + " FROM ML_PREDICT(TABLE records, MODEL half_plus_two, DESCRIPTOR(x));\n";
        SqlScript.Summary summary = run(script);
        Map<Long, Record> byId = new HashMap<>();
        for (Record row : rows("poison_wh", "poison")) {
            byId.put((Long) row.getField("id"), row);
        }
        assertThat(byId).hasSize(3);
        assertThat(byId.get(2L).getField("y")).isNull();
        assertThat((String) byId.get(2L).getField("why"))
                .contains("encode")
                .contains("model input 'x'");
        assertThat(byId.get(1L).getField("why")).isNull();
        assertThat((Float) byId.get(3L).getField("y")).isEqualTo(0.5f * 0.75f + 2);
        assertThat(summary.rows()).isEqualTo(2);
        assertThat(summary.rejected()).isEqualTo(1);

        String failing =
                "SET 'restart-strategy.type' = 'none';\n"
                        + common
                        + model("half_plus_two", "x FLOAT", "y FLOAT", "'batch.size' = '4'")
                        + "INSERT INTO out_rows SELECT id, y, CAST(NULL AS STRING)"
                        + " FROM ML_PREDICT(TABLE records, MODEL half_plus_two, DESCRIPTOR(x));\n";
        assertThatThrownBy(() -> run(failing))
                .satisfies(
                        e ->
                                assertThat(messages(e))
                                        .contains("model 'half_plus_two' rejected a row: encode:")
                                        .contains("set 'error-column'"));
    }

    /** A CREATE MODEL that does not fit the signature is refused when the INSERT is planned. */
    @Test
    void mismatchedModelRefusedAtPlanning() {
        String table = kafkaTable("hpt", "records", "x FLOAT, id BIGINT");
        String sink =
                "CREATE TABLE out_rows (id BIGINT, y STRING) WITH ('connector' = 'blackhole');\n";
        String insert =
                "INSERT INTO out_rows SELECT id, CAST(y AS STRING)"
                        + " FROM ML_PREDICT(TABLE records, MODEL half_plus_two, DESCRIPTOR(x));\n";
        AtomicInteger submitted = new AtomicInteger();
        // INPUT type
        assertThat(
                        refusal(
                                submitted,
                                "CREATE TABLE records (x STRING, id BIGINT) WITH ('connector' ="
                                        + " 'datagen', 'number-of-rows' = '1');\n"
                                        + sink
                                        + model("half_plus_two", "x STRING", "y FLOAT", null)
                                        + insert))
                .isEqualTo(
                        "model 'half_plus_two': INPUT column 'x' is STRING, but signature"
                                + " 'serving_default' input 'x' (tensor x:0) is DT_FLOAT [-1,1]:"
                                + " declare it as x FLOAT");
        // OUTPUT name
        assertThat(
                        refusal(
                                submitted,
                                table
                                        + sink
                                        + model("half_plus_two", "x FLOAT", "z FLOAT", null)
                                        + insert.replace("y AS", "z AS")))
                .startsWith(
                        "model 'half_plus_two': OUTPUT column 'z' is no output of signature"
                                + " 'serving_default' (outputs: y FLOAT)");
        // OUTPUT type
        assertThat(
                        refusal(
                                submitted,
                                table
                                        + sink
                                        + model("half_plus_two", "x FLOAT", "y BIGINT", null)
                                        + insert))
                .contains("OUTPUT column 'y' is BIGINT")
                .endsWith("declare it as y FLOAT");
        assertThat(submitted).as("jobs submitted").hasValue(0);
    }

    // ------------------------------------------------------------------ helpers

    /** A script as {@code ./batchscore sql} runs it: with the batchscore module loaded. */
    private static SqlScript script(AtomicInteger submitted) {
        SqlScript script =
                new SqlScript(StreamExecutionEnvironment.getExecutionEnvironment(), progress())
                        .onSubmit(job -> submitted.incrementAndGet());
        BatchscoreModule.load(script.tableEnvironment());
        return script;
    }

    private static SqlScript.Summary run(String script) throws Exception {
        return script(new AtomicInteger()).run(SESSION + script);
    }

    /** One transaction of half_plus_two records {@code first .. first + count - 1}. */
    private static void transaction(
            KafkaProducer<byte[], byte[]> producer,
            String topic,
            long first,
            int count,
            boolean commit) {
        producer.beginTransaction();
        send(producer, topic, first, count);
        if (commit) {
            producer.commitTransaction();
        } else {
            producer.flush();
            producer.abortTransaction();
        }
    }

    /** Record {@code id} goes to partition {@code id % PARTITIONS}. */
    private static void send(
            KafkaProducer<byte[], byte[]> producer, String topic, long first, int count) {
        for (long id = first; id < first + count; id++) {
            producer.send(
                    new ProducerRecord<>(
                            topic,
                            (int) (id % PARTITIONS),
                            null,
                            ExactlyOnce.halfPlusTwoRecord(id).getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static Set<Long> ids(long first, int count) {
        return LongStream.range(first, first + count)
                .boxed()
                .collect(Collectors.toCollection(HashSet::new));
    }

    private static PrintStream progress() {
        return new PrintStream(System.out, true, StandardCharsets.UTF_8);
    }

    private static String kafkaTable(String topic, String name, String columns) {
        return kafkaTable(topic, name, columns, null);
    }

    private static String kafkaTable(String topic, String name, String columns, String extra) {
        return "CREATE TABLE "
                + name
                + " ("
                + columns
                + ") WITH (\n"
                + "  'connector' = 'kafka', 'topic' = '"
                + topic
                + "',\n"
                + "  'properties.bootstrap.servers' = '"
                + KAFKA.bootstrapServers()
                + "',\n"
                + "  'properties.group.id' = 'sql-it', 'scan.startup.mode' = 'earliest-offset',\n"
                + "  'scan.bounded.mode' = 'latest-offset', 'format' = 'json'"
                + (extra == null ? "" : ",\n  " + extra)
                + ");\n";
    }

    private static String iceberg(String warehouse) {
        return "CREATE CATALOG ice WITH ('type' = 'iceberg', 'catalog-type' = 'hadoop',"
                + " 'warehouse' = 'file://"
                + scratch.resolve(warehouse)
                + "');\n"
                + "CREATE DATABASE IF NOT EXISTS ice.db;\n";
    }

    private static String model(String name, String input, String output, String extra) {
        return "CREATE MODEL "
                + name
                + " INPUT ("
                + input
                + ") OUTPUT ("
                + output
                + ") WITH ('provider' = 'tensorflow', 'path' = '"
                + halfPlusTwo
                + "'"
                + (extra == null ? "" : ", " + extra)
                + ");\n";
    }

    private static List<Record> rows(String warehouse, String table) throws Exception {
        HadoopCatalog catalog =
                new HadoopCatalog(
                        new org.apache.hadoop.conf.Configuration(),
                        scratch.resolve(warehouse).toString());
        Table t = catalog.loadTable(TableIdentifier.of("db", table));
        List<Record> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = IcebergGenerics.read(t).build()) {
            records.forEach(rows::add);
        }
        return rows;
    }

    /** Runs a script that must be refused; returns the refusal's message. */
    private static String refusal(AtomicInteger submitted, String script) {
        Throwable e = catchThrowable(() -> script(submitted).run(script));
        assertThat(e).as("the script is refused").isNotNull();
        return firstOwnMessage(e);
    }

    /** The first message of one of our exceptions in the cause chain: what the CLI prints. */
    private static String firstOwnMessage(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getClass().getName().startsWith("dev.batchscore.")) {
                return c.getMessage();
            }
        }
        throw new AssertionError("no batchscore exception in the chain", t);
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            sb.append(c.getMessage()).append('\n');
        }
        return sb.toString();
    }
}
