package dev.batchscore.operators.format.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Decodes a Kafka record value into a JSON object, strictly: the bytes must be valid UTF-8 (no
 * replacement characters are substituted), hold exactly one JSON value, and that value must be an
 * object with no duplicate keys. The one leniency: the tokens {@code NaN}, {@code Infinity} and
 * {@code -Infinity} are numbers (whether a model may see them is the encoder's policy). Anything
 * else is a {@link DecodeException} whose {@link DecodeException.Kind kind} and message say what
 * was wrong; callers turn it into a {@code DECODE} error row. Thread-safe.
 *
 * <p>The one JSON configuration of batchscore: the job ({@code ScoringFunction}), {@code batchscore
 * predict} and the pre-flight topic sampler all decode with it, so a record reads the same in each.
 */
public final class JsonRecordDecoder {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .disable(JsonParser.Feature.ALLOW_COMMENTS)
                    // Python's json.dumps writes NaN and Infinity by default. They decode to
                    // doubles
                    // so that errors.non-finite, not the parser, decides whether the model sees
                    // them.
                    .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                    // FastDoubleParser: the same correctly rounded doubles, several times faster
                    // than the JDK's parser on float-array records.
                    .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
                    .build();
    private static final ObjectReader READER = MAPPER.readerFor(JsonNode.class);
    private static final int MAX_SHOWN = 80;

    private static final JsonRecordDecoder INSTANCE = new JsonRecordDecoder();

    private JsonRecordDecoder() {}

    public static JsonRecordDecoder get() {
        return INSTANCE;
    }

    /** Decodes {@code value} into a JSON object. */
    public ObjectNode decode(byte[] value) throws DecodeException {
        if (value == null) {
            throw new DecodeException(
                    DecodeException.Kind.NULL_VALUE,
                    "record value is null (a tombstone); expected a JSON object");
        }
        if (value.length == 0) {
            throw new DecodeException(
                    DecodeException.Kind.EMPTY, "record value is empty; expected a JSON object");
        }
        // Hot path: plain ASCII JSON (most records) straight from the bytes, by AsciiJsonParser.
        // Other ASCII is valid UTF-8 with one char per byte too, so Jackson parses those bytes,
        // with no UTF-8 decoding pass nor String copy; the text is made only for an error
        // message. Anything else goes through the strict decoder first.
        ObjectNode plain = AsciiJsonParser.parse(value);
        if (plain != null) {
            return plain;
        }
        boolean ascii = isAscii(value);
        String text = ascii ? null : decodeUtf8(value);
        if (ascii ? isBlankAscii(value) : text.isBlank()) {
            throw new DecodeException(
                    DecodeException.Kind.EMPTY,
                    "record value holds only whitespace; expected a JSON object");
        }
        JsonNode node;
        try {
            node = ascii ? READER.readValue(value) : READER.readValue(text);
        } catch (JsonProcessingException e) {
            if (text == null) {
                text = new String(value, StandardCharsets.US_ASCII);
            }
            throw new DecodeException(
                    DecodeException.Kind.MALFORMED_JSON,
                    "record value is not valid JSON: "
                            + e.getOriginalMessage()
                            + locationOf(e)
                            + "; value starts "
                            + shown(text));
        } catch (java.io.IOException e) {
            // Parsing an in-memory byte array has no I/O to fail.
            throw new IllegalStateException(e);
        }
        if (node == null || !node.isObject()) {
            if (text == null) {
                text = new String(value, StandardCharsets.US_ASCII);
            }
            throw new DecodeException(
                    DecodeException.Kind.NOT_AN_OBJECT,
                    "record value is a JSON "
                            + (node == null
                                    ? "null"
                                    : node.getNodeType().name().toLowerCase(java.util.Locale.ROOT))
                            + ", expected an object; value starts "
                            + shown(text));
        }
        return (ObjectNode) node;
    }

    /**
     * A JSON value as the model runtime takes it: {@code Integer}/{@code Long}/{@code Double} (or
     * {@code BigInteger}/{@code BigDecimal}), {@code Boolean}, {@code String}, {@code List} for
     * arrays, {@code Map} for objects, {@code null} for JSON null.
     */
    public static Object toJava(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        switch (node.getNodeType()) {
            case NUMBER:
                return node.numberValue();
            case BOOLEAN:
                return node.booleanValue();
            case STRING:
                return node.textValue();
            case ARRAY:
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode element : node) {
                    list.add(toJava(element));
                }
                return list;
            case OBJECT:
                Map<String, Object> map = new java.util.LinkedHashMap<>();
                Iterator<Map.Entry<String, JsonNode>> it = node.fields();
                while (it.hasNext()) {
                    Map.Entry<String, JsonNode> e = it.next();
                    map.put(e.getKey(), toJava(e.getValue()));
                }
                return map;
            default:
                // BINARY and POJO nodes never come out of a text parser.
                return node.asText();
        }
    }

    /**
     * The JSON text of {@code value}: a {@link JsonNode}, or plain Java values as {@link #toJava}
     * returns them and as the model runtime returns its outputs (primitive arrays included).
     */
    public static String toJsonText(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            // Writing in-memory values to a String cannot fail on I/O.
            throw new IllegalStateException(
                    "cannot write a value as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static boolean isAscii(byte[] value) {
        for (byte b : value) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    /** What {@link String#isBlank} says of the ASCII text of {@code value}. */
    private static boolean isBlankAscii(byte[] value) {
        for (byte b : value) {
            if (!Character.isWhitespace((char) b)) {
                return false;
            }
        }
        return true;
    }

    private static String decodeUtf8(byte[] value) throws DecodeException {
        CharsetDecoder decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(value);
        CharBuffer out = CharBuffer.allocate(value.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isUnderflow()) {
            result = decoder.flush(out);
        }
        if (result.isError()) {
            int at = in.position();
            throw new DecodeException(
                    DecodeException.Kind.INVALID_UTF8,
                    String.format(
                            "record value is not valid UTF-8: %d malformed byte(s) at position %d (0x%02X)",
                            result.length(), at, value[at] & 0xFF));
        }
        out.flip();
        return out.toString();
    }

    private static String locationOf(JsonProcessingException e) {
        if (e.getLocation() == null) {
            return "";
        }
        return " at line "
                + e.getLocation().getLineNr()
                + ", column "
                + e.getLocation().getColumnNr();
    }

    private static String shown(String text) {
        String head = text.length() > MAX_SHOWN ? text.substring(0, MAX_SHOWN) + "..." : text;
        return "'" + head.replace("\n", "\\n").replace("\r", "\\r") + "'";
    }

    /** Why a record value could not be decoded. */
    public static final class DecodeException extends Exception {
        private static final long serialVersionUID = 1L;

        /** The kinds of decode failure. */
        public enum Kind {
            NULL_VALUE,
            EMPTY,
            INVALID_UTF8,
            MALFORMED_JSON,
            NOT_AN_OBJECT
        }

        private final Kind kind;

        public DecodeException(Kind kind, String message) {
            super(message, null, false, false);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }
    }
}
