package dev.batchscore.models.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchModelTest {

    private final Fixtures.Capture out = new Fixtures.Capture();

    @Test
    void wrongBatchSizesAreOneLineErrors() {
        assertThatThrownBy(() -> BenchModel.batchSizes(List.of("1", "x")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--batch-sizes expects comma-separated integers, got 'x'");
        assertThatThrownBy(() -> BenchModel.batchSizes(List.of("0")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--batch-sizes: each size must be between 1 and");
        assertThatThrownBy(() -> BenchModel.run(1, -1, List.of(1), out.stream))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(out.text()).isEmpty();
    }

    @Test
    void batchSizesKeepOrderAndDropDuplicates() {
        assertThat(BenchModel.batchSizes(List.of("32", "1", "32", "512")))
                .containsExactly(32, 1, 512);
    }

    @Test
    void tableComparesEachSizeWithTheLargest() {
        String table =
                BenchModel.table(
                        List.of(
                                new BenchModel.Measurement(1, 100, 100, 1.0),
                                new BenchModel.Measurement(32, 3200, 100, 0.5)));
        assertThat(table.lines().toList())
                .containsExactly(
                        "batch size         rows/s    batches      vs 32",
                        "         1            100        100     0.016x",
                        "        32          6,400        100     1.000x");
    }

    @Test
    void measuresTheReferenceModelEndToEnd() {
        // Short on purpose: this checks that the benchmark runs and reports, not how fast it is.
        assertThat(BenchModel.run(3, 0.05, List.of(1, 8), out.stream)).isZero();
        List<String> lines = out.text().lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0))
                .startsWith("bench-model: reference tabular model (64 -> 512 -> 512 -> 1), seed 3");
        assertThat(lines.get(1)).contains("vs 8");
        assertThat(lines.get(2)).matches(" +1 +[\\d,]+ +\\d+ +\\d+\\.\\d{3}x");
        assertThat(lines.get(3)).matches(" +8 +[\\d,]+ +\\d+ +1\\.000x");
    }
}
