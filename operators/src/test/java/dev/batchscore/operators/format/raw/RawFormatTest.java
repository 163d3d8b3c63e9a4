package dev.batchscore.operators.format.raw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordFormats;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

class RawFormatTest {
    private final RecordFormat format = new RawFormat();

    private static ReaderSpec spec(FieldSpec... fields) {
        return new ReaderSpec(List.of(fields), Map.of(), List.of(), null);
    }

    @Test
    void theWholeValueGoesToTheStringInputAsBytes() throws Exception {
        byte[] image = {(byte) 0x89, 'P', 'N', 'G', 0, (byte) 0xff};
        Map<String, Object> input = new HashMap<>();
        format.reader(spec(new FieldSpec("image_bytes", DType.STRING, List.of())))
                .read(image, input, new Object[0]);
        assertThat(input).containsOnlyKeys("image_bytes");
        assertThat(input.get("image_bytes")).isSameAs(image);
        Map<String, Object> empty = new HashMap<>();
        format.reader(spec(new FieldSpec("text", DType.STRING, List.of(1L))))
                .read(new byte[0], empty, new Object[0]);
        assertThat((byte[]) empty.get("text")).isEmpty();
    }

    @Test
    void aNullValueIsABadRecord() {
        assertThatThrownBy(
                        () ->
                                format.reader(spec(new FieldSpec("t", DType.STRING, List.of())))
                                        .read(null, new HashMap<>(), new Object[0]))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "record value is null (a tombstone?), expected the bytes for the model's"
                                + " string input: produce a value for every record");
    }

    @Test
    void checkInputsWantsExactlyOneStringField() {
        format.checkInputs(spec(new FieldSpec("t", DType.STRING, List.of())), List.of());
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(new FieldSpec("x", DType.FLOAT, List.of(-1L))),
                                        List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "source.format raw feeds the whole record value to one DT_STRING model"
                                + " input, but model input 'x' expects DT_FLOAT [-1]: use a"
                                + " signature with a string input or another source.format");
        assertThatThrownBy(
                        () ->
                                format.checkInputs(
                                        spec(
                                                new FieldSpec("a", DType.STRING, List.of()),
                                                new FieldSpec("b", DType.INT64, List.of())),
                                        List.of()))
                .hasMessage(
                        "source.format raw feeds the whole record value to one DT_STRING model"
                                + " input, but the model reads 2 fields [a DT_STRING scalar, b"
                                + " DT_INT64 scalar]: use a signature with one string input or"
                                + " another source.format");
    }

    @Test
    void noPassthrough() {
        assertThat(format.inferPassthrough(List.of(new byte[] {1}), Set.of())).isEmpty();
        assertThat(format.resolvePassthrough(List.of())).isEmpty();
        assertThatThrownBy(
                        () -> format.resolvePassthrough(List.of(PassthroughField.parse("id:long"))))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "output.passthrough names [id], but with source.format raw a record is only"
                                + " the model's input and has no fields to copy: unset"
                                + " output.passthrough");
    }

    @Test
    void describesAndDisplays() {
        assertThat(format.describeInputs(spec(new FieldSpec("t", DType.STRING, List.of()))))
                .containsExactly("raw: the whole value as DT_STRING (for t DT_STRING scalar)");
        assertThat(
                        format.decodeForDisplay(
                                List.of(
                                        "héllo".getBytes(StandardCharsets.UTF_8),
                                        new byte[] {(byte) 0xff, 0})))
                .containsExactly(Map.of("value", "héllo"), Map.of("bytes", 2));
    }

    @Test
    void isMadeByItsFactoryAndSurvivesJavaSerialization() throws Exception {
        Configuration conf = new Configuration();
        conf.set(RecordFormats.SOURCE_FORMAT, "RAW");
        RecordFormat made = RecordFormats.create(conf);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(made);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertThat(in.readObject()).isEqualTo(format);
        }
    }
}
