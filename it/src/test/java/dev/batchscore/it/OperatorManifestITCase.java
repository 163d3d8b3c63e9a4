package dev.batchscore.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.operators.ScoredRows;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.configuration.YamlParserUtils;
import org.apache.iceberg.Table;
import org.apache.iceberg.data.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code FlinkSessionJob} of {@code deploy/k8s/session/} run as the Flink Kubernetes operator
 * runs it, on a standalone session cluster set up as §1 of the deploy issue ships it ({@code
 * deploy/target/flink-lib/} in {@code lib/}, {@code deploy/flink-conf-session.yaml} in its
 * configuration): the job jar uploaded through the REST API and run with the manifest's {@code
 * entryClass}, {@code args} and {@code parallelism}, its {@code --config} the ConfigMap's job
 * config with only what points at Kubernetes and S3 made local (Kafka bootstrap, model path, a
 * Hadoop catalog on a local warehouse). The bounded run must finish, commit every record once and
 * its complete marker, as a detached submission does by itself.
 */
class OperatorManifestITCase {
    private static final int PARTITIONS = 4;
    private static final int RECORDS = 301;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

    @RegisterExtension static final KafkaBroker KAFKA = new KafkaBroker();

    @TempDir static Path scratch;

    @Test
    void theSessionJobOfTheManifestRunsToAFinishedCompleteRun() throws Exception {
        Path session = BuiltArtifacts.deploy().resolve("k8s/session");
        Map<String, Object> sessionJob = yaml(session.resolve("sessionjob.yaml"));
        Map<String, Object> job = map(map(sessionJob, "spec"), "job");
        String entryClass = (String) job.get("entryClass");
        List<String> args = strings(job.get("args"));
        int parallelism = ((Number) job.get("parallelism")).intValue();
        String runId = args.get(args.indexOf("--pipeline.run-id") + 1);

        // The session cluster the job targets: its slots, and the job config it mounts.
        Map<String, Object> cluster = yaml(session.resolve("session-cluster.yaml"));
        assertThat(map(cluster, "metadata").get("name"))
                .isEqualTo(map(sessionJob, "spec").get("deploymentName"));
        Map<String, Object> flinkConf = map(map(cluster, "spec"), "flinkConfiguration");
        int slots = Integer.parseInt(flinkConf.get("taskmanager.numberOfTaskSlots").toString());
        Map<String, Object> jobConfig =
                YamlParserUtils.convertToObject(
                        (String)
                                map(yaml(session.resolve("job-config.yaml")), "data")
                                        .get("job.yaml"),
                        Map.class);
        String topic = (String) jobConfig.get("source.kafka.topic");
        String table = (String) jobConfig.get("sink.iceberg.table");

        KAFKA.createTopic(topic, PARTITIONS);
        KAFKA.produce(topic, PARTITIONS, ExactlyOnce.halfPlusTwoRecords(0, RECORDS));

        // What points at the cluster's Kubernetes and S3 neighbours, made local; the rest as is.
        Path warehouse = scratch.resolve("warehouse");
        Map<String, Object> local = new LinkedHashMap<>(jobConfig);
        local.keySet().removeIf(k -> k.startsWith("sink.iceberg.catalog."));
        local.put("source.kafka.bootstrap-servers", KAFKA.bootstrapServers());
        local.put("model.path", TestJobs.halfPlusTwoFixture().toString());
        local.put("sink.iceberg.catalog.type", "hadoop");
        local.put("sink.iceberg.catalog.warehouse", warehouse.toUri().toString());
        Path jobYaml = scratch.resolve("job.yaml");
        Files.writeString(
                jobYaml,
                local.entrySet().stream()
                        .map(e -> e.getKey() + ": " + quoted(e.getValue()))
                        .collect(Collectors.joining("\n", "", "\n")));
        List<String> programArgs = new ArrayList<>(args);
        programArgs.set(args.indexOf("--config") + 1, jobYaml.toString());

        try (StandaloneFlinkCluster flink =
                StandaloneFlinkCluster.start(
                        scratch.resolve("session-cluster"),
                        slots,
                        BuiltArtifacts.flinkLibJars(),
                        BuiltArtifacts.flinkConfSession())) {
            String jobId =
                    flink.submitJarThroughRest(
                            BuiltArtifacts.jobJar(), entryClass, programArgs, parallelism);
            assertThat(flink.awaitJob(jobId, RUN_TIMEOUT))
                    .as("job %s of the manifest's FlinkSessionJob%n%s", jobId, flink.logTails())
                    .isEqualTo("FINISHED");
        }

        Table scored = TestJobs.table(warehouse, table);
        List<Record> rows = ExactlyOnce.rows(scored);
        ExactlyOnce.assertHalfPlusTwoOnce(rows, RECORDS);
        ExactlyOnce.assertEveryRow(rows, ScoredRows.RUN_ID, runId);
        ExactlyOnce.assertCompleteRun(scored, runId);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws Exception {
        return YamlParserUtils.loadYamlFile(new File(file.toString()));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value).as("%s in %s", key, parent.keySet()).isInstanceOf(Map.class);
        return (Map<String, Object>) value;
    }

    private static List<String> strings(Object list) {
        assertThat(list).isInstanceOf(List.class);
        return ((List<?>) list).stream().map(String::valueOf).collect(Collectors.toList());
    }

    /** A YAML double-quoted scalar (JSON string syntax). */
    private static String quoted(Object value) {
        return "\"" + String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
