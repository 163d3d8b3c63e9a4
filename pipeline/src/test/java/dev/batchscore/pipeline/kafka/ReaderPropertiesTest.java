package dev.batchscore.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.pipeline.config.SourceSettings;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaSources#readerProperties}: the source's consumer defaults, and the user's over them.
 */
class ReaderPropertiesTest {
    private static final SourceSettings SOURCE =
            SourceSettings.kafka("localhost:9092", List.of("t")).withBounded(true);

    @Test
    void aBoundedRunReadsWithTheSourceDefaults() {
        Properties props = KafkaSources.readerProperties(SOURCE);

        assertThat(props)
                .containsEntry("max.poll.records", "20000")
                .containsEntry("receive.buffer.bytes", "-1")
                .containsEntry("fetch.max.wait.ms", "100")
                .containsEntry("isolation.level", "read_committed");
    }

    @Test
    void anUnboundedRunKeepsKafkasFetchWait() {
        Properties props = KafkaSources.readerProperties(SOURCE.withBounded(false));

        assertThat(props).doesNotContainKey("fetch.max.wait.ms");
        assertThat(props).containsEntry("receive.buffer.bytes", "-1");
    }

    @Test
    void theUsersPropertiesWin() {
        Map<String, String> given =
                Map.of(
                        "max.poll.records", "1",
                        "receive.buffer.bytes", "65536",
                        "fetch.max.wait.ms", "500",
                        "isolation.level", "read_uncommitted");

        Properties props = KafkaSources.readerProperties(SOURCE.withProperties(given));

        given.forEach((key, value) -> assertThat(props).containsEntry(key, value));
    }
}
