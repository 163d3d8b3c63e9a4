package dev.batchscore.examples.demo;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.examples.Topics;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.pipeline.BatchScoringJob;
import dev.batchscore.pipeline.JobPlan;
import dev.batchscore.pipeline.LocalRunner;
import dev.batchscore.pipeline.ScoringRun;
import dev.batchscore.pipeline.config.ExecutionSettings;
import dev.batchscore.pipeline.config.ModelSettings;
import dev.batchscore.pipeline.config.SinkSettings;
import dev.batchscore.pipeline.config.SourceSettings;
import dev.batchscore.pipeline.iceberg.IcebergTables;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * What {@code batchscore demo [--records N] [--warehouse DIR]} runs (the command is the CLI's
 * {@code DemoCommand}): the whole job on real components in this JVM. Starts a single-node KRaft
 * Kafka broker on a free loopback port, writes N product reviews (one in a thousand deliberately
 * malformed, to show the dead-letter table) to a 4-partition topic, builds the reference text
 * sentiment model, runs the bounded job on a Flink MiniCluster with its Web UI, then reads {@code
 * demo.scored_reviews} back from the Hadoop catalog at DIR.
 */
public final class Demo {
    public static final String TOPIC = "reviews";
    static final String TABLE = "demo.scored_reviews";
    static final int PARTITIONS = 4;

    private Demo() {}

    /**
     * Runs the demo with {@code records} reviews into the warehouse {@code warehouse} (its demo
     * tables are replaced) and prints what it did to {@code out}; a null {@code parallelism} is
     * Flink's default.
     */
    public static void run(long records, Path warehouseDir, Long parallelism, PrintStream out)
            throws Exception {
        run(records, warehouseDir, parallelism, "json", out);
    }

    /** As above, the reviews written and read as {@code format}: json or avro. */
    public static void run(
            long records, Path warehouseDir, Long parallelism, String format, PrintStream out)
            throws Exception {
        boolean avro = format.equals("avro");
        Path warehouse = warehouseDir.toAbsolutePath().normalize();
        Path scratch = Files.createTempDirectory("batchscore-demo-");
        out.println("batchscore demo: " + String.format(Locale.ROOT, "%,d", records) + " reviews");
        try (KafkaClusterTestKit kafka = startKafka(scratch.resolve("kafka"))) {
            String bootstrap = kafka.bootstrapServers();
            out.println("  Kafka (KRaft, embedded) at " + bootstrap);
            long produceStart = System.nanoTime();
            produce(bootstrap, records, avro);
            out.printf(
                    Locale.ROOT,
                    "  wrote %,d %s reviews to topic '%s' (%d partitions) in %.1f s%n",
                    records,
                    avro ? "Avro" : "JSON",
                    TOPIC,
                    PARTITIONS,
                    (System.nanoTime() - produceStart) / 1e9);

            Path model =
                    ReferenceModels.buildText(
                            scratch.resolve("models"), ReferenceModels.DEFAULT_SEED);
            Path modelBase = model.getParent(); // TF Serving layout: <base>/1
            out.println("  built the reference text sentiment model at " + modelBase);

            SinkSettings sink =
                    SinkSettings.hadoop(warehouse.toString(), TABLE)
                            // Keep the review text next to its score (a model input is not
                            // passed through by default).
                            .withPassthrough(
                                    List.of(
                                            "review_id",
                                            "product_id",
                                            "product",
                                            "user_id:long",
                                            "rating:long",
                                            "price:double",
                                            "helpful_votes:long",
                                            "verified_purchase:boolean",
                                            "created_at",
                                            "review_text"));
            dropDemoTables(sink);

            BatchScoringJob job =
                    BatchScoringJob.builder()
                            .source(
                                    SourceSettings.kafka(bootstrap, List.of(TOPIC))
                                            .withGroupId("batchscore-demo")
                                            .withFormat(
                                                    avro
                                                            ? ReviewAvro.format()
                                                            : RecordFormats.json()))
                            .model(
                                    ModelSettings.of(modelBase.toString())
                                            .withName("review-sentiment")
                                            .withInput(ReferenceModels.TEXT_INPUT, "review_text"))
                            .sink(sink)
                            // A short interval: the bounded job ends with one more checkpoint,
                            // which commits the tail.
                            .execution(
                                    ExecutionSettings.defaults()
                                            .withCheckpointInterval(Duration.ofSeconds(2))
                                            .withParallelism(
                                                    parallelism == null
                                                            ? null
                                                            : parallelism.intValue()))
                            .build();
            JobPlan plan;
            LocalRunner.Result result;
            try (ScoringRun run = job.start()) {
                plan = run.plan();
                out.println(
                        "  passthrough columns: "
                                + plan.spec().passthrough().stream()
                                        .map(PassthroughField::toString)
                                        .toList());
                out.println("  running the job on a local Flink MiniCluster...");
                result = LocalRunner.run(run, true, records, out);
            }
            out.println("  " + result.summary());

            readBack(plan, result, out);
        } finally {
            deleteRecursively(scratch);
        }
    }

    /**
     * Starts a single-node (combined broker and controller) KRaft cluster on a free loopback port,
     * with its logs under {@code dir}; the caller closes it.
     */
    public static KafkaClusterTestKit startKafka(Path dir) throws Exception {
        Files.createDirectories(dir);
        TestKitNodes nodes =
                new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .setBaseDirectory(dir)
                        .build();
        KafkaClusterTestKit kafka =
                new KafkaClusterTestKit.Builder(nodes)
                        .setConfigProp("offsets.topic.replication.factor", "1")
                        // One node, one consumer group: 50 offsets partitions (the default) to
                        // create and load only delay the first offset commits.
                        .setConfigProp("offsets.topic.num.partitions", "1")
                        .setConfigProp("transaction.state.log.replication.factor", "1")
                        .setConfigProp("group.initial.rebalance.delay.ms", "0")
                        .setDeleteOnClose(true)
                        .build();
        // The test kit prints its formatting steps to System.out, which is the demo's output.
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        try {
            kafka.format();
            kafka.startup();
            kafka.waitForReadyBrokers();
            return kafka;
        } catch (Exception e) {
            kafka.close();
            throw e;
        } finally {
            System.setOut(stdout);
        }
    }

    /** Creates the demo topic and writes {@code records} reviews, one in a thousand malformed. */
    public static void produce(String bootstrap, long records) throws Exception {
        produce(bootstrap, records, false);
    }

    /** As above, as Avro binary of {@link ReviewAvro#SCHEMA} when {@code avro}. */
    public static void produce(String bootstrap, long records, boolean avro) throws Exception {
        ReviewGenerator generator = new ReviewGenerator(7);
        Topics.fill(
                bootstrap,
                TOPIC,
                PARTITIONS,
                256 * 1024,
                records,
                i -> {
                    String json = generator.next(i);
                    byte[] value =
                            avro ? ReviewAvro.encode(json) : json.getBytes(StandardCharsets.UTF_8);
                    if (i % 1000 == 999) {
                        // a truncated write, for the errors table
                        value = java.util.Arrays.copyOf(value, value.length / 2);
                    }
                    byte[] key = String.valueOf(i).getBytes(StandardCharsets.UTF_8);
                    return new ProducerRecord<>(TOPIC, key, value);
                });
    }

    /** The demo replaces its own tables so that a second run shows the same numbers. */
    private static void dropDemoTables(SinkSettings sink) throws Exception {
        Catalog catalog = IcebergTables.catalogLoader(sink).loadCatalog();
        try {
            for (String name : List.of(sink.table(), sink.errorsTable())) {
                TableIdentifier id = TableIdentifier.parse(name);
                if (catalog.tableExists(id)) {
                    catalog.dropTable(id, true);
                }
            }
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
    }

    private static void readBack(JobPlan plan, LocalRunner.Result run, PrintStream out)
            throws Exception {
        Catalog catalog = plan.catalogLoader().loadCatalog();
        try {
            Table table = catalog.loadTable(plan.table());
            long start = System.nanoTime();
            long rows = 0;
            List<Record> sample = new ArrayList<>();
            double sentimentSum = 0;
            try (CloseableIterable<Record> records = IcebergGenerics.read(table).build()) {
                for (Record r : records) {
                    rows++;
                    Object s = r.getField(ReferenceModels.TEXT_OUTPUT);
                    if (s instanceof Number n) {
                        sentimentSum += n.doubleValue();
                    }
                    if (sample.size() < 5) {
                        sample.add(r.copy());
                    }
                }
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long errors = 0;
            String firstError = null;
            try (CloseableIterable<Record> records =
                    IcebergGenerics.read(catalog.loadTable(plan.errorsTable())).build()) {
                for (Record r : records) {
                    if (firstError == null) {
                        firstError =
                                r.getField(ScoredRows.STAGE)
                                        + ": "
                                        + r.getField(ScoredRows.ERROR_MESSAGE);
                    }
                    errors++;
                }
            }
            out.printf(
                    Locale.ROOT,
                    "read back %s: %,d rows in %.1f s (%,.0f rows/s), snapshot %d, mean sentiment"
                            + " %.3f%n",
                    plan.table(),
                    rows,
                    seconds,
                    rows / Math.max(seconds, 0.001),
                    table.currentSnapshot() == null ? -1 : table.currentSnapshot().snapshotId(),
                    rows == 0 ? Double.NaN : sentimentSum / rows);
            out.printf(
                    Locale.ROOT,
                    "read back %s: %,d rows%s%n",
                    plan.errorsTable(),
                    errors,
                    firstError == null ? "" : ", e.g. " + abbreviate(firstError, 110));
            out.println("a few scored rows:");
            for (Record r : sample) {
                out.printf(
                        Locale.ROOT,
                        "  %s  rating %s  sentiment %.3f  \"%s\"%n",
                        r.getField("review_id"),
                        r.getField("rating"),
                        r.getField(ReferenceModels.TEXT_OUTPUT) instanceof Number n
                                ? n.doubleValue()
                                : Double.NaN,
                        abbreviate(String.valueOf(r.getField("review_text")), 70));
            }
            out.println("the table is at " + table.location());
        } finally {
            if (catalog instanceof AutoCloseable c) {
                c.close();
            }
        }
    }

    private static String abbreviate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
