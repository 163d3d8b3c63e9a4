package dev.batchscore.operators.format.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.operators.PassthroughField.Type;
import java.nio.charset.StandardCharsets;
import org.apache.flink.table.data.StringData;
import org.junit.jupiter.api.Test;

class JsonReaderTest {

    private static ObjectNode json(String text) throws Exception {
        return JsonRecordDecoder.get().decode(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void passthroughValuesFollowTheColumnType() throws Exception {
        ObjectNode j =
                json(
                        "{\"s\":\"x\",\"i\":12,\"f\":1.5,\"b\":true,\"o\":{\"k\":1},\"a\":[1,2],\"n\":null,"
                                + "\"huge\":123456789012345678901234567890}");

        assertThat(JsonReader.passthrough(j.get("s"), Type.STRING))
                .isEqualTo(StringData.fromString("x"));
        assertThat(JsonReader.passthrough(j.get("i"), Type.STRING))
                .isEqualTo(StringData.fromString("12"));
        assertThat(JsonReader.passthrough(j.get("o"), Type.STRING))
                .isEqualTo(StringData.fromString("{\"k\":1}"));
        assertThat(JsonReader.passthrough(j.get("a"), Type.STRING))
                .isEqualTo(StringData.fromString("[1,2]"));
        assertThat(JsonReader.passthrough(j.get("b"), Type.STRING))
                .isEqualTo(StringData.fromString("true"));

        assertThat(JsonReader.passthrough(j.get("i"), Type.LONG)).isEqualTo(12L);
        assertThat(JsonReader.passthrough(j.get("f"), Type.LONG)).isNull();
        assertThat(JsonReader.passthrough(j.get("s"), Type.LONG)).isNull();
        assertThat(JsonReader.passthrough(j.get("huge"), Type.LONG)).isNull();

        assertThat(JsonReader.passthrough(j.get("f"), Type.DOUBLE)).isEqualTo(1.5);
        assertThat(JsonReader.passthrough(j.get("i"), Type.DOUBLE)).isEqualTo(12.0);
        assertThat(JsonReader.passthrough(j.get("o"), Type.DOUBLE)).isNull();

        assertThat(JsonReader.passthrough(j.get("b"), Type.BOOLEAN)).isEqualTo(true);
        assertThat(JsonReader.passthrough(j.get("s"), Type.BOOLEAN)).isNull();

        for (Type t : Type.values()) {
            assertThat(JsonReader.passthrough(j.get("n"), t)).as("JSON null as %s", t).isNull();
            assertThat(JsonReader.passthrough(j.get("missing"), t)).as("missing as %s", t).isNull();
        }
    }

    @Test
    void aDottedPathReadsANestedField() throws Exception {
        ObjectNode j = json("{\"a\": {\"b\": 2}, \"c.d\": 3}");
        assertThat(JsonReader.field(j, "a.b").intValue()).isEqualTo(2);
        assertThat(JsonReader.field(j, "c.d").intValue()).isEqualTo(3);
        assertThat(JsonReader.field(j, "a.x")).isNull();
    }
}
