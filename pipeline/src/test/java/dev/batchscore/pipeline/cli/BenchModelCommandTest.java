package dev.batchscore.pipeline.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.BatchSizeBenchmark.Measurement;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchModelCommandTest {

    @Test
    void wrongBatchSizesAreOneLineErrors() {
        assertThatThrownBy(() -> BenchModelCommand.batchSizes(List.of("1", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--batch-sizes expects comma-separated integers, got 'x'");
        assertThatThrownBy(() -> BenchModelCommand.batchSizes(List.of("0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--batch-sizes: each size must be between 1 and");
    }

    @Test
    void batchSizesKeepOrderAndDropDuplicates() {
        assertThat(BenchModelCommand.batchSizes(List.of("32", "1", "32", "512")))
                .containsExactly(32, 1, 512);
    }

    @Test
    void tableComparesEachSizeWithTheLargest() {
        String table =
                BenchModelCommand.table(
                        List.of(
                                new Measurement(1, 100, 100, 1.0),
                                new Measurement(32, 3200, 100, 0.5)));
        assertThat(table.lines().toList())
                .containsExactly(
                        "batch size         rows/s    batches      vs 32",
                        "         1            100        100     0.016x",
                        "        32          6,400        100     1.000x");
    }
}
