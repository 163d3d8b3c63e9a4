package dev.batchscore.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.TensorSpec;
import dev.batchscore.operators.PassthroughField.Type;
import dev.batchscore.operators.internal.Columns;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

class ColumnsTest {

    private static ObjectNode json(String text) throws Exception {
        return JsonRecordDecoder.get().decode(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passthroughValuesFollowTheColumnType() throws Exception {
        ObjectNode j =
                json(
                        "{\"s\":\"x\",\"i\":12,\"f\":1.5,\"b\":true,\"o\":{\"k\":1},\"a\":[1,2],\"n\":null,"
                                + "\"huge\":123456789012345678901234567890}");

        assertThat(Columns.passthrough(j.get("s"), Type.STRING))
                .isEqualTo(StringData.fromString("x"));
        assertThat(Columns.passthrough(j.get("i"), Type.STRING))
                .isEqualTo(StringData.fromString("12"));
        assertThat(Columns.passthrough(j.get("o"), Type.STRING))
                .isEqualTo(StringData.fromString("{\"k\":1}"));
        assertThat(Columns.passthrough(j.get("a"), Type.STRING))
                .isEqualTo(StringData.fromString("[1,2]"));
        assertThat(Columns.passthrough(j.get("b"), Type.STRING))
                .isEqualTo(StringData.fromString("true"));

        assertThat(Columns.passthrough(j.get("i"), Type.LONG)).isEqualTo(12L);
        assertThat(Columns.passthrough(j.get("f"), Type.LONG)).isNull();
        assertThat(Columns.passthrough(j.get("s"), Type.LONG)).isNull();
        assertThat(Columns.passthrough(j.get("huge"), Type.LONG)).isNull();

        assertThat(Columns.passthrough(j.get("f"), Type.DOUBLE)).isEqualTo(1.5);
        assertThat(Columns.passthrough(j.get("i"), Type.DOUBLE)).isEqualTo(12.0);
        assertThat(Columns.passthrough(j.get("o"), Type.DOUBLE)).isNull();

        assertThat(Columns.passthrough(j.get("b"), Type.BOOLEAN)).isEqualTo(true);
        assertThat(Columns.passthrough(j.get("s"), Type.BOOLEAN)).isNull();

        for (Type t : Type.values()) {
            assertThat(Columns.passthrough(j.get("n"), t)).as("JSON null as %s", t).isNull();
            assertThat(Columns.passthrough(j.get("missing"), t)).as("missing as %s", t).isNull();
        }
    }

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
