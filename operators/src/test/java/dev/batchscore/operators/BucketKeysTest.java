package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BucketKeysTest {

    @ParameterizedTest(name = "{0} buckets over {1} subtasks, max parallelism {2}")
    @CsvSource({
        "4,1,128",
        "8,2,128",
        "12,3,128",
        "32,8,128",
        "7,3,128",
        "16,4,4",
        "40,10,32768",
        "3,3,3"
    })
    void spreadsBucketsEvenlyOverSubtasks(int buckets, int parallelism, int maxParallelism) {
        int[] keys = BatchScoring.bucketKeys(buckets, parallelism, maxParallelism);

        assertThat(keys).hasSize(buckets);
        assertThat(Arrays.stream(keys).distinct().count()).isEqualTo(buckets);
        int[] perSubtask = new int[parallelism];
        for (int i = 0; i < buckets; i++) {
            int subtask =
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            keys[i], maxParallelism, parallelism);
            assertThat(subtask).as("subtask of bucket %d", i).isEqualTo(i % parallelism);
            perSubtask[subtask]++;
        }
        int min = Arrays.stream(perSubtask).min().orElseThrow();
        int max = Arrays.stream(perSubtask).max().orElseThrow();
        assertThat(max - min).isLessThanOrEqualTo(1);
    }

    /**
     * The key values are where savepoints keep pending batches: they stay what the first release
     * chose (these are its values), and each subtask's local buckets are its share of them.
     */
    @Test
    void keyValuesStayWhatSavepointsHold() {
        assertThat(BatchScoring.bucketKeys(8, 2, 128)).containsExactly(4, 0, 6, 1, 8, 2, 9, 3);
        assertThat(BatchScoring.bucketKeys(12, 3, 128))
                .containsExactly(4, 9, 0, 6, 10, 1, 8, 12, 2, 13, 15, 3);
        assertThat(BatchScoring.bucketKeys(10, 4, 256))
                .containsExactly(4, 2, 6, 0, 8, 3, 9, 1, 12, 5);
        assertThat(BatchScoring.bucketKeys(4, 1, 128)).containsExactly(0, 1, 2, 3);
        assertThat(BatchScoring.localBucketKeys(1, 4, 2, 128)).containsExactly(0, 1, 2, 3);
        assertThat(BatchScoring.localBucketKeys(0, 4, 2, 128)).containsExactly(4, 6, 8, 9);
    }

    @Test
    void consecutiveOffsetsOfAPartitionVisitEveryBucketInTurn() {
        int buckets = 8;
        int[] hits = new int[buckets];
        for (long offset = 100; offset < 100 + 10 * buckets; offset++) {
            hits[BatchScoring.bucketOf(5, offset, buckets)]++;
        }
        assertThat(hits).containsOnly(10);
    }

    @Test
    void bucketOfIsDeterministicAndInRangeForExtremeOffsets() {
        assertThat(BatchScoring.bucketOf(Integer.MAX_VALUE, Long.MAX_VALUE, 7)).isBetween(0, 6);
        assertThat(BatchScoring.bucketOf(0, 41, 8))
                .isEqualTo(BatchScoring.bucketOf(0, 41, 8))
                .isEqualTo(1);
    }
}
