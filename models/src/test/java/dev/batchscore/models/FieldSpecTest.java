package dev.batchscore.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class FieldSpecTest {
    @Test
    void fieldsAreDescribedLikeTensors() {
        assertThat(new FieldSpec("x", DType.FLOAT, List.of(1L)).describeType())
                .isEqualTo("DT_FLOAT [1]");
        assertThat(new FieldSpec("t", DType.STRING, List.of()).describeType())
                .isEqualTo("DT_STRING scalar");
        assertThat(new FieldSpec("m", DType.INT64, List.of(2L, 3L)).describeType())
                .isEqualTo("DT_INT64 [2,3]");
    }
}
