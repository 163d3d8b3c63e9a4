package dev.batchscore.examples.bench;

import dev.batchscore.examples.ReferenceModels;
import dev.batchscore.pipeline.cli.Main;
import dev.batchscore.pipeline.cli.WarmClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The whole run of a bounded job as a user runs it: {@code batchscore run} in a process of its own
 * (this build's CLI with this JVM's options and class path, which is what {@code ./batchscore}
 * starts, or another checkout's {@code batchscore} launcher), reading a topic of a Kafka broker in
 * a third process ({@link BrokerChild}) and committing to an Iceberg Hadoop catalog on disk, with
 * the job's defaults but the batch size and the passthrough column.
 *
 * <p>Measured from outside: the process's wall time from start to exit, its CPU time (user +
 * system, as the shell's {@code times} reports its finished child), and the time from its start to
 * the first snapshot of the table that holds rows (polled from the table's metadata).
 *
 * <p>{@link #main} compares builds side by side: {@code WholeRun --records N --rounds R --build DIR
 * [--build DIR ...] [--profile DIR]} runs each checkout's {@code batchscore} (with {@code
 * BATCHSCORE_SKIP_BUILD=1}) on the same topic, alternating the order round by round.
 */
public final class WholeRun {
    private static final Pattern TOTAL_RECORDS =
            Pattern.compile("\"total-records\"\\s*:\\s*\"([0-9]+)\"");

    private static final String WARM = "+warm";

    // -Dbatchscore.bench.trace=true: print the run's output as it comes, with its time.
    private static final boolean TRACE = Boolean.getBoolean("batchscore.bench.trace");

    private WholeRun() {}

    /** What one run measured. */
    record Result(
            String build,
            long records,
            int batchSize,
            double wallSeconds,
            double cpuSeconds,
            double firstCommittedSeconds,
            double steadyCpuUsPerRow,
            String summary) {
        double rowsPerSecond() {
            return records / wallSeconds;
        }

        double cpuUsPerRow() {
            return cpuSeconds * 1e6 / records;
        }

        String line() {
            return String.format(
                    Locale.ROOT,
                    "%-12s %,10d records  %,8.0f rows/s  wall %6.2f s  cpu %6.2f s (%5.1f µs/row)"
                            + "  first committed row %5.2f s  steady state %5.1f µs/row",
                    build,
                    records,
                    rowsPerSecond(),
                    wallSeconds,
                    cpuSeconds,
                    cpuUsPerRow(),
                    firstCommittedSeconds,
                    steadyCpuUsPerRow);
        }
    }

    /** A Kafka broker in a JVM of its own; closing it stops the broker. */
    static final class Broker implements AutoCloseable {
        private final Process process;
        final String bootstrap;

        private Broker(Process process, String bootstrap) {
            this.process = process;
            this.bootstrap = bootstrap;
        }

        static Broker start(Path dir) throws Exception {
            List<String> command =
                    new ArrayList<>(ChildJvm.command(BrokerChild.class, List.of("-Xmx1g")));
            command.add(dir.toString());
            Process process =
                    new ProcessBuilder(command)
                            .redirectError(ProcessBuilder.Redirect.DISCARD)
                            .start();
            BufferedReader reader =
                    new BufferedReader(
                            new InputStreamReader(
                                    process.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("bootstrap=")) {
                    return new Broker(process, line.substring("bootstrap=".length()).trim());
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("the broker process ended before it printed its port");
        }

        /** The broker process's CPU time so far, in nanoseconds (0 if the system does not say). */
        long cpuNanos() {
            return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    /**
     * The JVM options {@code ./batchscore run} adds to the bench's own (which the launcher starts
     * without them): TensorFlow's CPU libraries without a search for CUDA's, and C1 only; see the
     * launcher. Keep in step with {@code batchscore}.
     */
    static final List<String> RUN_JVM_OPTIONS =
            List.of("-Dorg.bytedeco.javacpp.platform.extension=", "-XX:TieredStopAtLevel=1");

    /** This build's {@code batchscore}: a JVM with this one's options and class path. */
    static List<String> thisBuild() {
        return ChildJvm.command(Main.class, RUN_JVM_OPTIONS);
    }

    /**
     * {@link #thisBuild()} in a warm JVM, as {@code BATCHSCORE_WARM=on ./batchscore run} runs it:
     * the launcher's small client JVM ({@link WarmClient}) with that command. Keep in step with
     * {@code batchscore}.
     */
    static List<String> thisBuildWarm() {
        List<String> command =
                new ArrayList<>(
                        List.of(
                                ProcessHandle.current().info().command().orElse("java"),
                                "-XX:TieredStopAtLevel=1",
                                "-XX:+UseSerialGC",
                                "-Xmx64m",
                                "-cp",
                                System.getProperty("java.class.path"),
                                WarmClient.class.getName()));
        command.addAll(thisBuild());
        command.add("--");
        return command;
    }

    /** As {@link #thisBuild()}, under async-profiler ({@link ProfiledRun}) into {@code dir}. */
    static List<String> thisBuildProfiled(Path dir, String name) {
        List<String> command =
                new ArrayList<>(ChildJvm.command(ProfiledRun.class, RUN_JVM_OPTIONS));
        command.add(dir.toString());
        command.add(name);
        return command;
    }

    /** {@code batchscore run}'s arguments for one run into {@code table} of {@code warehouse}. */
    static List<String> runArgs(
            String bootstrap,
            String topic,
            Path model,
            int batchSize,
            Path warehouse,
            String table) {
        return List.of(
                "run",
                "--source.kafka.bootstrap-servers",
                bootstrap,
                "--source.kafka.topic",
                topic,
                "--model.path",
                model.toString(),
                "--batch.size",
                Integer.toString(batchSize),
                "--output.passthrough",
                "id:long",
                "--sink.iceberg.catalog.warehouse",
                warehouse.toString(),
                "--sink.iceberg.table",
                table);
    }

    /**
     * Runs {@code launcher} with {@code args} (ending in a run of {@code records} into {@code
     * table} of {@code warehouse}) and measures it; fails unless it exits 0. With {@code warmCache}
     * (not null), the run goes to the warm JVM of that cache directory and its CPU counts.
     */
    static Result run(
            String build,
            List<String> launcher,
            Map<String, String> env,
            List<String> args,
            long records,
            int batchSize,
            Path warehouse,
            String table,
            Path log,
            Path warmCache)
            throws Exception {
        List<String> command = new ArrayList<>();
        // The shell reports its finished child's user and system time: the whole process's CPU,
        // however many threads (and native TensorFlow threads) it ran.
        command.addAll(List.of("bash", "-c", "\"$@\"; rc=$?; echo; times; exit $rc", "bash"));
        command.addAll(launcher);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(log.toFile());
        pb.environment().putAll(env);
        if (warmCache != null) {
            pb.environment().putAll(WarmJvms.env(warmCache));
        }
        Path tableDir = warehouse.resolve(table.replace('.', '/'));
        long start = System.nanoTime();
        Process process = pb.start();
        List<String> output = new ArrayList<>();
        WarmJvms warm = new WarmJvms(warmCache);
        Map<Long, Long> warmBefore = warm.cpuNanos();
        JvmCpu jvm = new JvmCpu(process);
        SteadyState steady =
                new SteadyState(
                        () -> {
                            long nanos = jvm.nanos();
                            return nanos < 0 ? nanos : nanos + warm.cpuNanosSince(warmBefore);
                        },
                        records);
        Thread reader =
                new Thread(
                        () -> {
                            try (BufferedReader r =
                                    new BufferedReader(
                                            new InputStreamReader(
                                                    process.getInputStream(),
                                                    StandardCharsets.UTF_8))) {
                                String line;
                                while ((line = r.readLine()) != null) {
                                    synchronized (output) {
                                        output.add(line);
                                    }
                                    steady.onLine(line);
                                    if (TRACE) {
                                        System.out.printf(
                                                Locale.ROOT,
                                                "  %6.2f s  %s%n",
                                                (System.nanoTime() - start) / 1e9,
                                                line);
                                    }
                                }
                            } catch (IOException e) {
                                // the process ended
                            }
                        },
                        "whole-run-output");
        reader.start();
        long firstCommitted = -1;
        String hint = null;
        while (!process.waitFor(20, TimeUnit.MILLISECONDS)) {
            if (firstCommitted < 0) {
                String now = readOrNull(tableDir.resolve("metadata/version-hint.text"));
                if (now != null && !now.equals(hint)) {
                    hint = now;
                    String metadata =
                            readOrNull(
                                    tableDir.resolve("metadata/v" + now.trim() + ".metadata.json"));
                    if (metadata != null && holdsRows(metadata)) {
                        firstCommitted = System.nanoTime();
                    }
                }
            }
        }
        long end = System.nanoTime();
        double warmCpu = warm.cpuNanosSince(warmBefore) / 1e9;
        reader.join();
        int exit = process.exitValue();
        if (exit != 0) {
            throw new IllegalStateException(
                    build
                            + ": batchscore run exited "
                            + exit
                            + " (stderr in "
                            + log
                            + "):\n"
                            + String.join("\n", output));
        }
        String summary = output.stream().filter(l -> l.startsWith("wrote ")).findFirst().orElse("");
        if (!summary.startsWith(String.format(Locale.ROOT, "wrote %,d rows", records))) {
            throw new IllegalStateException(
                    build + ": expected " + records + " rows:\n" + String.join("\n", output));
        }
        double wall = (end - start) / 1e9;
        return new Result(
                build,
                records,
                batchSize,
                wall,
                childCpuSeconds(output) + warmCpu,
                firstCommitted < 0 ? wall : (firstCommitted - start) / 1e9,
                steady.cpuUsPerRow(),
                summary);
    }

    /**
     * The run's CPU per record in its steady state: the {@code batchscore run} JVM's CPU (at each
     * of its progress lines) between the first line that read at least 20% of the records and the
     * last that read at most 90%, over the records read in between (at least a quarter of them).
     * Start-up, the JIT's first seconds and the end of the run fall outside. The progress line's
     * count comes from Flink's metrics, refreshed every second, so each end may lag by up to a
     * second of records; NaN when fewer than two progress lines fall inside (short runs).
     */
    static final class SteadyState {
        private static final Pattern PROGRESS = Pattern.compile("\\bread ([0-9,]+) / ");
        // Fewer records between the two lines would leave the metrics' lag too large a share.
        private static final double MIN_SPAN = 0.25;
        private final LongSupplier cpuNanos;
        private final long records;
        private long firstRead = -1;
        private long firstNanos;
        private long lastRead = -1;
        private long lastNanos;

        /** {@code cpuNanos}: the run's CPU time so far in nanoseconds, or -1. */
        SteadyState(LongSupplier cpuNanos, long records) {
            this.cpuNanos = cpuNanos;
            this.records = records;
        }

        void onLine(String line) {
            Matcher m = PROGRESS.matcher(line);
            if (!m.find()) {
                return;
            }
            long read = Long.parseLong(m.group(1).replace(",", ""));
            if (read < 0.2 * records || read > 0.9 * records) {
                return;
            }
            long nanos = cpuNanos.getAsLong();
            if (nanos < 0) {
                return;
            }
            if (firstRead < 0) {
                firstRead = read;
                firstNanos = nanos;
            } else {
                lastRead = read;
                lastNanos = nanos;
            }
        }

        double cpuUsPerRow() {
            if (lastRead - firstRead < MIN_SPAN * records) {
                return Double.NaN;
            }
            return (lastNanos - firstNanos) / 1e3 / (lastRead - firstRead);
        }
    }

    /**
     * The CPU time of a launcher's JVM: the java process under the shell that runs it, not a warm
     * JVM that one started (whose parent is a java process).
     */
    static final class JvmCpu {
        private final Process process;
        private ProcessHandle jvm;

        JvmCpu(Process process) {
            this.process = process;
        }

        /** User and system CPU time of the run's JVM so far in nanoseconds, or -1. */
        long nanos() {
            if (jvm == null) {
                jvm =
                        process.descendants()
                                .filter(JvmCpu::isJava)
                                .filter(p -> p.parent().map(parent -> !isJava(parent)).orElse(true))
                                .findFirst()
                                .orElse(null);
            }
            return jvm == null
                    ? -1
                    : jvm.info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
        }

        private static boolean isJava(ProcessHandle p) {
            return p.info().command().orElse("").endsWith("/java");
        }
    }

    /**
     * The warm JVMs ({@code BATCHSCORE_WARM=on}) of one build, found by the pid files they write in
     * the build's cache directory: their CPU time counts as the run's, and they end with the bench.
     */
    static final class WarmJvms {
        private final Path dir;

        /** {@code cache}: the build's {@code XDG_CACHE_HOME}, or null for a build without. */
        WarmJvms(Path cache) {
            this.dir = cache == null ? null : cache.resolve("batchscore");
        }

        /** The launcher's environment for a run in the warm JVM of {@code cache}. */
        static Map<String, String> env(Path cache) {
            return Map.of("BATCHSCORE_WARM", "on", "XDG_CACHE_HOME", cache.toString());
        }

        /** Each live warm JVM's CPU time in nanoseconds, by process id. */
        Map<Long, Long> cpuNanos() {
            Map<Long, Long> cpu = new java.util.HashMap<>();
            for (ProcessHandle p : processes()) {
                p.info().totalCpuDuration().ifPresent(d -> cpu.put(p.pid(), d.toNanos()));
            }
            return cpu;
        }

        /** The CPU time the warm JVMs took since {@code before} (all of it for new ones). */
        long cpuNanosSince(Map<Long, Long> before) {
            long total = 0;
            for (Map.Entry<Long, Long> e : cpuNanos().entrySet()) {
                total += e.getValue() - before.getOrDefault(e.getKey(), 0L);
            }
            return total;
        }

        void stopAll() {
            processes().forEach(ProcessHandle::destroy);
        }

        private List<ProcessHandle> processes() {
            List<ProcessHandle> found = new ArrayList<>();
            if (dir == null || !Files.isDirectory(dir)) {
                return found;
            }
            try (var files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".pid")).toList()) {
                    String pid = readOrNull(f);
                    if (pid != null && !pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(found::add);
                    }
                }
            } catch (IOException e) {
                // a warm JVM ending meanwhile
            }
            return found;
        }
    }

    private static boolean holdsRows(String metadata) {
        Matcher m = TOTAL_RECORDS.matcher(metadata);
        while (m.find()) {
            if (Long.parseLong(m.group(1)) > 0) {
                return true;
            }
        }
        return false;
    }

    private static String readOrNull(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return null; // not there yet, or being replaced
        }
    }

    /** The children's line of bash's {@code times} (the last line): user and system seconds. */
    static double childCpuSeconds(List<String> output) {
        String last = output.get(output.size() - 1).trim();
        double total = 0;
        for (String t : last.split("\\s+")) {
            Matcher m = Pattern.compile("([0-9]+)m([0-9.]+)s").matcher(t);
            if (!m.matches()) {
                throw new IllegalStateException("not a times line: " + last);
            }
            total += Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2));
        }
        return total;
    }

    /**
     * {@code --records N --rounds R --build DIR [--build DIR ...] [--batch B] [--formats json,avro]
     * [--profile DIR]}: each checkout's {@code batchscore run} on the same topic of the tabular
     * model's JSON records, R rounds, the order of the builds reversed every other round; prints
     * every run and, per build, the median and the range. With {@code --profile}, this JVM's build
     * (named {@code this}) runs under async-profiler instead ({@link ProfiledRun}).
     */
    public static void main(String[] argv) throws Exception {
        List<String> args = Arrays.asList(argv);
        long records = Long.parseLong(option(args, "--records", "600000"));
        int rounds = Integer.parseInt(option(args, "--rounds", "3"));
        int batch = Integer.parseInt(option(args, "--batch", "512"));
        String profile = option(args, "--profile", null);
        List<String> formats = List.of(option(args, "--formats", "json").split(","));
        List<String> builds = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).equals("--build")) {
                builds.add(args.get(i + 1));
            }
        }
        if (builds.isEmpty()) {
            builds.add("this");
        }
        PrintStream out = System.out;
        Path scratch = Files.createTempDirectory("batchscore-wholerun-");
        try (Broker broker = Broker.start(scratch.resolve("kafka"))) {
            Path model =
                    ReferenceModels.buildTabular(
                            scratch.resolve("models"), ReferenceModels.DEFAULT_SEED);
            Map<String, String> topics = new java.util.LinkedHashMap<>();
            for (String format : formats) {
                String topic = "tabular-" + format + "-" + records;
                long t0 = System.nanoTime();
                FormatBench.produce(broker.bootstrap, topic, records, format);
                topics.put(format, topic);
                out.printf(
                        Locale.ROOT,
                        "wrote %,d %s records to %s in %.1f s%n",
                        records,
                        format,
                        topic,
                        (System.nanoTime() - t0) / 1e9);
            }
            ModelBench.Rate raw =
                    ModelBench.raw(
                            model,
                            ReferenceModels.TABULAR_INPUT,
                            ReferenceModels.TABULAR_FEATURES,
                            batch,
                            Runtime.getRuntime().availableProcessors(),
                            3.0);
            out.printf(
                    Locale.ROOT,
                    "model alone, batch %d: %,.0f rows/s, %.1f cpu µs/row%n",
                    batch,
                    raw.rowsPerSecond(),
                    raw.cpuMsPer1kRows());
            Map<String, List<Result>> results = new java.util.LinkedHashMap<>();
            List<Path> warmCaches = new ArrayList<>();
            int n = 0;
            try {
                for (int round = 0; round < rounds; round++) {
                    List<String> order = new ArrayList<>(builds);
                    if (round % 2 == 1) {
                        java.util.Collections.reverse(order);
                    }
                    for (String build : order) {
                        for (String format : formats) {
                            String table = "bench.w" + (n++);
                            Path warehouse = scratch.resolve("warehouse");
                            List<String> launcher;
                            Map<String, String> env = new java.util.HashMap<>();
                            // DIR@OPTS: that checkout's launcher with BATCHSCORE_JAVA_OPTS=OPTS
                            int at = build.indexOf('@');
                            String opts = at < 0 ? null : build.substring(at + 1);
                            String dir = at < 0 ? build : build.substring(0, at);
                            // DIR+warm: with BATCHSCORE_WARM=on, its warm JVM in a cache of its own
                            boolean warm = dir.endsWith(WARM);
                            dir = warm ? dir.substring(0, dir.length() - WARM.length()) : dir;
                            Path warmCache =
                                    warm ? scratch.resolve("cache-" + builds.indexOf(build)) : null;
                            if (warmCache != null) {
                                warmCaches.add(warmCache);
                            }
                            String name =
                                    (dir.equals("this")
                                                    ? "this"
                                                    : Path.of(dir).getFileName().toString())
                                            + (warm ? WARM : "");
                            if (opts != null) {
                                name = name + "@" + (builds.indexOf(build) + 1);
                            }
                            if (formats.size() > 1) {
                                name = name + "/" + format;
                            }
                            if (build.equals("this")) {
                                launcher =
                                        profile == null
                                                ? thisBuild()
                                                : thisBuildProfiled(
                                                        Path.of(profile),
                                                        "whole-run-" + records + "-" + round);

                            } else {
                                launcher = List.of(Path.of(dir).resolve("batchscore").toString());
                                env = new java.util.HashMap<>(Map.of("BATCHSCORE_SKIP_BUILD", "1"));
                                if (opts != null) {
                                    env.put("BATCHSCORE_JAVA_OPTS", opts);
                                }
                            }
                            long brokerBefore = broker.cpuNanos();
                            Result r =
                                    run(
                                            name,
                                            launcher,
                                            env,
                                            withFormat(
                                                    runArgs(
                                                            broker.bootstrap,
                                                            topics.get(format),
                                                            model,
                                                            batch,
                                                            warehouse,
                                                            table),
                                                    format),
                                            records,
                                            batch,
                                            warehouse,
                                            table,
                                            scratch.resolve(table + ".log"),
                                            warmCache);
                            // The broker shares the machine's cores with the run: its CPU per
                            // record is what the run could not use.
                            double brokerUsPerRow =
                                    (broker.cpuNanos() - brokerBefore) / 1e3 / records;
                            results.computeIfAbsent(name, k -> new ArrayList<>()).add(r);
                            out.printf(
                                    Locale.ROOT,
                                    "round %d  %s  beyond model %.1f µs/row (steady state %.1f)"
                                            + "  broker %.1f µs/row%n",
                                    round,
                                    r.line(),
                                    r.cpuUsPerRow() - raw.cpuMsPer1kRows(),
                                    r.steadyCpuUsPerRow() - raw.cpuMsPer1kRows(),
                                    brokerUsPerRow);
                        }
                    }
                }
            } finally {
                warmCaches.forEach(cache -> new WarmJvms(cache).stopAll());
            }
            for (int i = 0; i < builds.size(); i++) {
                out.println("build " + (i + 1) + ": " + builds.get(i));
            }
            for (Map.Entry<String, List<Result>> e : results.entrySet()) {
                double[] rate =
                        e.getValue().stream().mapToDouble(Result::rowsPerSecond).sorted().toArray();
                double[] cpu =
                        e.getValue().stream().mapToDouble(Result::cpuUsPerRow).sorted().toArray();
                double[] first =
                        e.getValue().stream()
                                .mapToDouble(Result::firstCommittedSeconds)
                                .sorted()
                                .toArray();
                double[] steady =
                        e.getValue().stream()
                                .mapToDouble(Result::steadyCpuUsPerRow)
                                .sorted()
                                .toArray();
                out.printf(
                        Locale.ROOT,
                        "%-12s median %,.0f rows/s (%,.0f-%,.0f), %.1f cpu µs/row (%.1f-%.1f), first"
                                + " committed row %.2f s (%.2f-%.2f), steady state %.1f cpu µs/row"
                                + " (%.1f beyond the model)%n",
                        e.getKey(),
                        rate[rate.length / 2],
                        rate[0],
                        rate[rate.length - 1],
                        cpu[cpu.length / 2],
                        cpu[0],
                        cpu[cpu.length - 1],
                        first[first.length / 2],
                        first[0],
                        first[first.length - 1],
                        steady[steady.length / 2],
                        steady[steady.length / 2] - raw.cpuMsPer1kRows());
            }
            for (Map.Entry<String, List<Result>> e : results.entrySet()) {
                out.printf(
                        Locale.ROOT,
                        "%-12s pipeline_over_model=%.2f%n",
                        e.getKey(),
                        median(e.getValue()) / raw.rowsPerSecond());
                if (e.getKey().endsWith("/avro") && results.containsKey(jsonOf(e.getKey()))) {
                    out.printf(
                            Locale.ROOT,
                            "%-12s avro_over_json=%.2f%n",
                            e.getKey(),
                            median(e.getValue()) / median(results.get(jsonOf(e.getKey()))));
                }
            }
        } finally {
            try (var paths = Files.walk(scratch)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        System.exit(0);
    }

    /** {@code args} reading records in {@code format} (the bench's tabular Avro schema). */
    static List<String> withFormat(List<String> args, String format) {
        if (format.equals("json")) {
            // The default: builds from before source.format (the previous release) run it too.
            return args;
        }
        List<String> out = new ArrayList<>(args);
        FormatBench.formatKeys(format)
                .forEach((key, value) -> out.addAll(List.of("--" + key, value)));
        return out;
    }

    private static double median(List<Result> results) {
        double[] rate = results.stream().mapToDouble(Result::rowsPerSecond).sorted().toArray();
        return rate[rate.length / 2];
    }

    private static String jsonOf(String avroName) {
        return avroName.substring(0, avroName.length() - "avro".length()) + "json";
    }

    private static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        return i < 0 ? fallback : args.get(i + 1);
    }
}
