package dev.batchscore.operators.format.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class NumberArraysTest {
    private static JsonNode field(String json) throws Exception {
        return JsonRecordDecoder.get().decode(json.getBytes(StandardCharsets.UTF_8)).get("v");
    }

    @Test
    void plainNumbersBecomeTheInputsPrimitiveArray() throws Exception {
        JsonNode v = field("{\"v\": [1, 2.5, -3e2, 4000000000]}");
        assertThat((float[]) NumberArrays.toArray(v, DType.FLOAT))
                .containsExactly(1f, 2.5f, -300f, 4e9f);
        assertThat((double[]) NumberArrays.toArray(v, DType.DOUBLE))
                .containsExactly(1, 2.5, -300, 4e9);
    }

    @Test
    void anythingTheGeneralPathMightJudgeGoesThatWay() throws Exception {
        for (String json :
                List.of(
                        "{\"v\": [1, null]}",
                        "{\"v\": [1, \"2\"]}",
                        "{\"v\": [[1], [2]]}",
                        "{\"v\": [1, NaN]}",
                        "{\"v\": [1, Infinity]}",
                        "{\"v\": [1e39]}",
                        "{\"v\": [123456789012345678901234567890]}",
                        "{\"v\": 1}")) {
            assertThat(NumberArrays.toArray(field(json), DType.FLOAT)).as(json).isNull();
        }
        assertThat(NumberArrays.toArray(field("{\"v\": [1e39]}"), DType.DOUBLE)).isNotNull();
    }

    @Test
    void onlyRankOneFloatAndDoubleFieldsApply() {
        assertThat(NumberArrays.applies(new FieldSpec("v", DType.FLOAT, List.of(-1L)))).isTrue();
        assertThat(NumberArrays.applies(new FieldSpec("v", DType.DOUBLE, List.of(64L)))).isTrue();
        assertThat(NumberArrays.applies(new FieldSpec("v", DType.FLOAT, List.of(8L, 8L))))
                .isFalse();
        assertThat(NumberArrays.applies(new FieldSpec("v", DType.FLOAT, List.of()))).isFalse();
        assertThat(NumberArrays.applies(new FieldSpec("v", DType.INT64, List.of(-1L)))).isFalse();
    }
}
