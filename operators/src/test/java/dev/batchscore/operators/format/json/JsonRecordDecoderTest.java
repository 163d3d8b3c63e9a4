package dev.batchscore.operators.format.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.operators.format.json.JsonRecordDecoder.DecodeException;
import dev.batchscore.operators.format.json.JsonRecordDecoder.DecodeException.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonRecordDecoderTest {
    private final JsonRecordDecoder decoder = JsonRecordDecoder.get();

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private DecodeException failure(byte[] value) {
        return catchThrowableOfType(DecodeException.class, () -> decoder.decode(value));
    }

    @Test
    void decodesAnObjectWithNestedValuesAndNonAsciiText() throws Exception {
        ObjectNode json =
                decoder.decode(
                        utf8(
                                "{\"id\":\"caf\u00e9 \u2615\",\"x\":[1.5,2],\"n\":7,\"ok\":true,\"o\":{\"a\":null}}"));

        assertThat(json.get("id").textValue()).isEqualTo("caf\u00e9 \u2615");
        assertThat(JsonRecordDecoder.toJava(json.get("x"))).isEqualTo(List.of(1.5, 2));
        assertThat(JsonRecordDecoder.toJava(json.get("n"))).isEqualTo(7);
        assertThat(JsonRecordDecoder.toJava(json.get("ok"))).isEqualTo(true);
        assertThat(JsonRecordDecoder.toJava(json.get("o")))
                .isEqualTo(java.util.Collections.singletonMap("a", null));
        assertThat(JsonRecordDecoder.toJava(json.get("absent"))).isNull();
        assertThat(
                        JsonRecordDecoder.toJava(
                                decoder.decode(utf8("{\"big\":12345678901}")).get("big")))
                .isEqualTo(12345678901L);
    }

    @Test
    void aNullValueIsATombstone() {
        DecodeException e = failure(null);
        assertThat(e.kind()).isEqualTo(Kind.NULL_VALUE);
        assertThat(e).hasMessageContaining("tombstone");
    }

    @Test
    void anEmptyValueIsReportedAsEmpty() {
        assertThat(failure(new byte[0]).kind()).isEqualTo(Kind.EMPTY);
        assertThat(failure(utf8("  \n ")).kind()).isEqualTo(Kind.EMPTY);
    }

    @Test
    void invalidUtf8IsRejectedNotReplaced() {
        // "{"a":"caf" then a lone continuation byte 0xE9 (Latin-1 'é') then "\"}"
        byte[] latin1 = "{\"a\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        DecodeException e = failure(latin1);
        assertThat(e.kind()).isEqualTo(Kind.INVALID_UTF8);
        assertThat(e).hasMessageContaining("position 9").hasMessageContaining("0xE9");
    }

    @Test
    void overlongAndSurrogateEncodingsAreInvalidUtf8() {
        // 0xC0 0xAF is an overlong '/', 0xED 0xA0 0x80 an encoded surrogate: both forbidden in
        // UTF-8.
        assertThat(
                        failure(new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'})
                                .kind())
                .isEqualTo(Kind.INVALID_UTF8);
        assertThat(
                        failure(
                                        new byte[] {
                                            '{',
                                            '"',
                                            (byte) 0xED,
                                            (byte) 0xA0,
                                            (byte) 0x80,
                                            '"',
                                            ':',
                                            '1',
                                            '}'
                                        })
                                .kind())
                .isEqualTo(Kind.INVALID_UTF8);
        // Truncated multi-byte sequence at the very end.
        assertThat(failure(new byte[] {'{', '}', (byte) 0xE2, (byte) 0x82}).kind())
                .isEqualTo(Kind.INVALID_UTF8);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{\"a\":1",
                "{a:1}",
                "{\"a\":1,}",
                "{\"a\":1} {\"b\":2}",
                "{\"a\":1} trailing",
                "{\"a\":1 /* comment */}",
                "{\"a\":1,\"a\":2}",
                "\uFEFF{\"a\":1}"
            })
    void malformedJsonIsReportedWithWhereItBroke(String text) {
        DecodeException e = failure(utf8(text));
        assertThat(e.kind()).isEqualTo(Kind.MALFORMED_JSON);
        assertThat(e).hasMessageStartingWith("record value is not valid JSON");
    }

    @Test
    void nanAndInfinityTokensDecodeToDoublesForTheNonFinitePolicyToJudge() throws Exception {
        ObjectNode node =
                JsonRecordDecoder.get()
                        .decode(utf8("{\"a\":NaN,\"b\":-Infinity,\"c\":[1,Infinity]}"));
        assertThat(node.get("a").doubleValue()).isNaN();
        assertThat(node.get("b").doubleValue()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(node.get("c").get(1).doubleValue()).isEqualTo(Double.POSITIVE_INFINITY);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "42", "\"text\"", "null", "true"})
    void aJsonValueThatIsNotAnObjectIsRejected(String text) {
        DecodeException e = failure(utf8(text));
        assertThat(e.kind()).isEqualTo(Kind.NOT_AN_OBJECT);
        assertThat(e).hasMessageContaining("expected an object");
    }

    @Test
    void longValuesAreShortenedInMessages() {
        String text = "[" + "1,".repeat(500) + "1]";
        DecodeException e = failure(utf8(text));
        assertThat(e.getMessage()).hasSizeLessThan(200).contains("...");
    }

    @Test
    void toJsonTextRoundTripsObjects() throws Exception {
        ObjectNode json = decoder.decode(utf8("{\"o\":{\"k\":[1,\"two\"]}}"));
        assertThat(JsonRecordDecoder.toJsonText(json.get("o"))).isEqualTo("{\"k\":[1,\"two\"]}");
        assertThat(JsonRecordDecoder.toJava(json))
                .isEqualTo(Map.of("o", Map.of("k", List.of(1, "two"))));
    }
}
