package dev.batchscore.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.ModelRegistry;
import dev.batchscore.pipeline.config.JobConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What a local run starts before it is planned: a real MiniCluster and a real SavedModel. */
class LocalWarmupTest {

    private static JobConfig config(int parallelism) {
        Path model =
                Path.of(
                                System.getProperty("batchscore.shared.dir", "../shared"),
                                "fixtures/tf-serving-savedmodels/saved_model_half_plus_two_cpu")
                        .toAbsolutePath()
                        .normalize();
        return JobConfig.fromArgs(
                new String[] {
                    "--source.kafka.bootstrap-servers", "localhost:9092",
                    "--source.kafka.topic", "t",
                    "--model.path", model.toString(),
                    "--sink.iceberg.catalog.warehouse", "/w",
                    "--sink.iceberg.table", "a.b",
                    "--parallelism", Integer.toString(parallelism)
                });
    }

    @Test
    void theClusterItStartedIsHandedOverAndTheModelHeldUntilClose() throws Exception {
        int before = ModelRegistry.loadedCount();
        LocalCluster cluster;
        try (LocalWarmup warmup = LocalWarmup.start(config(2).settings())) {
            cluster = warmup.takeCluster(2);
            assertThat(cluster).as("a cluster with the job's slots").isNotNull();
            assertThat(cluster.miniCluster().isRunning()).isTrue();
            assertThat(warmup.holdsModel()).isTrue();
            assertThat(ModelRegistry.loadedCount()).isEqualTo(before + 1);
        }
        assertThat(cluster.miniCluster().isRunning())
                .as("the taker closes it, not close()")
                .isTrue();
        cluster.close();
        assertThat(ModelRegistry.loadedCount()).as("the model is released").isEqualTo(before);
    }

    @Test
    void aClusterWithTooFewSlotsIsClosedAndNotHandedOver() throws Exception {
        try (LocalWarmup warmup = LocalWarmup.start(config(1).settings())) {
            assertThat(warmup.takeCluster(2)).isNull();
        }
    }
}
