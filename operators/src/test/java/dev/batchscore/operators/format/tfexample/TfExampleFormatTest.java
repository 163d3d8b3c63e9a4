package dev.batchscore.operators.format.tfexample;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.SerializedExample;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.table.data.ArrayData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.ArrayType;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.FloatType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.TimestampType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.Int64List;

class TfExampleFormatTest {
    private final RecordFormat format = new TfExampleFormat();

    static Feature floats(float... v) {
        FloatList.Builder l = FloatList.newBuilder();
        for (float x : v) {
            l.addValue(x);
        }
        return Feature.newBuilder().setFloatList(l).build();
    }

    static Feature longs(long... v) {
        Int64List.Builder l = Int64List.newBuilder();
        for (long x : v) {
            l.addValue(x);
        }
        return Feature.newBuilder().setInt64List(l).build();
    }

    static Feature strings(String... v) {
        BytesList.Builder l = BytesList.newBuilder();
        for (String x : v) {
            l.addValue(ByteString.copyFromUtf8(x));
        }
        return Feature.newBuilder().setBytesList(l).build();
    }

    static byte[] example(Map<String, Feature> features) {
        return Example.newBuilder()
                .setFeatures(Features.newBuilder().putAllFeature(features))
                .build()
                .toByteArray();
    }

    private static ReaderSpec spec(
            List<FieldSpec> fields, List<PassthroughField> passthrough, String serialized) {
        return new ReaderSpec(fields, Map.of(), passthrough, serialized);
    }

    private static FieldSpec field(String name, DType dtype, Long... shape) {
        return new FieldSpec(name, dtype, List.of(shape));
    }

    @Test
    void featuresGoToTheModelByNameWithExactValues() throws Exception {
        RecordReader reader =
                format.reader(
                        spec(
                                List.of(
                                        field("v", DType.FLOAT, -1L),
                                        field("s", DType.FLOAT),
                                        field("n", DType.INT64),
                                        field("ids", DType.INT64, 3L),
                                        field("text", DType.STRING),
                                        field("words", DType.STRING, -1L),
                                        field("label", DType.INT32),
                                        field("absent", DType.FLOAT)),
                                List.of(),
                                null));
        Map<String, Object> input = new HashMap<>();
        reader.read(
                example(
                        Map.of(
                                "v", floats(0.5f, -1.25f, 3.4028235E38f),
                                "s", floats(0.1f),
                                "n", longs(Long.MAX_VALUE),
                                "ids", longs(1, 2, 3),
                                "text", strings("héllo"),
                                "words", strings("a", "b"),
                                "label", strings("cat"))),
                input,
                new Object[0]);
        assertThat((float[]) input.get("v")).containsExactly(0.5f, -1.25f, 3.4028235E38f);
        assertThat(input.get("s")).isEqualTo(0.1f);
        assertThat(input.get("n")).isEqualTo(Long.MAX_VALUE);
        assertThat((long[]) input.get("ids")).containsExactly(1, 2, 3);
        // DT_STRING takes the bytes as they are
        assertThat((byte[]) input.get("text")).isEqualTo("héllo".getBytes(StandardCharsets.UTF_8));
        assertThat((List<?>) input.get("words")).hasSize(2);
        assertThat(
                        new String(
                                (byte[]) ((List<?>) input.get("words")).get(1),
                                StandardCharsets.UTF_8))
                .isEqualTo("b");
        // bytes for a number input stay a string, so the model runtime says "is a string"
        assertThat(input.get("label")).isEqualTo("cat");
        assertThat(input).doesNotContainKey("absent");
    }

    @Test
    void aScalarFieldWithSeveralValuesStaysAnArrayForTheModelRuntimeToRefuse() throws Exception {
        RecordReader reader =
                format.reader(spec(List.of(field("x", DType.FLOAT)), List.of(), null));
        Map<String, Object> input = new HashMap<>();
        reader.read(example(Map.of("x", floats(1f, 2f))), input, new Object[0]);
        assertThat((float[]) input.get("x")).containsExactly(1f, 2f);
    }

    @Test
    void int64ZeroAndOneFeedABoolInput() throws Exception {
        RecordReader reader =
                format.reader(
                        spec(
                                List.of(field("b", DType.BOOL), field("bs", DType.BOOL, -1L)),
                                List.of(),
                                null));
        Map<String, Object> input = new HashMap<>();
        reader.read(example(Map.of("b", longs(1), "bs", longs(0, 1, 7))), input, new Object[0]);
        assertThat(input.get("b")).isEqualTo(true);
        assertThat(input.get("bs")).isEqualTo(List.of(false, true, 7L));
    }

    @Test
    void theMappingRenamesFeatures() throws Exception {
        ReaderSpec spec =
                new ReaderSpec(
                        List.of(field("x", DType.FLOAT)), Map.of("x", "age"), List.of(), null);
        Map<String, Object> input = new HashMap<>();
        format.reader(spec).read(example(Map.of("age", floats(42f))), input, new Object[0]);
        assertThat(input).containsExactly(Map.entry("x", 42f));
    }

    @Test
    void aParsingModelGetsTheValueAsItIs() throws Exception {
        byte[] value = example(Map.of("x", floats(3f)));
        RecordReader reader =
                format.reader(spec(List.of(field("x", DType.FLOAT, 1L)), List.of(), "inputs"));
        Map<String, Object> input = new HashMap<>();
        reader.read(value, input, new Object[0]);
        assertThat(input).containsOnlyKeys("inputs");
        assertThat(((SerializedExample) input.get("inputs")).bytes()).isSameAs(value);
    }

    @Test
    void aParsingModelStillGetsTheValueAsItIsWhenPassthroughNeedsAParse() throws Exception {
        byte[] value = example(Map.of("x", floats(3f), "id", longs(17)));
        RecordReader reader =
                format.reader(
                        spec(
                                List.of(field("x", DType.FLOAT, 1L)),
                                List.of(new PassthroughField("id", PassthroughField.Type.LONG)),
                                "inputs"));
        Map<String, Object> input = new HashMap<>();
        Object[] passthrough = new Object[1];
        reader.read(value, input, passthrough);
        assertThat(((SerializedExample) input.get("inputs")).bytes()).isSameAs(value);
        assertThat(passthrough).containsExactly(17L);
    }

    @Test
    void passthroughColumnsByTheirTypes() throws Exception {
        List<PassthroughField> columns =
                List.of(
                        new PassthroughField("id", new BigIntType()),
                        new PassthroughField("name", new VarCharType(VarCharType.MAX_LENGTH)),
                        new PassthroughField("score", new FloatType()),
                        new PassthroughField("tags", new ArrayType(new VarCharType(100))),
                        new PassthroughField("ids", new ArrayType(new BigIntType())),
                        new PassthroughField("ratio", PassthroughField.Type.DOUBLE),
                        new PassthroughField("flag", PassthroughField.Type.BOOLEAN),
                        new PassthroughField("idText", PassthroughField.Type.STRING),
                        new PassthroughField("listText", PassthroughField.Type.STRING),
                        new PassthroughField("wrong", PassthroughField.Type.LONG),
                        new PassthroughField("missing", PassthroughField.Type.STRING));
        RecordReader reader = format.reader(spec(List.of(), columns, null));
        Object[] out = new Object[columns.size()];
        reader.read(
                example(
                        Map.of(
                                "id", longs(5),
                                "name", strings("ann"),
                                "score", floats(0.75f),
                                "tags", strings("a", "b"),
                                "ids", longs(9),
                                "ratio", floats(0.5f),
                                "flag", longs(1),
                                "idText", longs(12),
                                "listText", strings("x", "y\""),
                                "wrong", strings("nope"))),
                new HashMap<>(),
                out);
        assertThat(out[0]).isEqualTo(5L);
        assertThat(out[1]).isEqualTo(StringData.fromString("ann"));
        assertThat(out[2]).isEqualTo(0.75f);
        ArrayData tags = (ArrayData) out[3];
        assertThat(tags.size()).isEqualTo(2);
        assertThat(tags.getString(1)).isEqualTo(StringData.fromString("b"));
        ArrayData ids = (ArrayData) out[4];
        assertThat(ids.size()).isEqualTo(1);
        assertThat(ids.getLong(0)).isEqualTo(9L);
        assertThat(out[5]).isEqualTo(0.5d);
        assertThat(out[6]).isEqualTo(true);
        assertThat(out[7]).isEqualTo(StringData.fromString("12"));
        assertThat(out[8]).isEqualTo(StringData.fromString("[\"x\",\"y\\\"\"]"));
        assertThat(out[9]).isNull();
        assertThat(out[10]).isNull();
    }

    @Test
    void inferredPassthroughTakesKindsAndListLengthsFromTheSamples() {
        List<byte[]> samples =
                List.of(
                        example(
                                Map.of(
                                        "x", floats(1f),
                                        "id", longs(1),
                                        "name", strings("a"),
                                        "tags", strings("t"),
                                        "mixed", longs(1))),
                        example(
                                Map.of(
                                        "x", floats(2f),
                                        "id", longs(2),
                                        "tags", strings("t", "u"),
                                        "emb", floats(0.1f, 0.2f),
                                        "mixed", floats(1.5f))),
                        new byte[] {(byte) 0xff});
        List<PassthroughField> fields = format.inferPassthrough(samples, Set.of("x"));
        assertThat(fields)
                .containsExactly(
                        new PassthroughField("emb", new ArrayType(new FloatType())),
                        new PassthroughField("id", new BigIntType()),
                        new PassthroughField("mixed", PassthroughField.Type.STRING),
                        new PassthroughField("name", PassthroughField.Type.STRING),
                        new PassthroughField(
                                "tags", new ArrayType(new VarCharType(VarCharType.MAX_LENGTH))));
        assertThat(format.inferPassthrough(List.of(), Set.of())).isEmpty();
    }

    @Test
    void resolvePassthroughKeepsWhatAFeatureCanFillAndRefusesTheRest() {
        List<PassthroughField> ok =
                List.of(
                        new PassthroughField("a", PassthroughField.Type.LONG),
                        new PassthroughField("b", PassthroughField.Type.STRING),
                        new PassthroughField("c", new ArrayType(new FloatType())));
        assertThat(format.resolvePassthrough(ok)).isEqualTo(ok);
        LogicalType ts = new TimestampType(3);
        assertThatThrownBy(() -> format.resolvePassthrough(List.of(new PassthroughField("t", ts))))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "passthrough column 't' is TIMESTAMP(3), which a tf.Example feature cannot"
                                + " fill (STRING, BIGINT, FLOAT, DOUBLE, BOOLEAN or an ARRAY of"
                                + " one): set output.passthrough to the features to copy");
    }

    @Test
    void badValuesAreOneLineReasons() {
        RecordReader reader =
                format.reader(spec(List.of(field("x", DType.FLOAT)), List.of(), null));
        RecordReader serialized =
                format.reader(spec(List.of(field("x", DType.FLOAT)), List.of(), "inputs"));
        for (RecordReader r : List.of(reader, serialized)) {
            assertThatThrownBy(() -> r.read(null, new HashMap<>(), new Object[0]))
                    .isInstanceOf(DecodeException.class)
                    .hasMessage(
                            "record value is null, expected a serialized tf.Example: produce one"
                                    + " Example per record");
            assertThatThrownBy(() -> r.read(new byte[0], new HashMap<>(), new Object[0]))
                    .hasMessage(
                            "record value is empty, expected a serialized tf.Example: produce one"
                                    + " Example per record");
        }
        byte[] valid = example(Map.of("x", floats(1f, 2f, 3f), "s", strings("abc")));
        List<byte[]> corpus =
                List.of(
                        "{\"x\": 1}".getBytes(StandardCharsets.UTF_8),
                        new byte[] {(byte) 0xff, (byte) 0xff},
                        new byte[] {0x00},
                        Arrays.copyOf(valid, valid.length - 1),
                        new byte[] {0x0a, 0x05, 0x0a},
                        new byte[] {0x0f});
        for (byte[] bad : corpus) {
            for (RecordReader r : List.of(reader, serialized)) {
                assertThatThrownBy(() -> r.read(bad, new HashMap<>(), new Object[0]))
                        .as(Arrays.toString(bad))
                        .isInstanceOf(DecodeException.class)
                        .hasMessageStartingWith(
                                "record value ("
                                        + bad.length
                                        + " bytes) is not a serialized"
                                        + " tf.Example: ")
                        .hasMessageEndingWith("; produce tf.Example.SerializeToString() bytes")
                        .message()
                        .doesNotContain("\n");
            }
        }
        assertThatThrownBy(() -> reader.read(new byte[] {0x00}, new HashMap<>(), new Object[0]))
                .hasMessage(
                        "record value (1 bytes) is not a serialized tf.Example: Protocol message"
                                + " contained an invalid tag (zero).; produce"
                                + " tf.Example.SerializeToString() bytes");
    }

    /**
     * An Example whose float_list is written unpacked (one wire-type-5 field per value), with an
     * unknown varint field inside the list, as other writers may produce it.
     */
    private static byte[] unpackedFloatExample(String key, float... values) throws Exception {
        ByteArrayOutputStream list = new ByteArrayOutputStream();
        CodedOutputStream l = CodedOutputStream.newInstance(list);
        for (float v : values) {
            l.writeFloat(1, v);
        }
        l.writeUInt64(7, 1);
        l.flush();
        byte[] feature = message(2, list.toByteArray());
        ByteArrayOutputStream entry = new ByteArrayOutputStream();
        CodedOutputStream e = CodedOutputStream.newInstance(entry);
        e.writeString(1, key);
        e.writeByteArray(2, feature);
        e.flush();
        return message(1, message(1, entry.toByteArray()));
    }

    /** A message holding {@code body} as length-delimited field {@code number}. */
    private static byte[] message(int number, byte[] body) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CodedOutputStream c = CodedOutputStream.newInstance(out);
        c.writeByteArray(number, body);
        c.flush();
        return out.toByteArray();
    }

    @Test
    void theWireCheckAcceptsWhatProtobufParses() throws Exception {
        Example.Builder b = Example.newBuilder();
        b.getFeaturesBuilder()
                .putFeature("f", floats(1f, -0f, Float.NaN))
                .putFeature("i", longs(-1, Long.MIN_VALUE, 0))
                .putFeature("s", strings("", "x"))
                .putFeature("empty", Feature.getDefaultInstance())
                .putFeature("", floats());
        byte[] value = b.build().toByteArray();
        assertThat(ExampleWire.problem(value)).isNull();
        assertThat(ExampleWire.problem(Example.getDefaultInstance().toByteArray())).isNull();
        // unpacked repeated values (wire types 5 and 0), as older writers produce them
        byte[] unpacked = unpackedFloatExample("a", 1f, 2f);
        assertThat(ExampleWire.problem(unpacked)).isNull();
        assertThat(
                        Example.parseFrom(unpacked)
                                .getFeatures()
                                .getFeatureOrThrow("a")
                                .getFloatList()
                                .getValueList())
                .containsExactly(1f, 2f);
        assertThat(ExampleWire.problem(new byte[] {0x0a, 0x02, 0x0a, 0x05})).contains("truncated");
    }

    @Test
    void checkInputsRefusesAMappedFeatureNoSampleHasAndAKindThatCannotFeed() {
        List<byte[]> samples = List.of(example(Map.of("age", floats(3f), "name", strings("a"))));
        ReaderSpec mapped =
                new ReaderSpec(
                        List.of(field("x", DType.FLOAT)), Map.of("x", "agee"), List.of(), null);
        assertThatThrownBy(() -> format.checkInputs(mapped, samples))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model.input.x is 'agee', but none of the 1 tf.Examples sampled from the"
                                + " topic has that feature (features seen: [age, name]): map"
                                + " model.input.x to one of them");
        ReaderSpec wrong =
                new ReaderSpec(
                        List.of(field("x", DType.FLOAT, 1L)), Map.of("x", "name"), List.of(), null);
        assertThatThrownBy(() -> format.checkInputs(wrong, samples))
                .hasMessage(
                        "model input 'x' expects DT_FLOAT [1] but every one of the 1 tf.Examples"
                                + " sampled from the topic holds a bytes_list in feature 'name',"
                                + " which cannot feed it (it needs a float_list or int64_list):"
                                + " set model.input.x to a feature of that type");
        ReaderSpec fine =
                new ReaderSpec(
                        List.of(field("x", DType.DOUBLE)), Map.of("x", "age"), List.of(), null);
        format.checkInputs(fine, samples);
        format.checkInputs(mapped, List.of());
        // an unmapped model field absent from the samples is left to the errors table
        format.checkInputs(spec(List.of(field("zz", DType.FLOAT)), List.of(), null), samples);
    }

    @Test
    void checkInputsForAParsingModelWantsTheExactKindAndNoRenaming() {
        List<byte[]> samples = List.of(example(Map.of("x", longs(3))));
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                List.of(field("x", DType.FLOAT, 1L)),
                                                List.of(),
                                                "inputs"),
                                        samples))
                .hasMessage(
                        "model input 'x' expects DT_FLOAT [1] but every one of the 1 tf.Examples"
                                + " sampled from the topic holds a int64_list in feature 'x',"
                                + " which cannot feed it (it needs a float_list): write the"
                                + " feature as a float_list");
        ReaderSpec renamed =
                new ReaderSpec(
                        List.of(field("x", DType.FLOAT, 1L)),
                        Map.of("x", "y"),
                        List.of(),
                        "inputs");
        assertThatThrownBy(() -> format.checkInputs(renamed, samples))
                .hasMessage(
                        "model.input.x is 'y', but the model parses the serialized tf.Example"
                                + " itself (input 'inputs'), so its features cannot be renamed:"
                                + " unset model.input.x or name the feature 'x' in the producer");
    }

    @Test
    void describesInputsAndDecodesForDisplay() {
        assertThat(
                        format.describeInputs(
                                spec(List.of(field("x", DType.FLOAT, 1L)), List.of(), null)))
                .containsExactly(
                        "tf.Example feature 'x': float_list or int64_list (for DT_FLOAT [1])");
        assertThat(
                        format.describeInputs(
                                spec(List.of(field("x", DType.FLOAT, 1L)), List.of(), "inputs")))
                .containsExactly(
                        "tf.Example feature 'x': float_list (for DT_FLOAT [1]; the model parses"
                                + " the Example given to input 'inputs')");
        List<Map<String, Object>> shown =
                format.decodeForDisplay(
                        List.of(
                                example(
                                        Map.of(
                                                "b",
                                                strings("s"),
                                                "a",
                                                floats(1f, 2f),
                                                "c",
                                                longs(7))),
                                new byte[] {1}));
        assertThat(shown).hasSize(1);
        assertThat(shown.get(0))
                .containsExactly(
                        Map.entry("a", List.of(1f, 2f)), Map.entry("b", "s"), Map.entry("c", 7L));
    }

    @Test
    void isMadeByItsFactoryAndSurvivesJavaSerialization() throws Exception {
        Configuration conf = new Configuration();
        conf.set(RecordFormats.SOURCE_FORMAT, "tf-example");
        RecordFormat made = RecordFormats.create(conf);
        assertThat(made).isEqualTo(format);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(made);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            RecordFormat back = (RecordFormat) in.readObject();
            assertThat(back).isEqualTo(format);
            Map<String, Object> input = new HashMap<>();
            back.reader(spec(List.of(field("x", DType.FLOAT)), List.of(), null))
                    .read(example(Map.of("x", floats(2f))), input, new Object[0]);
            assertThat(input).containsExactly(Map.entry("x", 2f));
        }
    }
}
