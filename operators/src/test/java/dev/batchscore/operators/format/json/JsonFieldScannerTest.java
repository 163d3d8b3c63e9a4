package dev.batchscore.operators.format.json;

import static org.assertj.core.api.Assertions.assertThat;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.PassthroughField.Type;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link JsonReader}'s scanned path hands out exactly what its tree path does (values bit for bit,
 * the same error messages), and takes the plain records it is for.
 */
class JsonFieldScannerTest {

    /** The reference tabular model's reader: 64 floats in, the id passed through. */
    private static final JsonReader TABULAR =
            reader(
                    List.of(new FieldSpec("features", DType.FLOAT, List.of(64L))),
                    Map.of(),
                    List.of(new PassthroughField("id", Type.LONG)));

    /** Every kind of input and passthrough, a renamed and a nested input, shared fields. */
    private static final JsonReader MIXED =
            reader(
                    List.of(
                            new FieldSpec("v", DType.FLOAT, List.of(-1L)),
                            new FieldSpec("w", DType.DOUBLE, List.of(-1L)),
                            new FieldSpec("x", DType.FLOAT, List.of()),
                            new FieldSpec("s", DType.STRING, List.of()),
                            new FieldSpec("b", DType.BOOL, List.of()),
                            new FieldSpec("n", DType.INT64, List.of()),
                            new FieldSpec("renamed", DType.DOUBLE, List.of(-1L))),
                    Map.of("renamed", "r"),
                    List.of(
                            new PassthroughField("id", Type.LONG),
                            new PassthroughField("id", Type.STRING),
                            new PassthroughField("d", Type.DOUBLE),
                            new PassthroughField("t", Type.STRING),
                            new PassthroughField("flag", Type.BOOLEAN),
                            new PassthroughField("v", Type.LONG),
                            new PassthroughField("x", Type.DOUBLE),
                            new PassthroughField("x", Type.LONG),
                            new PassthroughField("b", Type.STRING)));

    /**
     * A nested input, read as a passthrough too, and two inputs of one field that want different
     * arrays: what the scanner leaves to the tree path when the field is missing or an array.
     */
    private static final JsonReader NESTED =
            reader(
                    List.of(
                            new FieldSpec("nested", DType.FLOAT, List.of()),
                            new FieldSpec("v", DType.FLOAT, List.of(-1L)),
                            new FieldSpec("v2", DType.DOUBLE, List.of(-1L))),
                    Map.of("nested", "a.b", "v2", "v"),
                    List.of(new PassthroughField("a.b", Type.DOUBLE)));

    private static JsonReader reader(
            List<FieldSpec> fields, Map<String, String> mapping, List<PassthroughField> pass) {
        return new JsonReader(new ReaderSpec(fields, mapping, pass, null));
    }

    private static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    /** What a read hands out, spelled so that equal text means equal values, bit for bit. */
    private static String outcome(JsonReader reader, byte[] value, boolean tree) {
        Map<String, Object> input = new HashMap<>();
        Object[] passthrough = new Object[16];
        try {
            if (tree) {
                reader.readTree(value, input, passthrough);
            } else {
                reader.read(value, input, passthrough);
            }
        } catch (DecodeException e) {
            return "error: " + e.getMessage() + " " + input + " " + Arrays.toString(passthrough);
        }
        StringBuilder sb = new StringBuilder();
        new TreeMap<>(input)
                .forEach((k, v) -> sb.append(k).append('=').append(spell(v)).append(' '));
        sb.append("| ");
        for (Object v : passthrough) {
            sb.append(spell(v)).append(' ');
        }
        return sb.toString();
    }

    private static String spell(Object v) {
        if (v == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder(v.getClass().getSimpleName()).append(':');
        if (v instanceof float[] a) {
            for (float f : a) {
                sb.append(Integer.toHexString(Float.floatToRawIntBits(f))).append(',');
            }
        } else if (v instanceof double[] a) {
            for (double d : a) {
                sb.append(Long.toHexString(Double.doubleToRawLongBits(d))).append(',');
            }
        } else if (v instanceof Double d) {
            sb.append(Long.toHexString(Double.doubleToRawLongBits(d)));
        } else if (v instanceof List<?> list) {
            sb.append('[');
            list.forEach(e -> sb.append(spell(e)).append(','));
            sb.append(']');
        } else {
            sb.append(v);
        }
        return sb.toString();
    }

    /** The same outcome both ways; returns whether the scanner took the record. */
    private static boolean assertSameAsTree(JsonReader reader, byte[] value) {
        String text = value == null ? "null" : new String(value, StandardCharsets.ISO_8859_1);
        String tree = outcome(reader, value, true);
        assertThat(outcome(reader, value, false)).as(text).isEqualTo(tree);
        boolean scanned = reader.readScanned(value, new HashMap<>(), new Object[16]);
        if (scanned) {
            assertThat(tree).as(text).doesNotStartWith("error");
        }
        return scanned;
    }

    private static boolean assertSameAsTree(JsonReader reader, String json) {
        return assertSameAsTree(reader, bytes(json));
    }

    /** A number as producers print it: Java, Python-like, C formats, exact decimals, integers. */
    private static String number(Random random) {
        double g = random.nextGaussian();
        switch (random.nextInt(14)) {
            case 0:
                return Float.toString((float) g);
            case 1:
                return Double.toString(g);
            case 2:
                return Double.toString(g * Math.pow(10, random.nextInt(80) - 40));
            case 3:
                return String.format(Locale.ROOT, "%.9g", g);
            case 4:
                return String.format(Locale.ROOT, "%.17e", g * 1e5);
            case 5:
                return String.format(Locale.ROOT, "%.6f", g);
            case 6: // the exact decimal of a float: long mantissas
                return new BigDecimal((float) g).toPlainString();
            case 7:
                return Integer.toString(random.nextInt());
            case 8:
                return Long.toString(random.nextLong() >> random.nextInt(64));
            case 9:
                return random.nextInt(1000)
                        + "."
                        + random.nextInt(100000)
                        + "E"
                        + (random.nextInt(90) - 45);
            case 10:
                return Double.toString(Double.longBitsToDouble(random.nextLong()))
                        .replace("Infinity", "1e999");
            case 11:
                return List.of(
                                "-0.0",
                                "0.0",
                                "0",
                                "-0e0",
                                "0e-5",
                                "1e-50",
                                "3.4028235e38",
                                "3.4028236e38",
                                "1.4E-45",
                                "7e-46",
                                "4.9e-324",
                                "1e309",
                                "-1e39",
                                "9007199254740993",
                                "123456789012345678",
                                "0.30000000000000004",
                                "2.2250738585072011e-308")
                        .get(random.nextInt(17));
            case 12:
                return "0."
                        + "0".repeat(random.nextInt(30))
                        + Long.toString(Math.abs(random.nextLong()));
            default:
                return Long.toString(Math.abs(random.nextLong())) + "." + random.nextInt(10);
        }
    }

    private static String numberArray(Random random, int n) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            sb.append(i == 0 ? "" : random.nextInt(8) == 0 ? " , " : ",").append(number(random));
        }
        return sb.append(']').toString();
    }

    /** A value of any kind, for the fields a reader skips or reads. */
    private static String anyValue(Random random, int depth) {
        switch (random.nextInt(depth > 2 ? 6 : 9)) {
            case 0:
                return number(random);
            case 1:
                return "\"t" + random.nextInt(100) + "\"";
            case 2:
                return random.nextBoolean() ? "true" : "false";
            case 3:
                return "null";
            case 4:
                return numberArray(random, random.nextInt(5));
            case 5:
                return "\"\"";
            case 6:
                return "[" + anyValue(random, depth + 1) + "," + anyValue(random, depth + 1) + "]";
            case 7:
                return "{\"k\":"
                        + anyValue(random, depth + 1)
                        + ",\"l\":"
                        + anyValue(random, depth + 1)
                        + "}";
            default:
                return "{}";
        }
    }

    private static final List<String> MIXED_KEYS =
            List.of(
                    "v", "w", "x", "s", "b", "n", "ints", "r", "a", "a.b", "id", "d", "t", "flag",
                    "other", "meta");

    /** A record of {@link #MIXED}'s fields, some missing, some of the wrong kind, in any order. */
    private static String mixedRecord(Random random) {
        StringBuilder sb = new StringBuilder("{");
        List<String> keys = new ArrayList<>(MIXED_KEYS);
        java.util.Collections.shuffle(keys, random);
        boolean first = true;
        for (String key : keys) {
            if (random.nextInt(5) == 0) {
                continue;
            }
            String value = random.nextInt(8) == 0 ? anyValue(random, 0) : fitting(key, random);
            sb.append(first ? "" : random.nextInt(6) == 0 ? ",\n " : ",")
                    .append('"')
                    .append(key)
                    .append("\":")
                    .append(random.nextInt(6) == 0 ? " " : "")
                    .append(value);
            first = false;
        }
        return sb.append('}').toString();
    }

    /** A value of the kind the field is read as, mostly. */
    private static String fitting(String key, Random random) {
        return switch (key) {
            case "v", "w", "r" -> numberArray(random, random.nextInt(70));
            case "x", "d", "a.b" -> number(random);
            case "s", "t" -> "\"t" + random.nextInt(100) + "\"";
            case "b", "flag" -> random.nextBoolean() ? "true" : "false";
            case "n", "id" -> Long.toString(random.nextLong() >> random.nextInt(64));
            case "a" -> "{\"b\":" + number(random) + "}";
            case "ints" -> random.nextInt(10) == 0 ? "[1,2]" : "null";
            default -> anyValue(random, 0);
        };
    }

    @Test
    void generatedRecordsReadTheSameBothWays() {
        Random random = new Random(21);
        int scanned = 0;
        for (int r = 0; r < 5_000; r++) {
            String record = mixedRecord(random);
            if (assertSameAsTree(MIXED, record)) {
                scanned++;
            }
            assertSameAsTree(NESTED, record);
        }
        assertThat(scanned).as("records the scanner took").isGreaterThan(500);
    }

    @Test
    void tabularRecordsReadTheSameBothWaysAndAllTakeTheScanner() {
        Random random = new Random(7);
        for (int r = 0; r < 5_000; r++) {
            StringBuilder sb =
                    new StringBuilder("{\"id\":").append(r * 7919L).append(",\"features\":[");
            for (int j = 0; j < 64; j++) {
                sb.append(j == 0 ? "" : ",").append((float) random.nextGaussian());
            }
            assertThat(assertSameAsTree(TABULAR, sb.append("]}").toString())).isTrue();
        }
    }

    @Test
    void printedNumbersReadTheSameBothWays() {
        Random random = new Random(64);
        for (int r = 0; r < 20_000; r++) {
            String array = numberArray(random, 1 + random.nextInt(8));
            assertSameAsTree(TABULAR, "{\"features\":" + array + ",\"id\":" + number(random) + "}");
            assertSameAsTree(MIXED, "{\"v\":" + array + ",\"x\":" + number(random) + "}");
            assertSameAsTree(MIXED, "{\"w\":" + array + ",\"d\":" + number(random) + "}");
        }
    }

    /** Bytes changed, dropped or cut at random: whatever the tree path says, the reader says. */
    @Test
    void damagedRecordsReadTheSameBothWays() {
        Random random = new Random(99);
        byte[] specials = bytes("{}[],:\"\\ \t\n-+.eE0123456789ntfau\u0000");
        for (int r = 0; r < 4_000; r++) {
            byte[] value = bytes(mixedRecord(random));
            int at = random.nextInt(value.length);
            switch (random.nextInt(4)) {
                case 0 -> value[at] = specials[random.nextInt(specials.length)];
                case 1 -> value = Arrays.copyOf(value, at);
                case 2 -> value[at] = (byte) random.nextInt(256);
                default -> {
                    byte[] shorter = new byte[value.length - 1];
                    System.arraycopy(value, 0, shorter, 0, at);
                    System.arraycopy(value, at + 1, shorter, at, value.length - at - 1);
                    value = shorter;
                }
            }
            assertSameAsTree(MIXED, value);
            assertSameAsTree(TABULAR, value);
            assertSameAsTree(NESTED, value);
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{}",
                " {\"features\": [ ] } ",
                "{\"id\":7,\"features\":[0.1,-2.5E-3,1e5,3,-0.0,0.0,123456789.125]}",
                "{\"v\":[1,2,3],\"x\":1.5,\"s\":\"text\",\"b\":true,\"n\":12345678901,\"id\":-3}",
                "{\"v\":null,\"w\":null,\"x\":null,\"s\":null,\"id\":null,\"t\":null}",
                "{\"x\":7,\"b\":false,\"id\":2147483648,\"flag\":false,\"d\":3}",
                "{\"x\":1e400}",
                "{\"w\":[1e308,4.9e-324,-0.0]}",
                "{\"r\":[1,2],\"w\":[3]}",
                "{\"v\":[],\"w\":[],\"r\":[]}",
                "{\"meta\":{\"a\":{\"b\":[1,{\"c\":null}]},\"d\":\"\"},\"x\":2}",
                "{\"meta\":{\"k\":1,\"l\":1},\"other\":{\"k\":1},\"x\":2}",
                "{\"id\":\"abc\",\"t\":\"x\",\"d\":\"1.5\",\"flag\":\"true\"}",
                "{\"id\":999999999999999999,\"d\":-999999999999999999}",
                "{\"t\":true,\"b\":true,\"x\":-2147483648}",
            })
    void plainRecordsTakeTheScanner(String json) {
        assertThat(assertSameAsTree(MIXED, json)).as(json).isTrue();
        assertThat(assertSameAsTree(TABULAR, json)).as(json).isTrue();
    }

    /** Left to the tree path: it rejects them, reads them its own way, or builds lists and maps. */
    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "null",
                "[1,2]",
                "7",
                "{\"id\":1,\"id\":2}",
                "{\"meta\":{\"k\":1,\"k\":2}}",
                "{\"meta\":[{\"k\":1},{\"k\":2,\"l\":3,\"k\":4}]}",
                "{\"t\":\"esc\\\"aped\"}",
                "{\"other\":\"esc\\u0041\"}",
                "{\"es\\u0063\":1}",
                "{\"v\":[1,NaN]}",
                "{\"x\":NaN}",
                "{\"x\":-Infinity}",
                "{\"v\":[1,null]}",
                "{\"v\":[1,\"2\"]}",
                "{\"v\":[[1],[2]]}",
                "{\"v\":[1e39]}",
                "{\"v\":[-0]}",
                "{\"x\":-0}",
                "{\"v\":[12345678901234567890]}",
                "{\"id\":1234567890123456789}",
                "{\"x\":01}",
                "{\"x\":1.}",
                "{\"x\":.5}",
                "{\"x\":1e}",
                "{\"x\":+1}",
                "{\"x\":1x}",
                "{\"x\":tru}",
                "{\"x\":1,}",
                "{\"v\":[1,]}",
                "{\"x\":1} {}",
                "{\"x\":1",
                "{x:1}",
                "{\"s\":\"tab\there\"}",
                "{\"x\":[1,2]}",
                "{\"s\":{\"k\":1}}",
                "{\"d\":1.5,\"id\":{\"k\":1}}",
                "{\"t\":1.5}",
                "{\"t\":[1]}",
                "{\"t\":{}}",
                "{\"x\":1}\u0000",
                "{\"x\":1}\f",
            })
    void theRestIsLeftToTheTreePath(String json) {
        assertThat(assertSameAsTree(MIXED, json)).as(json).isFalse();
    }

    @Test
    void nonAsciiAndDeepNestingAreLeftToTheTreePath() {
        assertThat(assertSameAsTree(MIXED, bytes("{\"s\":\"caf\u00e9\"}"))).isFalse();
        assertThat(assertSameAsTree(MIXED, bytes("{\"caf\u00e9\":1,\"x\":2}"))).isFalse();
        assertThat(
                        assertSameAsTree(
                                MIXED, new byte[] {'{', '"', 'x', '"', ':', '1', (byte) 0xA0, '}'}))
                .isFalse();
        assertThat(assertSameAsTree(MIXED, "{\"meta\":" + "[".repeat(64) + "]".repeat(64) + "}"))
                .isTrue();
        assertThat(assertSameAsTree(MIXED, "{\"meta\":" + "[".repeat(65) + "]".repeat(65) + "}"))
                .isFalse();
        assertThat(assertSameAsTree(MIXED, "{\"s\":\"" + "a".repeat(20_000) + "\"}")).isFalse();
        assertThat(assertSameAsTree(MIXED, "{\"x\":1" + "0".repeat(300) + "}")).isFalse();
        assertThat(assertSameAsTree(MIXED, (byte[]) null)).isFalse();
    }

    @Test
    void manyKeysAndObjectsAreCheckedForDuplicates() {
        StringBuilder wide = new StringBuilder("{\"x\":1");
        for (int i = 0; i < 1000; i++) {
            wide.append(",\"f").append(i).append("\":").append(i);
        }
        assertThat(assertSameAsTree(MIXED, wide + "}")).isTrue();
        assertThat(assertSameAsTree(MIXED, wide + ",\"f999\":0}")).isFalse();
        for (int i = 1000; i < 1100; i++) {
            wide.append(",\"f").append(i).append("\":").append(i);
        }
        assertThat(assertSameAsTree(MIXED, wide + "}"))
                .as("more keys than the scanner tracks")
                .isFalse();
        // The same key in different objects is no duplicate, in one record or in the next.
        String sameKeys = "{\"meta\":[{\"k\":1},{\"k\":2},{\"k\":{\"k\":3}}],\"k\":4}";
        for (int i = 0; i < 3; i++) {
            assertThat(assertSameAsTree(MIXED, sameKeys)).isTrue();
        }
    }

    @Test
    void aNestedInputIsTheTreePathsUnlessItsDottedNameIsATopLevelField() {
        assertThat(assertSameAsTree(NESTED, "{\"a.b\":5}")).isTrue();
        assertThat(assertSameAsTree(NESTED, "{\"a.b\":5,\"v\":[]}")).isFalse();
        assertThat(assertSameAsTree(NESTED, "{\"a\":{\"b\":5}}")).isFalse();
        assertThat(assertSameAsTree(NESTED, "{\"a.b\":5,\"v\":[1]}")).isFalse();
        assertThat(assertSameAsTree(NESTED, "{\"a.b\":5,\"v\":1}")).isTrue();
    }

    @Test
    void aReaderWithAListInputLeavesEveryRecordToTheTreePath() {
        JsonReader ints =
                reader(
                        List.of(
                                new FieldSpec("x", DType.FLOAT, List.of()),
                                new FieldSpec("ints", DType.INT32, List.of(-1L))),
                        Map.of(),
                        List.of());
        assertThat(assertSameAsTree(ints, "{\"x\":1,\"ints\":[1,2]}")).isFalse();
        assertThat(assertSameAsTree(ints, "{\"x\":1}")).isFalse();
    }

    @Test
    void aRecordLeftToTheTreePathWritesNothingFirst() {
        Map<String, Object> input = new HashMap<>();
        Object[] passthrough = new Object[16];
        // "x" reads fine, "s" needs a map: the tree path's turn, before anything is written.
        assertThat(MIXED.readScanned(bytes("{\"x\":1,\"s\":{\"k\":1}}"), input, passthrough))
                .isFalse();
        assertThat(input).isEmpty();
        assertThat(passthrough).containsOnlyNulls();
    }

    @Test
    void theTabularRecordAllocatesOnlyWhatItHandsOut() throws Exception {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[][] records = new byte[256][];
        Random random = new Random(1);
        for (int r = 0; r < records.length; r++) {
            StringBuilder sb =
                    new StringBuilder("{\"id\":").append(1_000_000 + r).append(",\"features\":[");
            for (int j = 0; j < 64; j++) {
                sb.append(j == 0 ? "" : ",").append((float) random.nextGaussian());
            }
            records[r] = bytes(sb.append("]}").toString());
        }
        Map<String, Object> input = new HashMap<>();
        Object[] passthrough = new Object[1];
        for (int r = 0; r < 20_000; r++) {
            TABULAR.read(records[r % records.length], input, passthrough);
        }
        long thread = Thread.currentThread().getId();
        long before = threads.getThreadAllocatedBytes(thread);
        int n = 50_000;
        for (int r = 0; r < n; r++) {
            TABULAR.read(records[r % records.length], input, passthrough);
        }
        long perRecord = (threads.getThreadAllocatedBytes(thread) - before) / n;
        // float[64] (16 + 256 bytes) and a Long (16): the tree path allocates several KB.
        assertThat(perRecord).isLessThanOrEqualTo(16 + 256 + 16 + 16);
    }
}
