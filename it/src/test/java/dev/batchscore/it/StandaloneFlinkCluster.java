package dev.batchscore.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;

/**
 * A Flink standalone session cluster as child JVMs - one JobManager, one TaskManager - started the
 * way Flink's {@code bin/} scripts start them: {@code --configDir} with a {@code config.yaml}, the
 * JVM memory flags the scripts derive from {@code *.memory.process.size}, and a classpath of
 * Flink's own runtime only, so a job jar brings its code through Flink's user-code class loader as
 * on a real cluster. {@link #flink} runs Flink's CLI ({@code bin/flink}) against it. {@link #close}
 * kills every child process; a JVM shutdown hook does too, should the test JVM be stopped.
 */
final class StandaloneFlinkCluster implements AutoCloseable {
    /**
     * What a Flink distribution's {@code lib/} holds, as Maven repository paths: Flink's own jars
     * and the libraries flink-dist bundles, Log4j. Not the Kafka connector, Iceberg, Hadoop,
     * TensorFlow, Jackson or our modules (the job jar must bring them), nor test tooling.
     */
    private static final List<String> FLINK_RUNTIME =
            List.of(
                    "/org/apache/flink/",
                    "/org/apache/logging/log4j/",
                    "/org/slf4j/",
                    "/org/apache/commons/",
                    "/commons-io/",
                    "/commons-collections/",
                    "/commons-cli/",
                    "/com/esotericsoftware/",
                    "/org/objenesis/",
                    "/org/snakeyaml/",
                    "/org/javassist/",
                    "/tools/profiler/",
                    "/com/google/code/findbugs/",
                    "/com/ibm/icu/",
                    "/com/ververica/frocksdbjni/",
                    "/at/yawk/lz4/",
                    "/org/xerial/snappy/",
                    "/com/github/luben/");

    /** Of {@link #FLINK_RUNTIME}: what the job jar brings, and Flink's test jars. */
    private static final List<String> NOT_FLINK_RUNTIME =
            List.of("/flink-connector-kafka/", "/flink-test-utils", "-tests.jar");

    private static final Duration STARTUP = Duration.ofSeconds(90);

    private final Path dir;
    private final Path confDir;
    private final String classpath;
    private final List<String> jdkArgs;
    private final int restPort;
    private final List<Process> processes = new ArrayList<>();
    private final Thread killer = new Thread(this::killAll, "kill-flink-cluster");

    private StandaloneFlinkCluster(
            Path dir, int slots, List<String> libJars, List<String> extraConfig)
            throws IOException {
        this.dir = dir;
        this.confDir = Files.createDirectories(dir.resolve("conf"));
        this.classpath =
                flinkRuntimeClasspath()
                        + libJars.stream()
                                .map(j -> File.pathSeparator + j)
                                .collect(Collectors.joining());
        this.jdkArgs = jdk17Args();
        this.restPort = freePort();
        Files.createDirectories(dir.resolve("log"));
        Files.createDirectories(dir.resolve("tmp"));
        // Flink 2.x reads only conf/config.yaml (the legacy flink-conf.yaml is gone).
        Files.writeString(
                confDir.resolve("config.yaml"),
                String.join(
                                "\n",
                                "jobmanager.rpc.address: 127.0.0.1",
                                "jobmanager.rpc.port: " + freePort(),
                                "jobmanager.bind-host: 127.0.0.1",
                                "jobmanager.memory.process.size: 1024m",
                                "rest.address: 127.0.0.1",
                                "rest.bind-address: 127.0.0.1",
                                "rest.port: " + restPort,
                                "taskmanager.host: 127.0.0.1",
                                "taskmanager.bind-host: 127.0.0.1",
                                "taskmanager.memory.process.size: 1600m",
                                "taskmanager.numberOfTaskSlots: " + slots,
                                "parallelism.default: " + slots,
                                "io.tmp.dirs: " + dir.resolve("tmp"),
                                // What bin/ scripts would pass; this class puts them on its java
                                // command lines.
                                "env.java.opts.all: \"" + String.join(" ", jdkArgs) + "\"",
                                "")
                        + extraConfig.stream()
                                .map(line -> line + "\n")
                                .collect(Collectors.joining()));
        Files.writeString(
                confDir.resolve("log4j.properties"),
                String.join(
                        "\n",
                        "rootLogger.level = INFO",
                        "rootLogger.appenderRef.file.ref = MainAppender",
                        "appender.main.name = MainAppender",
                        "appender.main.type = File",
                        // Several log4j contexts open this file: truncating would keep only the
                        // last one's lines.
                        "appender.main.append = true",
                        "appender.main.fileName = ${sys:log.file}",
                        "appender.main.layout.type = PatternLayout",
                        "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                        ""));
    }

    /**
     * Starts a JobManager and one TaskManager with {@code slots} slots and waits until the REST
     * endpoint lists the TaskManager.
     */
    static StandaloneFlinkCluster start(Path dir, int slots) throws Exception {
        return start(dir, slots, List.of(), List.of());
    }

    /**
     * As {@link #start(Path, int)}, with {@code libJars} added to Flink's classpath (as if copied
     * to its {@code lib/}) and {@code extraConfig} lines appended to {@code config.yaml}.
     */
    static StandaloneFlinkCluster start(
            Path dir, int slots, List<String> libJars, List<String> extraConfig) throws Exception {
        StandaloneFlinkCluster cluster =
                new StandaloneFlinkCluster(dir, slots, libJars, extraConfig);
        Runtime.getRuntime().addShutdownHook(cluster.killer);
        try {
            cluster.startJobManager();
            cluster.startTaskManager();
            cluster.awaitTaskManager();
            return cluster;
        } catch (Throwable e) {
            cluster.close();
            throw new IllegalStateException(
                    "the standalone Flink cluster did not come up: "
                            + e
                            + "\n"
                            + cluster.logTails(),
                    e);
        }
    }

    String restUrl() {
        return "http://127.0.0.1:" + restPort;
    }

    /** GET {@code path} from the JobManager's REST API, as JSON. */
    JsonNode rest(String path) throws Exception {
        HttpResponse<String> response =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(restUrl() + path))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException(
                    "GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return new ObjectMapper().readTree(response.body());
    }

    /**
     * Submits {@code jar} the way the Web UI and the Kubernetes operator's {@code FlinkSessionJob}
     * do: {@code POST /jars/upload}, then {@code POST /jars/<id>/run} with {@code programArgs},
     * which runs the jar's {@code main} in the JobManager, detached. Returns the job id.
     */
    String submitJarThroughRest(Path jar, List<String> programArgs) throws Exception {
        return submitJarThroughRest(jar, null, programArgs, 2);
    }

    /**
     * As {@link #submitJarThroughRest(Path, List)}, with the {@code entryClass} (none: the jar's
     * Main-Class) and {@code parallelism} a {@code FlinkSessionJob}'s job spec gives the operator.
     */
    String submitJarThroughRest(
            Path jar, String entryClass, List<String> programArgs, int parallelism)
            throws Exception {
        String boundary = "----batchscore" + System.nanoTime();
        byte[] head =
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                                + jar.getFileName()
                                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> uploaded =
                http.send(
                        HttpRequest.newBuilder(URI.create(restUrl() + "/jars/upload"))
                                .timeout(Duration.ofMinutes(1))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(
                                        HttpRequest.BodyPublishers.ofByteArrays(
                                                List.of(head, Files.readAllBytes(jar), tail)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        ObjectMapper json = new ObjectMapper();
        String file = json.readTree(uploaded.body()).path("filename").asText();
        if (uploaded.statusCode() != 200 || file.isEmpty()) {
            throw new IllegalStateException(
                    "jar upload: " + uploaded.statusCode() + " " + uploaded.body());
        }
        String jarId = Path.of(file).getFileName().toString();
        Map<String, Object> request = new java.util.LinkedHashMap<>();
        request.put("programArgsList", programArgs);
        request.put("parallelism", parallelism);
        if (entryClass != null) {
            request.put("entryClass", entryClass);
        }
        String body = json.writeValueAsString(request);
        HttpResponse<String> run =
                http.send(
                        HttpRequest.newBuilder(URI.create(restUrl() + "/jars/" + jarId + "/run"))
                                .timeout(Duration.ofMinutes(2))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        String jobId = json.readTree(run.body()).path("jobid").asText();
        if (run.statusCode() != 200 || jobId.isEmpty()) {
            throw new IllegalStateException(
                    "POST /jars/" + jarId + "/run: " + run.statusCode() + " " + run.body());
        }
        return jobId;
    }

    /** Waits until job {@code jobId} reaches a globally terminal state; returns that state. */
    String awaitJob(String jobId, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = rest("/jobs/" + jobId).path("state").asText();
            if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)
                    || System.nanoTime() > deadline) {
                return state;
            }
            Thread.sleep(200);
        }
    }

    /**
     * Runs {@code bin/flink <args>} (Flink's {@code CliFrontend}) in a child JVM with {@code
     * FLINK_CONF_DIR} pointing at this cluster's configuration and waits for it; kills it after
     * {@code timeout}.
     */
    CliResult flink(Duration timeout, String... args) throws Exception {
        Path out = dir.resolve("log/flink-cli.out");
        List<String> command = new ArrayList<>(java("flink-cli"));
        command.add("-Xmx1g");
        command.add("org.apache.flink.client.cli.CliFrontend");
        command.addAll(Arrays.asList(args));
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
        builder.environment().put("FLINK_CONF_DIR", confDir.toString());
        Process cli = builder.start();
        synchronized (processes) {
            processes.add(cli);
        }
        boolean exited = cli.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!exited) {
            kill(cli);
        }
        String output = Files.readString(out);
        return new CliResult(exited ? cli.exitValue() : -1, exited, output);
    }

    /** What {@code bin/flink} printed and its exit code ({@code -1} when it was killed). */
    record CliResult(int exitCode, boolean exited, String output) {}

    /** The last lines of every child's log and output, to explain a failure. */
    String logTails() {
        StringBuilder tails = new StringBuilder();
        try (Stream<Path> files = Files.list(dir.resolve("log"))) {
            for (Path file : files.sorted().collect(Collectors.toList())) {
                List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
                tails.append("==> ").append(file.getFileName()).append(" <==\n");
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> tails.append(l).append('\n'));
            }
        } catch (IOException | RuntimeException e) {
            tails.append("(cannot read the logs: ").append(e).append(")\n");
        }
        return tails.toString();
    }

    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(killer);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private void startJobManager() throws IOException {
        Configuration conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(conf);
        List<String> command = new ArrayList<>(java("jobmanager"));
        command.addAll(split(JobManagerProcessUtils.generateJvmParametersStr(spec, conf)));
        command.add("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        launch("jobmanager", command);
    }

    private void startTaskManager() throws IOException {
        Configuration conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(conf);
        List<String> command = new ArrayList<>(java("taskmanager"));
        command.addAll(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        command.add("org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        launch("taskmanager", command);
    }

    private void launch(String name, List<String> command) throws IOException {
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("log/" + name + ".out").toFile())
                        .start();
        synchronized (processes) {
            processes.add(process);
        }
    }

    /** {@code java} with the JDK 17 opens, Flink's classpath and a log file named for the role. */
    private List<String> java(String role) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jdkArgs);
        command.add("-Dlog.file=" + dir.resolve("log/" + role + ".log"));
        command.add("-Dlog4j.configurationFile=" + confDir.resolve("log4j.properties").toUri());
        command.add("-cp");
        command.add(classpath);
        return command;
    }

    private void awaitTaskManager() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest request =
                HttpRequest.newBuilder(URI.create(restUrl() + "/taskmanagers"))
                        .timeout(Duration.ofSeconds(5))
                        .build();
        ObjectMapper json = new ObjectMapper();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            synchronized (processes) {
                for (Process p : processes) {
                    if (!p.isAlive()) {
                        throw new IllegalStateException(
                                "a cluster process exited with code " + p.exitValue());
                    }
                }
            }
            try {
                HttpResponse<String> response =
                        http.send(request, HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                JsonNode taskManagers = json.readTree(response.body()).path("taskmanagers");
                if (response.statusCode() == 200 && taskManagers.size() > 0) {
                    return;
                }
            } catch (IOException notUpYet) {
                last = notUpYet.toString();
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException(
                "no TaskManager registered at "
                        + restUrl()
                        + " within "
                        + STARTUP
                        + "; last: "
                        + last);
    }

    private void killAll() {
        List<Process> all;
        synchronized (processes) {
            all = new ArrayList<>(processes);
        }
        all.forEach(StandaloneFlinkCluster::kill);
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static String testClasspath() {
        return System.getProperty(
                "surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /**
     * The jars of the test JVM's classpath that a Flink distribution has too (see {@link
     * #FLINK_RUNTIME}); no module's {@code classes} or {@code test-classes} directory.
     */
    private static String flinkRuntimeClasspath() {
        return Arrays.stream(testClasspath().split(File.pathSeparator))
                .map(entry -> entry.replace('\\', '/'))
                .filter(entry -> entry.endsWith(".jar"))
                .filter(entry -> FLINK_RUNTIME.stream().anyMatch(entry::contains))
                .filter(entry -> NOT_FLINK_RUNTIME.stream().noneMatch(entry::contains))
                .collect(Collectors.joining(File.pathSeparator));
    }

    /**
     * The parent pom's {@code flink.jdk17.args} (it/pom.xml passes them as a system property), else
     * the {@code --add-opens}/{@code --add-exports} this JVM was started with.
     */
    private static List<String> jdk17Args() {
        String fromPom = System.getProperty("flink.jdk17.args");
        if (fromPom != null && !fromPom.isBlank()) {
            return split(fromPom);
        }
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
                .collect(Collectors.toList());
    }

    private static List<String> split(String args) {
        return Arrays.stream(args.trim().split("\\s+"))
                .filter(s -> !s.isEmpty())
                .collect(Collectors.toList());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
