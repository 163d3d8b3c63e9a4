package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BatchSizeBenchmarkTest {
    @Test
    void randomRecordsFollowTheFieldShapes() {
        List<Map<String, Object>> records =
                BatchSizeBenchmark.randomRecords(
                        List.of(
                                new FieldSpec("v", DType.FLOAT, List.of(4L)),
                                new FieldSpec("s", DType.FLOAT, List.of())),
                        new Random(1),
                        3);
        assertThat(records).hasSize(3);
        assertThat((float[]) records.get(0).get("v")).hasSize(4);
        assertThat(records.get(0).get("s")).isInstanceOf(Float.class);
        assertThatThrownBy(
                        () ->
                                BatchSizeBenchmark.randomRecords(
                                        List.of(new FieldSpec("t", DType.STRING, List.of())),
                                        new Random(1),
                                        1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("field 't' is DT_STRING scalar");
    }

    @Test
    void refusesANonPositiveTimeBeforeScoring() {
        assertThatThrownBy(
                        () -> BatchSizeBenchmark.measure(null, List.of(Map.of()), List.of(1), -1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> BatchSizeBenchmark.measure(null, List.of(Map.of()), List.of(2), 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("batch size 2 needs 1 to 1 records");
    }
}
