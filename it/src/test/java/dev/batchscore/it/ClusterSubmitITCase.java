package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchscore.operators.ScoredRows;
import dev.batchscore.pipeline.runs.RunClaim;
import dev.batchscore.pipeline.runs.RunLedger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the README promises: {@code flink run pipeline/target/batchscore.jar --config job.yaml}
 * works on a real Flink cluster. A standalone session cluster (JobManager and TaskManager in their
 * own JVMs, Flink's runtime only on their classpath) gets the shaded job jar through Flink's own
 * CLI, attached; the jar must bring the Kafka connector, Iceberg, Hadoop and TensorFlow itself,
 * loaded by Flink's user-code class loader. The run must exit 0 and commit every record once with
 * the model's score, its lineage on every data snapshot and its complete marker.
 *
 * <p>TensorFlow's native library can be loaded by one class loader per JVM: a second job from the
 * jar on the same TaskManager is refused (before this check it aborted the TaskManager), and with
 * what the deploy module ships for a session cluster (its {@code target/flink-lib/} jars in Flink's
 * {@code lib/}, its {@code flink-conf-session.yaml} in {@code config.yaml}), jobs share the
 * TaskManager.
 *
 * <p>The jar is the pipeline module's build output ({@code pipeline/target<build.suffix>}); {@code
 * mvn verify} packages it before this module's tests run.
 */
class ClusterSubmitITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 301;
    private static final String TOPIC = "cluster-submit";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(3);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @TempDir static Path scratch;

    private static Path model;
    private static Path jobJar;
    private static final List<StandaloneFlinkCluster> clusters = new ArrayList<>();

    @BeforeAll
    static void recordsModelAndJar() throws Exception {
        model = TestJobs.halfPlusTwoFixture();
        jobJar = BuiltArtifacts.jobJar();
        KAFKA.createTopic(TOPIC, PARTITIONS);
        KAFKA.produce(TOPIC, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, RECORDS));
    }

    @AfterAll
    static void killClusters() {
        clusters.forEach(StandaloneFlinkCluster::close);
    }

    @Test
    void flinkRunOfTheJobJarScoresEveryRecordOnce() throws Exception {
        StandaloneFlinkCluster cluster = start("flink-runtime-only", List.of(), List.of());
        String taskManager =
                cluster.rest("/taskmanagers").path("taskmanagers").get(0).path("id").asText();

        Table table = run(cluster, "it.cluster_submit", "cluster-submit-1");

        // It really ran on the cluster: the JobManager knows it, and it finished.
        JsonNode jobs = cluster.rest("/jobs/overview").path("jobs");
        assertThat(jobs).as("jobs on the cluster").hasSize(1);
        assertThat(jobs.get(0).path("name").asText()).startsWith("batchscore ");
        assertThat(jobs.get(0).path("state").asText()).isEqualTo("FINISHED");
        assertEveryRecordOnce(table, "cluster-submit-1");

        // The client committed the started marker, the job its data and its complete marker.
        int dataSnapshots = 0;
        boolean complete = false;
        for (Snapshot snapshot : table.snapshots()) {
            Map<String, String> summary = snapshot.summary();
            assertThat(summary)
                    .as("summary of snapshot %d", snapshot.snapshotId())
                    .containsEntry(RunLedger.RUN_ID, "cluster-submit-1");
            if (Long.parseLong(summary.getOrDefault("added-data-files", "0")) > 0) {
                dataSnapshots++;
                assertThat(summary)
                        .containsEntry(RunLedger.MODEL, "saved_model_half_plus_two_cpu")
                        .containsEntry(RunLedger.MODEL_VERSION, "123")
                        .containsKey(RunLedger.PIPELINE_ID);
                assertThat(summary.get(RunLedger.END_POSITIONS)).contains(TOPIC + ":0=");
            }
            complete |= RunLedger.COMPLETE.equals(summary.get(RunLedger.RUN_EVENT));
        }
        assertThat(dataSnapshots).as("snapshots that added rows").isPositive();
        assertThat(complete).as("the run has its complete marker").isTrue();
        ExactlyOnce.assertCompleteRun(table, "cluster-submit-1");

        // A second job from the jar on this TaskManager would load a second copy of TensorFlow's
        // native library, which aborted the TaskManager process: it is refused, the TaskManager
        // lives.
        StandaloneFlinkCluster.CliResult second =
                cluster.flink(
                        RUN_TIMEOUT,
                        "run",
                        jobJar.toString(),
                        "--config",
                        jobYaml("it.cluster_submit_second", "cluster-submit-2").toString(),
                        "--execution.restart.max-attempts",
                        "0");
        assertThat(second.exitCode())
                .as("exit code of the second job; output:%n%s", second.output())
                .isNotZero();
        assertThat(second.output())
                .contains("TensorFlow's native library is already loaded in this JVM");
        assertThat(cluster.rest("/taskmanagers").path("taskmanagers"))
                .as("TaskManagers after the second job")
                .singleElement()
                .satisfies(tm -> assertThat(tm.path("id").asText()).isEqualTo(taskManager));
        cluster.close();
    }

    @Test
    void withTensorFlowInFlinksLibTwoJobsShareTheTaskManager() throws Exception {
        StandaloneFlinkCluster cluster =
                start(
                        "tensorflow-in-lib",
                        // What ships: deploy's flink-lib/ jars in lib/, its session config
                        // appended to config.yaml. Six jobs of the job jar then run, one after the
                        // other, in one TaskManager.
                        BuiltArtifacts.flinkLibJars(),
                        BuiltArtifacts.flinkConfSession());
        assertEveryRecordOnce(run(cluster, "it.cluster_lib_first", "lib-1"), "lib-1");
        assertEveryRecordOnce(run(cluster, "it.cluster_lib_second", "lib-2"), "lib-2");

        // Detached, as the Web UI and a FlinkSessionJob submit (POST /jars/<id>/run) and as flink
        // run -d does: nobody waits for the job, which marks its own run complete.
        String jobId =
                cluster.submitJarThroughRest(
                        jobJar,
                        List.of("--config", jobYaml("it.cluster_rest", "rest-1").toString()));
        assertThat(cluster.awaitJob(jobId, RUN_TIMEOUT))
                .as("job %s submitted through the REST API%n%s", jobId, cluster.logTails())
                .isEqualTo("FINISHED");
        assertCompleteRun(table("it.cluster_rest"), "rest-1");

        StandaloneFlinkCluster.CliResult detached =
                cluster.flink(
                        RUN_TIMEOUT,
                        "run",
                        "-d",
                        jobJar.toString(),
                        "--config",
                        jobYaml("it.cluster_detached", "detached-1").toString());
        assertThat(detached.exitCode())
                .as("flink run -d exit code; output:%n%s", detached.output())
                .isZero();
        Matcher submitted = Pattern.compile("JobID ([0-9a-f]{32})").matcher(detached.output());
        assertThat(submitted.find()).as("job id in: %s", detached.output()).isTrue();
        assertThat(cluster.awaitJob(submitted.group(1), RUN_TIMEOUT)).isEqualTo("FINISHED");
        assertCompleteRun(table("it.cluster_detached"), "detached-1");

        // Stopped with Flink's own flink stop, restored with Flink's own flink run -s: main() plans
        // the restore as the resumed run it is, and the restored job marks it complete.
        String yaml = jobYaml("it.cluster_restore", "restore-1").toString();
        // The throttling consumer interceptor joins the job's class loader (-C), next to the
        // Kafka client it plugs into.
        String testClasses =
                ThrottlingInterceptor.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toString();
        // One record per poll, 200 ms each: about 30 s for the topic, so the stop lands half way.
        List<String> slow = new ArrayList<>(ThrottlingInterceptor.jobArgs(200));
        slow.addAll(List.of("--source.kafka.properties.max.poll.records", "1"));
        StandaloneFlinkCluster.CliResult started =
                cluster.flink(RUN_TIMEOUT, flinkRun(List.of("-d"), testClasses, yaml, slow));
        Matcher job = Pattern.compile("JobID ([0-9a-f]{32})").matcher(started.output());
        assertThat(job.find()).as("job id in: %s", started.output()).isTrue();
        Table restored = table("it.cluster_restore");
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (dataRows(restored) == 0 && System.nanoTime() < deadline) {
            assertThat(cluster.rest("/jobs/" + job.group(1)).path("state").asText())
                    .as("state of the job to stop")
                    .isEqualTo("RUNNING");
            Thread.sleep(100);
        }
        StandaloneFlinkCluster.CliResult stop =
                cluster.flink(
                        RUN_TIMEOUT,
                        "stop",
                        "--savepointPath",
                        scratch.resolve("savepoints").toUri().toString(),
                        job.group(1));
        Matcher savepoint =
                Pattern.compile("Savepoint completed\\. Path: (\\S+)").matcher(stop.output());
        assertThat(savepoint.find()).as("flink stop output: %s", stop.output()).isTrue();
        assertThat(dataRows(restored)).as("rows before the restore").isBetween(1L, RECORDS - 1L);
        assertThat(
                        new RunLedger(restored)
                                .hasCompleteRun(
                                        restored.currentSnapshot()
                                                .summary()
                                                .get(RunLedger.PIPELINE_ID)))
                .as("a stopped run is not complete")
                .isFalse();
        StandaloneFlinkCluster.CliResult resumed =
                cluster.flink(
                        RUN_TIMEOUT,
                        flinkRun(List.of("-s", savepoint.group(1)), testClasses, yaml, slow));
        assertThat(resumed.exitCode())
                .as("flink run -s output:%n%s%n%s", resumed.output(), cluster.logTails())
                .isZero();
        assertCompleteRun(restored, "restore-1");

        // Application mode with HA fixes the job id and runs main() again after a JobManager
        // failover, while the recovered job runs on. Two flink run -d with one fixed job id stand
        // for it: the second main() plans the same run (its run id is the job id) and goes on
        // under the running job's claim instead of being refused by it; Flink then refuses the
        // duplicate job id, and the first job keeps its claim and completes its run.
        String fixedJobId = "0b5e3f1a2c4d6e8f0a1b2c3d4e5f6a7b";
        String fixedYaml = jobYaml("it.cluster_fixed_job_id", null).toString();
        List<String> fixed = List.of("-d", "-D", "$internal.pipeline.job-id=" + fixedJobId);
        StandaloneFlinkCluster.CliResult firstMain =
                cluster.flink(RUN_TIMEOUT, flinkRun(fixed, testClasses, fixedYaml, slow));
        assertThat(firstMain.output()).as("first main()").contains(fixedJobId);
        Table app = table("it.cluster_fixed_job_id");
        long appDeadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (dataRows(app) == 0 && System.nanoTime() < appDeadline) {
            Thread.sleep(100);
        }
        String pipeline = app.currentSnapshot().summary().get(RunLedger.PIPELINE_ID);
        String token = new RunLedger(app).claimOf(pipeline).orElseThrow().token();
        StandaloneFlinkCluster.CliResult secondMain =
                cluster.flink(RUN_TIMEOUT, flinkRun(fixed, testClasses, fixedYaml, slow));
        assertThat(secondMain.output())
                .as("second main() with the same fixed job id")
                .doesNotContain("is already being run by")
                .contains("DuplicateJobSubmissionException");
        assertThat(new RunLedger(app).claimOf(pipeline).map(RunClaim::token))
                .as("the running job's claim after the second main()")
                .contains(token);
        assertThat(cluster.awaitJob(fixedJobId, RUN_TIMEOUT)).isEqualTo("FINISHED");
        assertCompleteRun(app, fixedJobId);
        assertThat(cluster.rest("/taskmanagers").path("taskmanagers")).hasSize(1);
        cluster.close();
    }

    /** Every record once (see below) and the run's complete marker, committed by the job. */
    private static void assertCompleteRun(Table table, String runId) throws Exception {
        table.refresh();
        assertEveryRecordOnce(table, runId);
        ExactlyOnce.assertCompleteRun(table, runId);
    }

    private static long dataRows(Table table) throws Exception {
        table.refresh();
        return ExactlyOnce.rows(table).size();
    }

    private static Table table(String name) {
        return TestJobs.table(warehouse(), name);
    }

    /**
     * {@code flink run <options> -C <test classes> <job jar> --config <yaml> <job options>}: the
     * test classes join the job's class loader.
     */
    private static String[] flinkRun(
            List<String> options, String testClasses, String yaml, List<String> jobOptions) {
        List<String> argv = new ArrayList<>(List.of("run"));
        argv.addAll(options);
        argv.addAll(List.of("-C", testClasses, jobJar.toString(), "--config", yaml));
        argv.addAll(jobOptions);
        return argv.toArray(new String[0]);
    }

    private static StandaloneFlinkCluster start(
            String name, List<String> libJars, List<String> config) throws Exception {
        StandaloneFlinkCluster cluster =
                StandaloneFlinkCluster.start(scratch.resolve(name), 2, libJars, config);
        clusters.add(cluster);
        return cluster;
    }

    /** {@code flink run <jar> --config job.yaml}, which must exit 0; returns the scored table. */
    private static Table run(StandaloneFlinkCluster cluster, String table, String runId)
            throws Exception {
        StandaloneFlinkCluster.CliResult run =
                cluster.flink(
                        RUN_TIMEOUT,
                        "run",
                        jobJar.toString(),
                        "--config",
                        jobYaml(table, runId).toString());
        if (run.exitCode() != 0) {
            fail(
                    "flink run %s exited with %s:%n%s%n%s",
                    jobJar,
                    run.exited()
                            ? "code " + run.exitCode()
                            : "no exit within " + RUN_TIMEOUT + " (killed)",
                    run.output(),
                    cluster.logTails());
        }
        assertThat(run.output()).contains("Job has been submitted with JobID");
        return table(table);
    }

    /** The job's config; without {@code pipeline.run-id} for a null {@code runId}. */
    private static Path jobYaml(String table, String runId) throws Exception {
        Path yaml = scratch.resolve(table + ".yaml");
        Files.writeString(
                yaml,
                String.join(
                        "\n",
                        "source.kafka.bootstrap-servers: \"" + KAFKA.bootstrapServers() + "\"",
                        "source.kafka.topic: " + TOPIC,
                        "model.path: \"" + model + "\"",
                        "sink.iceberg.catalog.type: hadoop",
                        "sink.iceberg.catalog.warehouse: \"" + warehouse().toUri() + "\"",
                        "sink.iceberg.table: " + table,
                        runId == null ? "" : "pipeline.run-id: " + runId,
                        "execution.runtime-mode: streaming",
                        "execution.checkpointing.interval: 500 ms",
                        "parallelism: 2",
                        "batch.size: 16",
                        ""));
        return yaml;
    }

    private static Path warehouse() {
        return scratch.resolve("warehouse");
    }

    /** RECORDS rows, each source position and id once, y = 0.5x + 2, all of run {@code runId}. */
    private static void assertEveryRecordOnce(Table table, String runId) throws Exception {
        List<Record> rows = ExactlyOnce.rows(table);
        ExactlyOnce.assertHalfPlusTwoOnce(rows, RECORDS);
        ExactlyOnce.assertEveryRow(rows, ScoredRows.RUN_ID, runId);
    }
}
