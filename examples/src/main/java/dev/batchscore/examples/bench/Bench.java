package dev.batchscore.examples.bench;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.examples.demo.Demo;
import dev.batchscore.models.testing.HalfPlusTwo;
import dev.batchscore.operators.format.RecordFormats;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.apache.kafka.common.test.KafkaClusterTestKit;

/**
 * {@code batchscore bench}: on one embedded Kafka broker and the same generated records, measures
 * the reference tabular model (the heavy one: 64 -> 512 -> 512 -> 1) and half_plus_two (the trivial
 * one) as raw model calls, naive code, the whole pipeline and the pipeline with scoring replaced by
 * an identity, measures loading the model per batch again with {@link BigVariablesModel} (300 MB of
 * variables: a load of a few hundred milliseconds) against that model's pipeline, prints a table,
 * writes a CSV and a PNG chart, measures the peak RSS of two streaming runs of different sizes in
 * JVMs of their own, and ends with the {@link BenchRatios#line() ratio line}. A benchmark: it
 * prints figures and asserts nothing about them.
 */
public final class Bench {
    static final String HEAVY = "tabular";
    static final String TRIVIAL = "half_plus_two";

    /** What to run. */
    public record Plan(
            boolean quick,
            List<Integer> batchSizes,
            List<Integer> parallelisms,
            long heavyRecords,
            long trivialRecords,
            long rssSmall,
            long rssLarge,
            double modelSeconds,
            Path outDir,
            Path profileDir,
            List<String> formats) {

        /** The record formats the format comparison runs (json, avro, tf-example). */
        public static final List<String> ALL_FORMATS = FormatBench.FORMATS;

        /** This plan comparing the pipeline over {@code recordFormats}. */
        public Plan withFormats(List<String> recordFormats) {
            return new Plan(
                    quick,
                    batchSizes,
                    parallelisms,
                    heavyRecords,
                    trivialRecords,
                    rssSmall,
                    rssLarge,
                    modelSeconds,
                    outDir,
                    profileDir,
                    List.copyOf(recordFormats));
        }

        public static Plan full(Path outDir, Path profileDir) {
            return new Plan(
                    false,
                    List.of(1, 32, 128, 512, 2048),
                    List.of(1, 2),
                    300_000,
                    1_000_000,
                    1_000_000,
                    5_000_000,
                    3.0,
                    outDir,
                    profileDir,
                    ALL_FORMATS);
        }

        /** Under 5 minutes: fewer cells and records, the RSS pair at 100k and 500k records. */
        public static Plan quick(Path outDir, Path profileDir) {
            return new Plan(
                    true,
                    List.of(32, 512),
                    List.of(1, 2),
                    100_000,
                    200_000,
                    100_000,
                    500_000,
                    1.0,
                    outDir,
                    profileDir,
                    ALL_FORMATS);
        }

        /** Records a pipeline run at {@code batchSize} reads: fewer for the slow small batches. */
        long records(long full, int batchSize) {
            return batchSize == 1 ? full / 20 : batchSize <= 32 ? full / 4 : full;
        }
    }

    /**
     * The RSS runs' heap, fixed and touched up front: a heap left to grow is sized by the
     * collector's taste, and a fixed one is touched page by page as a longer run cycles through it,
     * so either way RSS would grow with the run's length whatever it holds. Pre-touched, what RSS
     * adds over the heap is what lives outside it (TensorFlow's native memory, direct buffers,
     * metaspace, threads); the heap in use after a full GC is printed beside it.
     */
    static final List<String> RSS_HEAP = List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch");

    /** How many loads the load time is the median of. */
    static final int LOADS = 3;

    static final long WHOLE_RUN_RECORDS = 600_000;
    static final int WHOLE_RUN_BATCH = 512;
    // Warm runs after the one that starts the warm JVM: the bench line takes their median.
    static final int WARM_RUNS = 3;

    private final Plan plan;
    private final PrintStream out;
    private final List<BenchRow> rows = new ArrayList<>();
    private final Map<String, Long> topics = new HashMap<>();
    // The pipeline rows' steady-state CPU (all of this JVM, and the embedded broker's part).
    private final Map<BenchRow, PipelineRun.Timing> timings = new HashMap<>();
    private Profiler profiler;
    private WholeRun.Result whole;
    private WholeRun.Result whole6m;
    private WholeRun.Result wholeWarm;
    private double bigVariablesLoadSeconds = Double.NaN;
    private String bootstrap;
    private Path scratch;
    private int tableCount;

    private Bench(Plan plan, PrintStream out) {
        this.plan = plan;
        this.out = out;
    }

    /** Runs {@code plan}, printing to {@code out}; returns the ratios it printed last. */
    public static BenchRatios run(Plan plan, PrintStream out) throws Exception {
        return new Bench(plan, out).run();
    }

    private BenchRatios run() throws Exception {
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(plan.outDir());
        scratch = Files.createTempDirectory("batchscore-bench-");
        int cpus = Runtime.getRuntime().availableProcessors();
        out.printf(
                Locale.ROOT,
                "bench%s: %d CPUs, batch sizes %s, parallelism %s, %,d %s and %,d %s records;"
                        + " steady state = rows scored between 20%% and 90%% of a run%n",
                plan.quick() ? " --quick" : "",
                cpus,
                plan.batchSizes(),
                plan.parallelisms(),
                plan.heavyRecords(),
                HEAVY,
                plan.trivialRecords(),
                TRIVIAL);
        if (plan.profileDir() != null) {
            profiler = new Profiler(plan.profileDir());
        }
        java.util.Set<Long> threads = BrokerCpu.threadsBefore();
        try (KafkaClusterTestKit kafka = Demo.startKafka(scratch.resolve("kafka"))) {
            BrokerCpu.brokerStarted(threads);
            bootstrap = kafka.bootstrapServers();
            Path heavyModel =
                    ReferenceModels.buildTabular(
                            scratch.resolve("models"), ReferenceModels.DEFAULT_SEED);
            Path trivialModel = HalfPlusTwo.build(scratch.resolve("models/half_plus_two/1"));
            LongFunction<String> heavyRecords = Datasets.tabular(ReferenceModels.DEFAULT_SEED);
            LongFunction<String> trivialRecords = Datasets.halfPlusTwo();
            List<byte[]> heavySample = ModelBench.utf8(Datasets.sample(heavyRecords, 4096));

            int pMax = plan.parallelisms().stream().max(Integer::compare).orElse(1);
            // raw: the model's own limit
            for (int p : plan.parallelisms()) {
                for (int b : plan.batchSizes()) {
                    ModelBench.Rate r =
                            ModelBench.raw(
                                    heavyModel,
                                    ReferenceModels.TABULAR_INPUT,
                                    ReferenceModels.TABULAR_FEATURES,
                                    b,
                                    p,
                                    plan.modelSeconds());
                    add(BenchRow.of(HEAVY, BenchRow.RAW, b, p, r));
                }
            }
            // The whole run as users run it, before this JVM's own pipeline runs load the machine
            wholeRuns(heavyModel);
            // One unrecorded run first: else the first cells (parallelism 1) run while C2 still
            // compiles the pipeline's hot code, and cpu_p2_over_p1 measured the JIT's progress.
            int warmBatch = plan.batchSizes().get(plan.batchSizes().size() - 1);
            long warmRecords = plan.records(plan.heavyRecords(), warmBatch);
            out.println("  warm-up: one unrecorded tabular pipeline run, batch " + warmBatch);
            PipelineRun.run(
                    setup(heavyModel, topic(HEAVY, warmRecords, heavyRecords), warmRecords),
                    warmBatch,
                    pMax,
                    false);
            // the pipeline, and the pipeline without the model
            for (String model : List.of(HEAVY, TRIVIAL)) {
                boolean heavy = model.equals(HEAVY);
                for (int p : plan.parallelisms()) {
                    for (int b : plan.batchSizes()) {
                        for (boolean identity : new boolean[] {false, true}) {
                            if (identity && heavy && (plan.quick() || p != pMax)) {
                                continue; // the heavy model's no-model run is information only
                            }
                            if (!heavy && plan.quick() && p != pMax) {
                                continue; // --quick: half_plus_two's ratio is at full parallelism
                            }
                            long n =
                                    plan.records(
                                            heavy ? plan.heavyRecords() : plan.trivialRecords(), b);
                            String topic = topic(model, n, heavy ? heavyRecords : trivialRecords);
                            pipeline(
                                    model,
                                    heavy ? heavyModel : trivialModel,
                                    topic,
                                    n,
                                    b,
                                    p,
                                    identity);
                        }
                    }
                }
            }
            // the SQL job (ML_PREDICT) on the data of the best half_plus_two DataStream run
            BenchRow sqlBase =
                    BenchRatios.best(rows, TRIVIAL, BenchRow.PIPELINE, pMax).orElseThrow();
            SqlBench.compare(
                    bootstrap,
                    topic(
                            TRIVIAL,
                            plan.records(plan.trivialRecords(), sqlBase.batchSize()),
                            trivialRecords),
                    trivialModel,
                    scratch.resolve("warehouse-sql"),
                    "sql" + (tableCount++),
                    sqlBase,
                    out);
            // the tabular pipeline over the same records in each record format
            BenchRow formatBase =
                    BenchRatios.best(rows, HEAVY, BenchRow.PIPELINE, pMax).orElseThrow();
            FormatBench.compare(
                    bootstrap,
                    heavyModel,
                    plan.records(plan.heavyRecords(), formatBase.batchSize()),
                    formatBase.batchSize(),
                    pMax,
                    plan.formats(),
                    scratch.resolve("warehouse-formats"),
                    out);
            // the tabular model twice in one run against two one-model runs
            MultiModelBench.compare(
                    bootstrap,
                    topic(
                            HEAVY,
                            plan.records(plan.heavyRecords(), formatBase.batchSize()),
                            heavyRecords),
                    plan.records(plan.heavyRecords(), formatBase.batchSize()),
                    heavyModel,
                    formatBase.batchSize(),
                    pMax,
                    scratch.resolve("warehouse-models"),
                    out);
            // naive code, at the heavy pipeline's best batch size
            int best =
                    BenchRatios.best(rows, HEAVY, BenchRow.PIPELINE, pMax)
                            .map(BenchRow::batchSize)
                            .orElse(512);
            ModelBench.Rate load =
                    ModelBench.loadPerBatch(
                            heavyModel, heavySample, best, pMax, plan.modelSeconds() * 2);
            add(BenchRow.of(HEAVY, BenchRow.LOAD_PER_BATCH, best, pMax, load));
            // the same anti-pattern with a model whose load takes hundreds of milliseconds
            bigVariables(heavyModel, heavyRecords, heavySample, best, pMax);
            ModelBench.Rate one =
                    ModelBench.perRecord(heavyModel, heavySample, pMax, plan.modelSeconds());
            add(BenchRow.of(HEAVY, BenchRow.BATCH1, 1, pMax, one));

            // peak RSS of two streaming runs, each in a JVM of its own
            long rssSmall = rss(trivialModel, plan.rssSmall(), trivialRecords, pMax);
            long rssLarge = rss(trivialModel, plan.rssLarge(), trivialRecords, pMax);
            out.printf(
                    Locale.ROOT,
                    "peak RSS (VmHWM of a JVM running one streaming %s run, batch 512, parallelism"
                            + " %d): %,d records %,d MB, %,d records %,d MB%s%n",
                    TRIVIAL,
                    pMax,
                    plan.rssSmall(),
                    rssSmall / 1024,
                    plan.rssLarge(),
                    rssLarge / 1024,
                    plan.quick()
                            ? " (--quick: rss_5m_over_1m is measured at these smaller counts)"
                            : "");

            out.print(table(rows));
            Path csv = plan.outDir().resolve("bench.csv");
            List<String> lines = new ArrayList<>();
            lines.add(BenchRow.csvHeader());
            rows.forEach(r -> lines.add(r.csv()));
            Files.write(csv, lines);
            Path png = plan.outDir().resolve("bench.png");
            BenchChart.write(rows, png);
            out.println("wrote " + csv + " and " + png);
            if (profiler != null) {
                out.println("flame graphs in " + plan.profileDir());
            }
            printCpuRatio(pMax);
            BenchRatios ratios =
                    BenchRatios.of(
                            rows,
                            HEAVY,
                            TRIVIAL,
                            rssSmall,
                            rssLarge,
                            whole,
                            whole6m,
                            wholeWarm,
                            bigVariablesLoadSeconds);
            out.println(ratios.line());
            return ratios;
        } finally {
            deleteRecursively(scratch);
        }
    }

    /**
     * {@code naive-load-per-batch} against the pipeline with {@link BigVariablesModel} (300 MB of
     * variables, the tabular signature, next to no work per batch), at the tabular pipeline's best
     * batch size, on the tabular records: the tabular model loads in a few milliseconds, so its
     * ratio says little about what loading per batch costs a model that is slow to load.
     */
    private void bigVariables(
            Path heavyModel,
            LongFunction<String> heavyRecords,
            List<byte[]> sample,
            int batch,
            int p)
            throws Exception {
        String model = BigVariablesModel.NAME;
        long start = System.nanoTime();
        Path bigModel = BigVariablesModel.build(scratch.resolve("models"), BigVariablesModel.BENCH);
        out.printf(
                Locale.ROOT,
                "  %s: built %s in %.1f s%n",
                model,
                BigVariablesModel.BENCH,
                (System.nanoTime() - start) / 1e9);
        List<byte[]> values = sample.subList(0, batch);
        ModelBench.LoadTime heavyLoad = ModelBench.loadTime(heavyModel, values, LOADS);
        ModelBench.LoadTime bigLoad = ModelBench.loadTime(bigModel, values, LOADS);
        bigVariablesLoadSeconds = bigLoad.loadSeconds();
        out.printf(
                Locale.ROOT,
                "  load time (ModelRegistry.acquire, files in the page cache, median of %d) and"
                        + " first batch of %d after it: %s %.3f s + %.3f s, %s %.3f s + %.3f s%n",
                LOADS,
                batch,
                HEAVY,
                heavyLoad.loadSeconds(),
                heavyLoad.firstBatchSeconds(),
                model,
                bigLoad.loadSeconds(),
                bigLoad.firstBatchSeconds());
        long n = plan.records(plan.heavyRecords(), batch);
        pipeline(model, bigModel, topic(HEAVY, n, heavyRecords), n, batch, p, false);
        // Loads are serialized by the registry's lock, so p callers take turns: give each a few.
        double seconds = Math.max(plan.modelSeconds() * 2, 4.0 * p * bigVariablesLoadSeconds);
        ModelBench.Rate load = ModelBench.loadPerBatch(bigModel, sample, batch, p, seconds);
        add(BenchRow.of(model, BenchRow.LOAD_PER_BATCH, batch, p, load));
        out.printf(
                Locale.ROOT,
                "  %s: %.1f s in all (build, loads, pipeline, load per batch)%n",
                model,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * {@code batchscore run} of 600k (and, in the full bench, 6M) tabular JSON records in a JVM of
     * its own, from a broker in another ({@link WholeRun}), at batch 512 and the job's defaults.
     */
    private void wholeRuns(Path model) throws Exception {
        out.println(
                "  whole runs: batchscore run in a JVM of its own, the Kafka broker in another,"
                        + " batch "
                        + WHOLE_RUN_BATCH);
        try (WholeRun.Broker broker = WholeRun.Broker.start(scratch.resolve("kafka-whole"))) {
            whole = wholeRun(broker, model, WHOLE_RUN_RECORDS);
            if (profiler == null) {
                wholeWarm = warmRuns(broker, model, WHOLE_RUN_RECORDS);
            }
            if (!plan.quick()) {
                whole6m = wholeRun(broker, model, 10 * WHOLE_RUN_RECORDS);
            }
        }
    }

    private WholeRun.Result wholeRun(WholeRun.Broker broker, Path model, long records)
            throws Exception {
        String topic = "whole-" + records;
        long start = System.nanoTime();
        Datasets.produce(
                broker.bootstrap, topic, records, Datasets.tabular(ReferenceModels.DEFAULT_SEED));
        out.printf(
                Locale.ROOT,
                "  wrote %,d records to topic %s (broker process) in %.1f s%n",
                records,
                topic,
                (System.nanoTime() - start) / 1e9);
        String name = "batchscore-run-" + records;
        // with --profile, the whole process under async-profiler, start-up included
        List<String> launcher =
                profiler == null
                        ? WholeRun.thisBuild()
                        : WholeRun.thisBuildProfiled(plan.profileDir(), name);
        WholeRun.Result r = runOnce(broker, model, topic, records, "this", launcher, null);
        out.println("  " + HEAVY + " whole run: " + r.line());
        return r;
    }

    /**
     * The same 600k run in a warm JVM ({@code BATCHSCORE_WARM=on}, a cache directory of the bench's
     * own): one run that starts it, then {@link #WARM_RUNS}; the median of those, by rows/s.
     */
    private WholeRun.Result warmRuns(WholeRun.Broker broker, Path model, long records)
            throws Exception {
        Path cache = scratch.resolve("warm-cache");
        List<WholeRun.Result> warm = new ArrayList<>();
        try {
            for (int i = 0; i <= WARM_RUNS; i++) {
                WholeRun.Result r =
                        runOnce(
                                broker,
                                model,
                                "whole-" + records,
                                records,
                                "this+warm",
                                WholeRun.thisBuildWarm(),
                                cache);
                out.println(
                        "  "
                                + HEAVY
                                + (i == 0 ? " whole run starting a warm JVM: " : " warm run: ")
                                + r.line());
                if (i > 0) {
                    warm.add(r);
                }
            }
        } finally {
            new WholeRun.WarmJvms(cache).stopAll();
        }
        warm.sort(Comparator.comparingDouble(WholeRun.Result::rowsPerSecond));
        return warm.get(warm.size() / 2);
    }

    /**
     * One {@code batchscore run} of {@code topic} into a new table; with {@code warmCache}, in the
     * warm JVM of that cache directory.
     */
    private WholeRun.Result runOnce(
            WholeRun.Broker broker,
            Path model,
            String topic,
            long records,
            String build,
            List<String> launcher,
            Path warmCache)
            throws Exception {
        Path warehouse = scratch.resolve("warehouse-whole");
        String table = "bench.whole" + (tableCount++);
        return WholeRun.run(
                build,
                launcher,
                Map.of(),
                WholeRun.runArgs(broker.bootstrap, topic, model, WHOLE_RUN_BATCH, warehouse, table),
                records,
                WHOLE_RUN_BATCH,
                warehouse,
                table,
                scratch.resolve(table + ".log"),
                warmCache);
    }

    private void add(BenchRow row) {
        rows.add(row);
        out.printf(
                Locale.ROOT,
                "  %-13s %-20s batch %5d  p%d  %,12.0f rows/s  %7.1f cpu ms/1k rows%s%n",
                row.model(),
                row.variant(),
                row.batchSize(),
                row.parallelism(),
                row.rowsPerSecond(),
                row.cpuMsPer1kRows(),
                Double.isNaN(row.firstRowSeconds())
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                "  (whole run %,.0f rows/s, first row after %.2f s)",
                                row.wholeRunRowsPerSecond(),
                                row.firstRowSeconds()));
    }

    private String topic(String model, long records, LongFunction<String> generator)
            throws Exception {
        String topic = model.replace('_', '-') + "-" + records;
        if (!topics.containsKey(topic)) {
            long start = System.nanoTime();
            Datasets.produce(bootstrap, topic, records, generator);
            out.printf(
                    Locale.ROOT,
                    "  wrote %,d records to topic %s in %.1f s%n",
                    records,
                    topic,
                    (System.nanoTime() - start) / 1e9);
            topics.put(topic, records);
        }
        return topic;
    }

    /** A pipeline run of {@code records} from {@code topic} into a table of its own. */
    private PipelineRun.Setup setup(Path modelDir, String topic, long records) {
        return new PipelineRun.Setup(
                bootstrap,
                topic,
                records,
                modelDir,
                List.of("id:long"),
                scratch.resolve("warehouse"),
                "bench.t" + (tableCount++),
                0,
                0,
                RecordFormats.json());
    }

    private void pipeline(
            String model,
            Path modelDir,
            String topic,
            long records,
            int batch,
            int p,
            boolean identity)
            throws Exception {
        String variant = identity ? BenchRow.NO_MODEL : BenchRow.PIPELINE;
        PipelineRun.Setup setup = setup(modelDir, topic, records);
        String name = String.format(Locale.ROOT, "%s-%s-b%d-p%d", model, variant, batch, p);
        if (profiler != null) {
            profiler.start();
        }
        PipelineRun.Timing t;
        try {
            t = PipelineRun.run(setup, batch, p, identity);
        } finally {
            if (profiler != null) {
                profiler.stop(name);
            }
        }
        BenchRow row =
                new BenchRow(
                        model,
                        variant,
                        batch,
                        p,
                        t.rows(),
                        t.steadyRowsPerSecond(),
                        t.wholeRunRowsPerSecond(),
                        t.firstRowSeconds(),
                        t.runSeconds(),
                        t.cpuMsPer1kRows());
        add(row);
        timings.put(row, t);
        out.printf(
                Locale.ROOT,
                "  %-13s %-20s steady state: %.1f cpu ms/1k rows, of which the embedded Kafka"
                        + " broker %.1f (whole run: broker %.1f)%n",
                "",
                "",
                t.steadyCpuMsPer1kRows(),
                t.steadyBrokerCpuMsPer1kRows(),
                t.brokerCpuMsPer1kRows());
    }

    /**
     * pipeline/raw by CPU per row in the steady state, with and without the embedded broker's
     * share: on a machine the pipeline saturates, rows/s follow CPU per row, and a real deployment
     * runs its broker elsewhere.
     */
    private void printCpuRatio(int pMax) {
        BenchRatios.best(rows, HEAVY, BenchRow.PIPELINE, pMax)
                .ifPresent(
                        h -> {
                            PipelineRun.Timing t = timings.get(h);
                            BenchRatios.find(rows, HEAVY, BenchRow.RAW, h.batchSize(), pMax)
                                    .ifPresent(
                                            raw ->
                                                    out.printf(
                                                            Locale.ROOT,
                                                            "heavy pipeline/raw by steady-state"
                                                                    + " CPU per row (batch %d, p%d):"
                                                                    + " %.2f with the embedded"
                                                                    + " broker, %.2f without it%n",
                                                            h.batchSize(),
                                                            pMax,
                                                            raw.cpuMsPer1kRows()
                                                                    / t.steadyCpuMsPer1kRows(),
                                                            raw.cpuMsPer1kRows()
                                                                    / (t.steadyCpuMsPer1kRows()
                                                                            - t
                                                                                    .steadyBrokerCpuMsPer1kRows())));
                        });
        // the same for half_plus_two over no-model: both cost about the same CPU per row, so
        // their rows/s ratio mostly says how busy the machine was while each ran
        BenchRatios.best(rows, TRIVIAL, BenchRow.PIPELINE, pMax)
                .ifPresent(
                        t ->
                                BenchRatios.find(
                                                rows,
                                                TRIVIAL,
                                                BenchRow.NO_MODEL,
                                                t.batchSize(),
                                                pMax)
                                        .ifPresent(
                                                n ->
                                                        out.printf(
                                                                Locale.ROOT,
                                                                "trivial pipeline/no-model by"
                                                                        + " steady-state CPU per"
                                                                        + " row (batch %d, p%d):"
                                                                        + " %.2f%n",
                                                                t.batchSize(),
                                                                pMax,
                                                                timings.get(n)
                                                                                .steadyCpuMsPer1kRows()
                                                                        / timings.get(t)
                                                                                .steadyCpuMsPer1kRows())));
    }

    private long rss(Path model, long records, LongFunction<String> generator, int p)
            throws Exception {
        String topic = topic(TRIVIAL, records, generator);
        String output =
                ChildJvm.run(
                        RssChild.class,
                        RSS_HEAP,
                        List.of(
                                bootstrap,
                                topic,
                                Long.toString(records),
                                model.toString(),
                                "id:long",
                                scratch.resolve("warehouse-rss").toString(),
                                "bench.rss" + (tableCount++),
                                "512",
                                Integer.toString(p)),
                        Map.of());
        out.printf(
                Locale.ROOT,
                "  streaming run of %,d records in its own JVM (%s): peak RSS %,d MB, heap in use"
                        + " after a full GC at the end %,d MB%n",
                records,
                String.join(" ", RSS_HEAP),
                Long.parseLong(ChildJvm.value(output, "rss_kb")) / 1024,
                Long.parseLong(ChildJvm.value(output, "live_heap_kb")) / 1024);
        return Long.parseLong(ChildJvm.value(output, "rss_kb"));
    }

    static String table(List<BenchRow> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%n%-14s %-21s %6s %3s %10s %14s %14s %10s %12s%n",
                        "model",
                        "variant",
                        "batch",
                        "p",
                        "rows",
                        "rows/s",
                        "whole-run/s",
                        "first row",
                        "cpu ms/1k"));
        Set<String> order =
                new LinkedHashSet<>(
                        List.of(
                                BenchRow.RAW,
                                BenchRow.PIPELINE,
                                BenchRow.NO_MODEL,
                                BenchRow.LOAD_PER_BATCH,
                                BenchRow.BATCH1));
        List<BenchRow> sorted = new ArrayList<>(rows);
        List<String> variants = new ArrayList<>(order);
        sorted.sort(
                Comparator.comparing(BenchRow::model)
                        .thenComparing(r -> variants.indexOf(r.variant()))
                        .thenComparingInt(BenchRow::parallelism)
                        .thenComparingInt(BenchRow::batchSize));
        for (BenchRow r : sorted) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%-14s %-21s %6d %3d %,10d %,14.0f %14s %10s %12.1f%n",
                            r.model(),
                            r.variant(),
                            r.batchSize(),
                            r.parallelism(),
                            r.rows(),
                            r.rowsPerSecond(),
                            Double.isNaN(r.wholeRunRowsPerSecond())
                                    ? "-"
                                    : String.format(
                                            Locale.ROOT, "%,.0f", r.wholeRunRowsPerSecond()),
                            Double.isNaN(r.firstRowSeconds())
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.2f s", r.firstRowSeconds()),
                            r.cpuMsPer1kRows()));
        }
        return sb.toString();
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a leftover temp directory is harmless
        }
    }
}
