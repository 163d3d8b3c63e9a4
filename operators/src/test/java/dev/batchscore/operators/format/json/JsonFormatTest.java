package dev.batchscore.operators.format.json;

import static dev.batchscore.operators.PassthroughField.Type.BOOLEAN;
import static dev.batchscore.operators.PassthroughField.Type.DOUBLE;
import static dev.batchscore.operators.PassthroughField.Type.LONG;
import static dev.batchscore.operators.PassthroughField.Type.STRING;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void infersColumnTypesFromJsonValues() throws Exception {
        var node =
                JSON.readTree(
                        "{\"a\":1,\"b\":1.5,\"c\":true,\"d\":\"x\",\"e\":{\"k\":1},\"f\":[1],\"g\":null}");
        assertThat(JsonFormat.typeOf(node.get("a"))).isEqualTo(LONG);
        assertThat(JsonFormat.typeOf(node.get("b"))).isEqualTo(DOUBLE);
        assertThat(JsonFormat.typeOf(node.get("c"))).isEqualTo(BOOLEAN);
        assertThat(JsonFormat.typeOf(node.get("d"))).isEqualTo(STRING);
        assertThat(JsonFormat.typeOf(node.get("e"))).isEqualTo(STRING);
        assertThat(JsonFormat.typeOf(node.get("f"))).isEqualTo(STRING);
        assertThat(JsonFormat.typeOf(node.get("g"))).isNull();
    }

    @Test
    void mixedSamplesWidenToDoubleOrString() {
        assertThat(JsonFormat.merge(LONG, DOUBLE)).isEqualTo(DOUBLE);
        assertThat(JsonFormat.merge(DOUBLE, LONG)).isEqualTo(DOUBLE);
        assertThat(JsonFormat.merge(LONG, LONG)).isEqualTo(LONG);
        assertThat(JsonFormat.merge(LONG, BOOLEAN)).isEqualTo(STRING);
        assertThat(JsonFormat.merge(STRING, DOUBLE)).isEqualTo(STRING);
    }

    /** Sampled values decode as the job decodes them: NaN is a number, not a record to skip. */
    @Test
    void samplesDecodeLikeTheJob() {
        byte[] nan = "{\"x\": NaN}".getBytes(StandardCharsets.UTF_8);
        byte[] duplicate = "{\"x\": 1, \"x\": 2}".getBytes(StandardCharsets.UTF_8);
        var sampled = JsonFormat.decoded(java.util.Arrays.asList(nan, duplicate));
        assertThat(sampled).hasSize(1);
        assertThat(sampled.get(0).get("x").doubleValue()).isNaN();
        assertThat(new JsonFormat().inferPassthrough(java.util.List.of(nan), java.util.Set.of()))
                .containsExactly(new dev.batchscore.operators.PassthroughField("x", DOUBLE));
    }
}
