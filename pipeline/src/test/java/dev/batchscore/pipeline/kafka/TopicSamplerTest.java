package dev.batchscore.pipeline.kafka;

import static dev.batchscore.operators.PassthroughField.Type.BOOLEAN;
import static dev.batchscore.operators.PassthroughField.Type.DOUBLE;
import static dev.batchscore.operators.PassthroughField.Type.LONG;
import static dev.batchscore.operators.PassthroughField.Type.STRING;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TopicSamplerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void infersColumnTypesFromJsonValues() throws Exception {
        var node =
                JSON.readTree(
                        "{\"a\":1,\"b\":1.5,\"c\":true,\"d\":\"x\",\"e\":{\"k\":1},\"f\":[1],\"g\":null}");
        assertThat(TopicSampler.typeOf(node.get("a"))).isEqualTo(LONG);
        assertThat(TopicSampler.typeOf(node.get("b"))).isEqualTo(DOUBLE);
        assertThat(TopicSampler.typeOf(node.get("c"))).isEqualTo(BOOLEAN);
        assertThat(TopicSampler.typeOf(node.get("d"))).isEqualTo(STRING);
        assertThat(TopicSampler.typeOf(node.get("e"))).isEqualTo(STRING);
        assertThat(TopicSampler.typeOf(node.get("f"))).isEqualTo(STRING);
        assertThat(TopicSampler.typeOf(node.get("g"))).isNull();
    }

    @Test
    void mixedSamplesWidenToDoubleOrString() {
        assertThat(TopicSampler.merge(LONG, DOUBLE)).isEqualTo(DOUBLE);
        assertThat(TopicSampler.merge(DOUBLE, LONG)).isEqualTo(DOUBLE);
        assertThat(TopicSampler.merge(LONG, LONG)).isEqualTo(LONG);
        assertThat(TopicSampler.merge(LONG, BOOLEAN)).isEqualTo(STRING);
        assertThat(TopicSampler.merge(STRING, DOUBLE)).isEqualTo(STRING);
    }

    /** The sample decodes a record as the job does: NaN is a number, not a record to skip. */
    @Test
    void samplesDecodeLikeTheJob() {
        var sampled = TopicSampler.parse("{\"x\": NaN}".getBytes(StandardCharsets.UTF_8));
        assertThat(sampled).isPresent();
        assertThat(sampled.get().get("x").doubleValue()).isNaN();
        assertThat(TopicSampler.typeOf(sampled.get().get("x"))).isEqualTo(DOUBLE);
        assertThat(TopicSampler.parse("{\"x\": 1, \"x\": 2}".getBytes(StandardCharsets.UTF_8)))
                .isEmpty();
        assertThat(TopicSampler.parse(null)).isEmpty();
    }
}
