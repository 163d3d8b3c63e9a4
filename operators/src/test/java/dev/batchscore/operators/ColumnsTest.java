package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.internal.Columns;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

class ColumnsTest {

    private static Function<Object, Object> converter(DType dtype, String raw, Long... shape) {
        TensorSpec spec = new TensorSpec("out", "out:0", dtype, raw, List.of(shape));
        return Columns.outputConverter("out", ScoredRows.outputType(spec));
    }

    @Test
    void scalarOutputsBecomeBoxedOrStringData() {
        assertThat(converter(DType.FLOAT, "DT_FLOAT", -1L, 1L).apply(2.5f)).isEqualTo(2.5f);
        assertThat(converter(DType.FLOAT, "DT_FLOAT", -1L).apply(new float[] {3f})).isEqualTo(3f);
        assertThat(converter(DType.DOUBLE, "DT_DOUBLE", -1L).apply(2.5)).isEqualTo(2.5);
        assertThat(converter(DType.INT32, "DT_INT32", -1L).apply(7)).isEqualTo(7);
        assertThat(converter(DType.INT64, "DT_INT64", -1L).apply(7L)).isEqualTo(7L);
        assertThat(converter(DType.BOOL, "DT_BOOL", -1L).apply(true)).isEqualTo(true);
        assertThat(converter(DType.STRING, "DT_STRING", -1L).apply("cat"))
                .isEqualTo(StringData.fromString("cat"));
    }

    @Test
    void vectorAndMatrixOutputsBecomeFlatArrays() {
        ArrayData floats =
                (ArrayData)
                        converter(DType.FLOAT, "DT_FLOAT", -1L, 2L, 2L)
                                .apply(new float[] {1, 2, 3, 4});
        assertThat(floats.toFloatArray()).containsExactly(1f, 2f, 3f, 4f);
        ArrayData longs =
                (ArrayData) converter(DType.INT64, "DT_INT64", -1L, 3L).apply(new long[] {1, 2, 3});
        assertThat(longs.toLongArray()).containsExactly(1L, 2L, 3L);
        ArrayData strings =
                (ArrayData)
                        converter(DType.STRING, "DT_STRING", -1L, 2L)
                                .apply(new String[] {"a", "b"});
        assertThat(strings.getString(1)).isEqualTo(StringData.fromString("b"));
        ArrayData bools =
                (ArrayData) converter(DType.BOOL, "DT_BOOL", -1L, -1L).apply(new boolean[] {true});
        assertThat(bools.toBooleanArray()).containsExactly(true);
        // A variable-length row that happened to hold one value may come back boxed.
        ArrayData one = (ArrayData) converter(DType.DOUBLE, "DT_DOUBLE", -1L, -1L).apply(4.0);
        assertThat(one.size()).isEqualTo(1);
        assertThat(one.getDouble(0)).isEqualTo(4.0);
    }

    @Test
    void aValueOfTheWrongTypeNamesTheOutput() {
        assertThatThrownBy(() -> converter(DType.FLOAT, "DT_FLOAT", -1L).apply("nope"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("model output 'out'")
                .hasMessageContaining("String nope");
        assertThatThrownBy(
                        () ->
                                converter(DType.FLOAT, "DT_FLOAT", -1L, 3L)
                                        .apply(new int[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("int[3]");
    }
}
