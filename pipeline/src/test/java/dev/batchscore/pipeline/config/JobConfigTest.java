package dev.batchscore.pipeline.config;

import static dev.batchscore.pipeline.config.BatchscoreOptions.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.pipeline.kafka.KafkaSources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.kafka.common.IsolationLevel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    @TempDir Path dir;

    private Path yaml(String text) throws Exception {
        Path file = dir.resolve("job.yaml");
        Files.writeString(file, text);
        return file;
    }

    /**
     * Application mode with HA: the fixed job id names the run, unless the user or a savepoint
     * does.
     */
    @Test
    void aFixedJobIdIsTheRunIdOfANewRun() {
        String jobId = "a1b2c3d4e5f60718293a4b5c6d7e8f90";
        assertThat(config().withFixedJobId(jobId).get(PIPELINE_RUN_ID)).isEqualTo(jobId);
        assertThat(config("--pipeline.run-id", "slot-7").withFixedJobId(jobId).get(PIPELINE_RUN_ID))
                .isEqualTo("slot-7");
        assertThat(
                        config("--resume-from", "/sp/savepoint-1")
                                .withFixedJobId(jobId)
                                .getOptional(PIPELINE_RUN_ID))
                .as("a resumed job is the savepoint's run")
                .isEmpty();
        assertThat(config().withFixedJobId(null).getOptional(PIPELINE_RUN_ID)).isEmpty();
    }

    /** The required options and {@code extra}. */
    private static JobConfig config(String... extra) {
        List<String> args =
                new java.util.ArrayList<>(
                        List.of(
                                "--source.kafka.bootstrap-servers",
                                "broker:9092",
                                "--source.kafka.topic",
                                "reviews",
                                "--model.path",
                                "/models/m",
                                "--sink.iceberg.table",
                                "db.scored",
                                "--sink.iceberg.catalog.warehouse",
                                "/tmp/wh"));
        args.addAll(List.of(extra));
        return JobConfig.fromArgs(args.toArray(new String[0]));
    }

    @Test
    void cliBeatsFileBeatsDefault() throws Exception {
        Path file =
                yaml(
                        String.join(
                                "\n",
                                "source.kafka.bootstrap-servers: broker:9092",
                                "source.kafka.topic: reviews",
                                "model.path: /models/text",
                                "sink.iceberg.table: demo.scored",
                                "sink.iceberg.catalog.warehouse: /tmp/wh",
                                "batch.size: 512",
                                "batch.max-delay: 5 s",
                                ""));
        JobConfig config =
                JobConfig.fromArgs(
                        new String[] {
                            "--batch.size", "64", "--config", file.toString(), "--parallelism=3"
                        });

        assertThat(config.get(BATCH_SIZE)).isEqualTo(64); // CLI, even before --config
        assertThat(config.get(BATCH_MAX_DELAY)).isEqualTo(Duration.ofSeconds(5)); // file
        assertThat(config.get(MODEL_SIGNATURE)).isEqualTo("serving_default"); // default
        assertThat(config.get(SOURCE_KAFKA_BOOTSTRAP_SERVERS)).isEqualTo("broker:9092");
        assertThat(config.get(PARALLELISM)).isEqualTo(3);
    }

    @Test
    void nestedYamlAndPrefixOptions() throws Exception {
        Path file =
                yaml(
                        String.join(
                                "\n",
                                "source:",
                                "  kafka:",
                                "    bootstrap-servers: broker:9092",
                                "    topic: [reviews, returns]",
                                "    properties:",
                                "      security.protocol: SSL",
                                "model:",
                                "  path: /models/text",
                                "  input:",
                                "    text: review_text",
                                "sink.iceberg:",
                                "  table: demo.scored",
                                "  catalog.warehouse: /tmp/wh",
                                "  partition-by: [\"day(_source_timestamp)\", \"bucket(16,"
                                        + " review_id)\"]",
                                ""));
        JobConfig config = JobConfig.fromArgs(new String[] {"--config", file.toString()});

        assertThat(config.get(SOURCE_KAFKA_TOPIC)).containsExactly("reviews", "returns");
        assertThat(config.prefixed(SOURCE_KAFKA_PROPERTIES))
                .containsEntry("security.protocol", "SSL");
        assertThat(config.prefixed(MODEL_INPUT)).isEqualTo(Map.of("text", "review_text"));
        assertThat(config.get(SINK_ICEBERG_PARTITION_BY))
                .containsExactly("day(_source_timestamp)", "bucket(16, review_id)");
    }

    @Test
    void cliListsSplitOnCommasOutsideParentheses() {
        Map<String, Object> cli = RequiredKeys.map();
        cli.put("source.kafka.topic", "a, b");
        cli.put("sink.iceberg.partition-by", "bucket(16, id),day(ts)");
        cli.put("output.passthrough", "id,price:double");
        JobConfig config = JobConfig.of(Map.of(), "", cli);

        assertThat(config.get(SOURCE_KAFKA_TOPIC)).containsExactly("a", "b");
        assertThat(config.get(SINK_ICEBERG_PARTITION_BY))
                .containsExactly("bucket(16, id)", "day(ts)");
        assertThat(config.get(OUTPUT_PASSTHROUGH)).containsExactly("id", "price:double");
    }

    @Test
    void unknownKeySuggestsTheClosestKnownKey() {
        Map<String, Object> cli = RequiredKeys.map();
        cli.put("batch.sise", "10");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", cli))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown option 'batch.sise' (from --batch.sise)")
                .hasMessageContaining("did you mean 'batch.size'?");
    }

    @Test
    void unknownKeyUnderAMisspelledPrefixSuggestsThePrefix() {
        Map<String, Object> file = RequiredKeys.map();
        file.put("model.inputs.text", "review_text");
        assertThatThrownBy(() -> JobConfig.of(file, "job.yaml", Map.of()))
                .hasMessageContaining("unknown option 'model.inputs.text' (from job.yaml)")
                .hasMessageContaining("did you mean 'model.input.*'?");
    }

    @Test
    void unknownKeyFarFromEverythingPointsToHelp() {
        Map<String, Object> cli = RequiredKeys.map();
        cli.put("completely.unrelated.setting", "x");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", cli))
                .hasMessageContaining("unknown option 'completely.unrelated.setting'")
                .hasMessageContaining("--help");
    }

    @Test
    void missingRequiredKeyIsNamed() {
        for (String key :
                List.of(
                        "source.kafka.bootstrap-servers",
                        "source.kafka.topic",
                        "model.path",
                        "sink.iceberg.table")) {
            Map<String, Object> cli = RequiredKeys.map();
            cli.remove(key);
            assertThatThrownBy(() -> JobConfig.of(Map.of(), "", cli))
                    .as(key)
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("missing required option '" + key + "'")
                    .hasMessageContaining("--" + key + " <value>");
        }
    }

    @Test
    void catalogSpecificRequirements() {
        Map<String, Object> cli = RequiredKeys.map();
        cli.remove("sink.iceberg.catalog.warehouse");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", cli))
                .hasMessageContaining("sink.iceberg.catalog.warehouse");

        Map<String, Object> rest = RequiredKeys.map();
        rest.put("sink.iceberg.catalog.type", "rest");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", rest))
                .hasMessageContaining("sink.iceberg.catalog.uri");
        rest.put("sink.iceberg.catalog.uri", "http://localhost:8181");
        assertThat(JobConfig.of(Map.of(), "", rest).get(SINK_ICEBERG_CATALOG_URI))
                .isEqualTo("http://localhost:8181");
    }

    @Test
    void invalidValuesNameKeyAndValue() {
        Map<String, Object> cli = RequiredKeys.map();
        cli.put("batch.size", "lots");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", cli))
                .hasMessageContaining("batch.size")
                .hasMessageContaining("lots");

        Map<String, Object> offsets = RequiredKeys.map();
        offsets.put("source.kafka.starting-offsets", "yesterday");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", offsets))
                .hasMessageContaining("source.kafka.starting-offsets")
                .hasMessageContaining("timestamp:<epoch ms>");

        Map<String, Object> table = RequiredKeys.map();
        table.put("sink.iceberg.table", "scored");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", table))
                .hasMessageContaining("expected namespace.table");

        Map<String, Object> mode = RequiredKeys.map();
        mode.put("execution.runtime-mode", "batch");
        mode.put("source.kafka.bounded", "false");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", mode))
                .hasMessageContaining("source.kafka.bounded");
    }

    @Test
    void errorsTableDefaultsToTableWithSuffix() {
        assertThat(JobConfig.of(Map.of(), "", RequiredKeys.map()).settings().sink().errorsTable())
                .isEqualTo("demo.scored_errors");
        Map<String, Object> cli = RequiredKeys.map();
        cli.put("sink.iceberg.errors-table", "dlq.scored");
        assertThat(JobConfig.of(Map.of(), "", cli).settings().sink().errorsTable())
                .isEqualTo("dlq.scored");
    }

    @Test
    void flinkConfigurationKeepsFinalCheckpointOn() {
        Map<String, Object> cli = RequiredKeys.map();
        cli.put("execution.checkpointing.interval", "3 s");
        cli.put("execution.checkpointing.dir", "file:///tmp/cp");
        cli.put("parallelism", "2");
        Configuration conf =
                JobConfig.of(Map.of(), "", cli).settings().execution().flinkConfiguration();

        assertThat(conf.get(ExecutionOptions.RUNTIME_MODE))
                .isEqualTo(RuntimeExecutionMode.STREAMING);
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo("file:///tmp/cp");
        assertThat(conf.get(CheckpointingOptions.ENABLE_CHECKPOINTS_AFTER_TASKS_FINISH)).isTrue();
        assertThat(conf.get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(2);

        Map<String, Object> batch = RequiredKeys.map();
        batch.put("execution.runtime-mode", "BATCH");
        assertThat(
                        JobConfig.of(Map.of(), "", batch)
                                .settings()
                                .execution()
                                .flinkConfiguration()
                                .get(ExecutionOptions.RUNTIME_MODE))
                .isEqualTo(RuntimeExecutionMode.BATCH);
    }

    @Test
    void flinkPrefixPassesAnyFlinkKeyThroughButOurOptionsWin() throws Exception {
        Configuration conf =
                JobConfig.fromArgs(
                                new String[] {
                                    "--source.kafka.bootstrap-servers", "localhost:9092",
                                    "--source.kafka.topic", "reviews",
                                    "--model.path", "s3://models/text",
                                    "--sink.iceberg.table", "demo.scored",
                                    "--sink.iceberg.catalog.warehouse", "/tmp/wh",
                                    "--flink.s3.endpoint", "http://127.0.0.1:9000",
                                    "--flink.execution.checkpointing.interval", "1 min",
                                    "--execution.checkpointing.interval", "3 s"
                                })
                        .settings()
                        .execution()
                        .flinkConfiguration();
        assertThat(conf.getString("s3.endpoint", null)).isEqualTo("http://127.0.0.1:9000");
        assertThat(conf.get(CheckpointingOptions.CHECKPOINTING_INTERVAL))
                .as("execution.checkpointing.interval wins over flink.execution...")
                .isEqualTo(Duration.ofSeconds(3));

        // A nested YAML block is the same keys.
        Path file = yaml("flink:\n  s3.path.style.access: true\n  s3:\n    access-key: k\n");
        Configuration fromFile =
                JobConfig.of(JobConfig.loadYaml(file), "job.yaml", RequiredKeys.map())
                        .settings()
                        .execution()
                        .flinkConfiguration();
        assertThat(fromFile.getString("s3.path.style.access", null)).isEqualTo("true");
        assertThat(fromFile.getString("s3.access-key", null)).isEqualTo("k");
    }

    @Test
    void argumentErrors() {
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"job.yaml"}))
                .hasMessageContaining("unexpected argument 'job.yaml'");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--batch.size"}))
                .hasMessageContaining("--batch.size needs a value");
        assertThatThrownBy(
                        () ->
                                JobConfig.fromArgs(
                                        new String[] {
                                            "--config", dir.resolve("nope.yaml").toString()
                                        }))
                .hasMessageContaining("does not exist");
    }

    @Test
    void kafkaTransactionsAndGapOptions() {
        JobConfig defaults = JobConfig.of(Map.of(), "", RequiredKeys.map());
        assertThat(defaults.settings().source().onMissingOffsets())
                .isEqualTo(SourceSettings.OnMissingOffsets.FAIL);
        assertThat(defaults.settings().source().clientProperties())
                .containsEntry("isolation.level", "read_committed");
        assertThat(KafkaSources.isolationLevel(defaults.settings().source().clientProperties()))
                .isEqualTo(IsolationLevel.READ_COMMITTED);

        Map<String, Object> uncommitted = RequiredKeys.map();
        uncommitted.put("source.kafka.properties.isolation.level", "read_uncommitted");
        uncommitted.put("source.kafka.on-missing-offsets", "SKIP");
        JobConfig config = JobConfig.of(Map.of(), "", uncommitted);
        assertThat(config.settings().source().onMissingOffsets())
                .isEqualTo(SourceSettings.OnMissingOffsets.SKIP);
        assertThat(KafkaSources.isolationLevel(config.settings().source().clientProperties()))
                .isEqualTo(IsolationLevel.READ_UNCOMMITTED);

        Map<String, Object> badMode = RequiredKeys.map();
        badMode.put("source.kafka.on-missing-offsets", "ignore");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", badMode))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "option 'source.kafka.on-missing-offsets' is 'ignore': expected fail or"
                                + " skip");

        Map<String, Object> badIsolation = RequiredKeys.map();
        badIsolation.put("source.kafka.properties.isolation.level", "committed");
        assertThatThrownBy(() -> JobConfig.of(Map.of(), "", badIsolation))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("source.kafka.properties.isolation.level")
                .hasMessageContaining("'committed'")
                .hasMessageContaining("expected read_committed (the default) or read_uncommitted");
    }
}
