package dev.batchscore.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Assumptions;

/**
 * The setup the job ITs share: the TF Serving half_plus_two fixture, the MiniCluster they run on
 * and the command-line skeleton of a scoring job. Each test adds its own options (checkpoint
 * interval, batch size, throttling) to the skeleton, so what a test runs stays visible in the test.
 */
final class TestJobs {
    private TestJobs() {}

    /**
     * TF Serving's {@code saved_model_half_plus_two_cpu} (y = 0.5x + 2 exactly) under {@code
     * -Dbatchscore.shared.dir}; skips the calling test (or class, from a {@code @BeforeAll}) when
     * the shared fixtures are not checked out, since they live outside this repository.
     */
    static Path halfPlusTwoFixture() {
        String shared = System.getProperty("batchscore.shared.dir");
        Path model =
                shared == null
                        ? null
                        : Path.of(
                                shared,
                                "fixtures/tf-serving-savedmodels/saved_model_half_plus_two_cpu");
        Assumptions.assumeTrue(
                model != null && Files.isDirectory(model),
                "skipped: ../shared/fixtures/tf-serving-savedmodels/saved_model_half_plus_two_cpu is"
                        + " absent (set -Dbatchscore.shared.dir)");
        return model;
    }

    /** A MiniCluster of {@code taskManagers} TaskManagers with {@code slots} slots each. */
    static MiniClusterExtension miniCluster(int taskManagers, int slots) {
        return miniCluster(new Configuration(), taskManagers, slots);
    }

    /** As {@link #miniCluster(int, int)}, with a cluster configuration. */
    static MiniClusterExtension miniCluster(Configuration conf, int taskManagers, int slots) {
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setConfiguration(conf)
                        .setNumberTaskManagers(taskManagers)
                        .setNumberSlotsPerTaskManager(slots)
                        .build());
    }

    /**
     * The options every job run needs: the topic on {@code kafka}, the model, a Hadoop catalog in
     * {@code warehouse}, the table and the runtime mode. Mutable: callers append their own options.
     */
    static List<String> jobArgs(
            KafkaBroker kafka,
            String topic,
            Path model,
            Path warehouse,
            String table,
            String mode) {
        return new ArrayList<>(
                List.of(
                        "--source.kafka.bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--source.kafka.topic",
                        topic,
                        "--model.path",
                        model.toString(),
                        "--sink.iceberg.catalog.type",
                        "hadoop",
                        "--sink.iceberg.catalog.warehouse",
                        warehouse.toUri().toString(),
                        "--sink.iceberg.table",
                        table,
                        "--execution.runtime-mode",
                        mode));
    }
}
