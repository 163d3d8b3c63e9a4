package dev.batchscore.operators.format.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The fast path builds exactly Jackson's tree, or leaves the record to Jackson. */
class AsciiJsonParserTest {
    // The decoder's Jackson configuration, the reference.
    private static final ObjectMapper JACKSON =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    .build();

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Same tree as Jackson, node types (int, long, double) included. */
    private static void assertSameAsJackson(String json) throws Exception {
        ObjectNode fast = AsciiJsonParser.parse(ascii(json));
        assertThat(fast).as(json).isNotNull();
        JsonNode reference = JACKSON.readTree(json);
        assertThat(fast).as(json).isEqualTo(reference);
        assertSameTypes(fast, reference, json);
    }

    private static void assertSameTypes(JsonNode a, JsonNode b, String json) {
        assertThat(a.getClass()).as(json).isEqualTo(b.getClass());
        if (a.isContainerNode()) {
            for (int i = 0; i < a.size(); i++) {
                if (a.isArray()) {
                    assertSameTypes(a.get(i), b.get(i), json);
                }
            }
            a.fieldNames().forEachRemaining(f -> assertSameTypes(a.get(f), b.get(f), json));
        }
        if (a.isDouble()) {
            // equals() compares doubles by value: -0.0 and 0.0 must still differ
            assertThat(Double.doubleToRawLongBits(a.doubleValue()))
                    .as(json)
                    .isEqualTo(Double.doubleToRawLongBits(b.doubleValue()));
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                " { } ",
                "{\"id\":7,\"features\":[0.1,-2.5E-3,1e5,3,-0.0,0.0,123456789.125]}",
                "{\"a\":null,\"b\":true,\"c\":false,\"d\":\"text with spaces\",\"e\":\"\"}",
                "{\"nested\":{\"m\":[[1,2],[3.5,4]],\"o\":{}},\"empty\":[]}",
                "{\n\t\"x\" : 1 ,\r\n \"y\" : [ 1 , 2 ] \n}",
                "{\"i\":2147483647,\"j\":-2147483648,\"k\":2147483648,\"l\":-2147483649}",
                "{\"big\":999999999999999999,\"neg\":-999999999999999999}",
                "{\"d\":1.7976931348623157E308,\"t\":4.9E-324,\"o\":1e400,\"u\":1e-400}",
                "{\"p\":0.30000000000000004,\"q\":9007199254740993.0,\"r\":1.23456789012345678901}",
                "{\"f\":[1.1754944E-38,3.4028235E38,-1.4E-45,0.1,0.2,0.3]}",
                "{\"z\":0,\"z1\":0.0e0,\"z2\":0E+2,\"e\":1E-22,\"e2\":1E22,\"e3\":1E23}",
            })
    void buildsJacksonsTree(String json) throws Exception {
        assertSameAsJackson(json);
    }

    @Test
    void buildsJacksonsTreeForGeneratedNumbers() throws Exception {
        Random random = new Random(42);
        for (int r = 0; r < 2000; r++) {
            StringBuilder sb =
                    new StringBuilder("{\"id\":").append(random.nextInt()).append(",\"v\":[");
            for (int i = 0; i < 32; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                switch (random.nextInt(6)) {
                    case 0 -> sb.append((float) random.nextGaussian());
                    case 1 ->
                            sb.append(
                                    random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20));
                    case 2 -> sb.append(random.nextInt());
                    case 3 ->
                            sb.append(
                                    Double.longBitsToDouble(
                                            random.nextLong() & 0x7FEFFFFFFFFFFFFFL));
                    case 4 ->
                            sb.append(random.nextInt(1000))
                                    .append('.')
                                    .append(random.nextInt(100000))
                                    .append('e')
                                    .append(random.nextInt(60) - 30);
                    default ->
                            sb.append(
                                    (random.nextLong() % 1_000_000_000_000_000_000L)
                                            >> random.nextInt(64));
                }
            }
            assertSameAsJackson(sb.append("]}").toString());
        }
    }

    /** Everything else goes to Jackson, which rejects it or reads it with its own rules. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "[1,2]",
                "7",
                "{\"a\":1,\"a\":2}",
                "{\"a\":\"esc\\\"aped\"}",
                "{\"a\":NaN}",
                "{\"a\":-Infinity}",
                "{\"a\":01}",
                "{\"a\":1.}",
                "{\"a\":.5}",
                "{\"a\":1e}",
                "{\"a\":+1}",
                "{\"a\":-0}",
                "{\"a\":12345678901234567890}",
                "{\"a\":1x}",
                "{\"a\":tru}",
                "{\"a\":1,}",
                "{\"a\":[1,]}",
                "{\"a\":1} {}",
                "{\"a\":1",
                "{a:1}",
                "{\"a\":\"tab\there\"}",
            })
    void leavesTheRestToJackson(String json) {
        assertThat(AsciiJsonParser.parse(ascii(json))).as(json).isNull();
    }

    @Test
    void leavesNonAsciiToJackson() {
        byte[] utf8 = "{\"a\":\"caf\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(AsciiJsonParser.parse(utf8)).isNull();
        assertThat(
                        AsciiJsonParser.parse(
                                new byte[] {'{', '"', 'a', '"', ':', '1', (byte) 0xA0, '}'}))
                .isNull();
    }

    @Test
    void leavesDeepNestingToJackson() {
        String deep = "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}";
        assertThat(AsciiJsonParser.parse(ascii(deep))).isNull();
    }
}
