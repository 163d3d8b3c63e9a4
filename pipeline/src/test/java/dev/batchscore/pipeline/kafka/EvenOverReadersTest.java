package dev.batchscore.pipeline.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaSources#evenOverReaders}: when a run's records may be batched where they are read.
 */
class EvenOverReadersTest {

    @Test
    void oneReaderIsAlwaysEven() {
        assertThat(KafkaSources.evenOverReaders(null, null, 1)).isTrue();
    }

    @Test
    void aRangeNotPlannedIsNeverEven() {
        assertThat(KafkaSources.evenOverReaders(null, Map.of(), 2)).isFalse();
        assertThat(KafkaSources.evenOverReaders(Map.of(), null, 2)).isFalse();
    }

    @Test
    void partitionsInWholeRoundsOfEqualSizeAreEven() {
        Map<TopicPartition, Long> start = new HashMap<>();
        Map<TopicPartition, Long> end = new HashMap<>();
        for (int p = 0; p < 4; p++) {
            start.put(new TopicPartition("a", p), 100L);
            end.put(new TopicPartition("a", p), 1_100L);
        }
        assertThat(KafkaSources.evenOverReaders(start, end, 2)).isTrue();
        assertThat(KafkaSources.evenOverReaders(start, end, 4)).isTrue();
        // 4 partitions over 3 readers: one reader gets two of them.
        assertThat(KafkaSources.evenOverReaders(start, end, 3)).isFalse();
    }

    @Test
    void skewedPartitionsAreNotEven() {
        Map<TopicPartition, Long> start = Map.of(tp("a", 0), 0L, tp("a", 1), 0L);
        assertThat(
                        KafkaSources.evenOverReaders(
                                start, Map.of(tp("a", 0), 1_000L, tp("a", 1), 1_000L), 2))
                .isTrue();
        assertThat(
                        KafkaSources.evenOverReaders(
                                start, Map.of(tp("a", 0), 1_050L, tp("a", 1), 1_000L), 2))
                .as("within 10% of the mean")
                .isTrue();
        assertThat(
                        KafkaSources.evenOverReaders(
                                start, Map.of(tp("a", 0), 1_500L, tp("a", 1), 500L), 2))
                .isFalse();
    }

    @Test
    void topicsAreJudgedWhateverReaderEachStartsAt() {
        // Each topic alone is uneven over 2 readers; together they could be even or not,
        // depending on the start readers the connector picks: not even.
        Map<TopicPartition, Long> start = Map.of(tp("a", 0), 0L, tp("b", 0), 0L);
        Map<TopicPartition, Long> end = Map.of(tp("a", 0), 1_000L, tp("b", 0), 1_000L);
        assertThat(KafkaSources.evenOverReaders(start, end, 2)).isFalse();
    }

    @Test
    void partitionsWithoutAStartAreEmpty() {
        // A partition the start does not name has no records in the run.
        Map<TopicPartition, Long> start = Map.of(tp("a", 0), 0L);
        Map<TopicPartition, Long> end = Map.of(tp("a", 0), 1_000L, tp("a", 1), 5_000L);
        assertThat(KafkaSources.evenOverReaders(start, end, 2)).isFalse();
    }

    private static TopicPartition tp(String topic, int partition) {
        return new TopicPartition(topic, partition);
    }
}
