package dev.batchscore.operators.format.csv;

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
import dev.batchscore.operators.format.RecordReader;
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
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.TimestampType;
import org.junit.jupiter.api.Test;

class CsvFormatTest {
    private final CsvFormat format = new CsvFormat(List.of("id", "x", "v", "label", "ok"), ',');

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static FieldSpec field(String name, DType dtype, Long... shape) {
        return new FieldSpec(name, dtype, List.of(shape));
    }

    private static ReaderSpec spec(List<FieldSpec> fields, List<PassthroughField> passthrough) {
        return new ReaderSpec(fields, Map.of(), passthrough, null);
    }

    @Test
    void columnsConvertToTheFieldsDtypes() throws Exception {
        RecordReader reader =
                format.reader(
                        spec(
                                List.of(
                                        field("id", DType.INT64),
                                        field("x", DType.FLOAT),
                                        field("v", DType.DOUBLE, -1L),
                                        field("label", DType.STRING),
                                        field("ok", DType.BOOL)),
                                List.of()));
        Map<String, Object> input = new HashMap<>();
        reader.read(utf8("7,0.1,\"1.5;-2e3 3\",\"a, b\",TRUE\n"), input, new Object[0]);
        assertThat(input.get("id")).isEqualTo(7L);
        assertThat(input.get("x")).isEqualTo(0.1f);
        assertThat((double[]) input.get("v")).containsExactly(1.5, -2000.0, 3.0);
        assertThat(input.get("label")).isEqualTo("a, b");
        assertThat(input.get("ok")).isEqualTo(true);
    }

    @Test
    void vectorsOfEveryDtypeAndAnEmptyFieldAsNull() throws Exception {
        CsvFormat f = new CsvFormat(List.of("f", "i", "l", "b", "s", "e"), '|');
        RecordReader reader =
                f.reader(
                        spec(
                                List.of(
                                        field("f", DType.FLOAT, 2L, 2L),
                                        field("i", DType.INT32, -1L),
                                        field("l", DType.INT64, 1L),
                                        field("b", DType.BOOL, -1L),
                                        field("s", DType.STRING, -1L),
                                        field("e", DType.FLOAT)),
                                List.of()));
        Map<String, Object> input = new HashMap<>();
        reader.read(utf8("[1 2 3 4]|-1;2|9|1 false|red green|"), input, new Object[0]);
        assertThat((float[]) input.get("f")).containsExactly(1f, 2f, 3f, 4f);
        assertThat((int[]) input.get("i")).containsExactly(-1, 2);
        assertThat((long[]) input.get("l")).containsExactly(9L);
        assertThat((boolean[]) input.get("b")).containsExactly(true, false);
        assertThat(input.get("s")).isEqualTo(List.of("red", "green"));
        assertThat(input).containsEntry("e", null);
    }

    @Test
    void theMappingPicksTheColumn() throws Exception {
        ReaderSpec spec =
                new ReaderSpec(
                        List.of(field("in", DType.FLOAT)), Map.of("in", "x"), List.of(), null);
        Map<String, Object> input = new HashMap<>();
        format.reader(spec).read(utf8("1,2.5,,,"), input, new Object[0]);
        assertThat(input).containsExactly(Map.entry("in", 2.5f));
    }

    @Test
    void passthroughColumnsAreStringsUnlessDeclared() throws Exception {
        List<PassthroughField> columns =
                List.of(
                        PassthroughField.parse("id:long"),
                        PassthroughField.parse("x:double"),
                        PassthroughField.parse("label"),
                        PassthroughField.parse("ok:boolean"),
                        PassthroughField.parse("v:long"));
        RecordReader reader = format.reader(spec(List.of(), columns));
        Object[] out = new Object[5];
        reader.read(utf8("42, 0.25 ,notanumber,\"q\"\"t\",true"), new HashMap<>(), out);
        assertThat(out).containsExactly(42L, 0.25, StringData.fromString("q\"t"), true, null);
        reader.read(utf8(",,,,"), new HashMap<>(), out);
        assertThat(out).containsOnlyNulls();
        assertThat(format.inferPassthrough(List.of(), Set.of("x", "v")))
                .containsExactly(
                        PassthroughField.parse("id"),
                        PassthroughField.parse("label"),
                        PassthroughField.parse("ok"));
        assertThat(format.resolvePassthrough(columns)).isEqualTo(columns);
    }

    @Test
    void resolvePassthroughRefusesUnknownColumnsAndTypes() {
        assertThatThrownBy(() -> format.resolvePassthrough(List.of(PassthroughField.parse("nope"))))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "passthrough column 'nope' is not one of source.csv.columns (id, x, v,"
                                + " label, ok): add it there or leave it out of"
                                + " output.passthrough");
        assertThatThrownBy(
                        () ->
                                format.resolvePassthrough(
                                        List.of(new PassthroughField("id", new TimestampType(3)))))
                .hasMessage(
                        "passthrough column 'id' is TIMESTAMP(3), which a CSV column cannot fill"
                                + " (string, long, double, boolean): set output.passthrough to the"
                                + " columns to copy");
    }

    @Test
    void badLinesAreOneLineReasons() {
        RecordReader reader =
                format.reader(
                        spec(
                                List.of(field("x", DType.FLOAT), field("id", DType.INT64)),
                                List.of()));
        assertThatThrownBy(() -> reader.read(utf8("1,2,3"), new HashMap<>(), new Object[0]))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "CSV line has 3 fields, expected 5 (columns id, x, v, label, ok): fix the"
                                + " producer or source.csv.columns");
        assertThatThrownBy(() -> reader.read(null, new HashMap<>(), new Object[0]))
                .hasMessage(
                        "record value is null, expected a CSV line: produce one line per record");
        assertThatThrownBy(() -> reader.read(utf8("1,abc,,,"), new HashMap<>(), new Object[0]))
                .hasMessage(
                        "CSV column 'x' is \"abc\", not a number as model input 'x' (DT_FLOAT"
                                + " scalar) needs");
        assertThatThrownBy(() -> reader.read(utf8("0x10,1,,,"), new HashMap<>(), new Object[0]))
                .hasMessage(
                        "CSV column 'id' is \"0x10\", not an integer as model input 'id' (DT_INT64"
                                + " scalar) needs");
        assertThatThrownBy(() -> reader.read(utf8("1,1f,,,"), new HashMap<>(), new Object[0]))
                .hasMessageContaining("is \"1f\", not a number");
        assertThatThrownBy(() -> reader.read(utf8("1,\"2,,,"), new HashMap<>(), new Object[0]))
                .hasMessage(
                        "CSV field 2 opens a quote at byte 2 that is never closed: close it, and"
                                + " write a quote inside it as \"\"");
    }

    @Test
    void checkInputsRefusesUnknownColumnsAndColumnsThatNeverConvert() {
        ReaderSpec unknown =
                new ReaderSpec(
                        List.of(field("in", DType.FLOAT)), Map.of("in", "y"), List.of(), null);
        assertThatThrownBy(() -> format.checkInputs(unknown, List.of()))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "model input 'in' reads CSV column 'y', which source.csv.columns does not"
                                + " name (id, x, v, label, ok): set model.input.in to one of them"
                                + " or add the column");
        ReaderSpec label =
                new ReaderSpec(
                        List.of(field("in", DType.FLOAT)), Map.of("in", "label"), List.of(), null);
        List<byte[]> samples = List.of(utf8("1,2,3,cat,true"), utf8("2,2,3,,true"), utf8("bad"));
        assertThatThrownBy(() -> format.checkInputs(label, samples))
                .hasMessage(
                        "model input 'in' expects DT_FLOAT scalar but in every one of the 2 lines"
                                + " sampled from the topic CSV column 'label' is not a number, e.g."
                                + " \"cat\": set model.input.in to a column of that type");
        format.checkInputs(spec(List.of(field("x", DType.FLOAT)), List.of()), samples);
        format.checkInputs(label, List.of(utf8("1,2,3,0.5,true"), utf8("1,2,3,cat,true")));
    }

    @Test
    void optionsFactoryAndDescriptions() {
        Configuration conf = new Configuration();
        conf.set(RecordFormats.SOURCE_FORMAT, "csv");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .isInstanceOf(FormatException.class)
                .hasMessage(
                        "source.format is csv but option 'source.csv.columns' is not set: list the"
                                + " CSV columns in order, e.g. source.csv.columns: id,x,label");
        conf.setString("source.csv.columns", "a, b,c");
        assertThat(RecordFormats.create(conf))
                .isEqualTo(new CsvFormat(List.of("a", "b", "c"), ','));
        conf.setString("source.csv.columns", "a;b;c"); // Flink's own list syntax
        assertThat(RecordFormats.create(conf))
                .isEqualTo(new CsvFormat(List.of("a", "b", "c"), ','));
        assertThat(RecordFormats.factories().keySet()).contains("json", "tf-example", "csv", "raw");
        conf.setString("source.csv.delimiter", "\\t");
        assertThat(((CsvFormat) RecordFormats.create(conf)).delimiter()).isEqualTo('\t');
        conf.setString("source.csv.delimiter", "::");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .hasMessage(
                        "option 'source.csv.delimiter' is '::': expected one ASCII character other"
                                + " than a quote or a line break, e.g. ',', ';', '|' or \\t");
        conf.setString("source.csv.delimiter", ";");
        conf.setString("source.csv.columns", "a,b,a");
        assertThatThrownBy(() -> RecordFormats.create(conf))
                .hasMessage(
                        "option 'source.csv.columns' is 'a,b,a': column 'a' appears twice; name"
                                + " every column once");
        assertThat(RecordFormats.options()).contains(CsvOptions.COLUMNS, CsvOptions.DELIMITER);
        assertThat(
                        format.describeInputs(
                                spec(
                                        List.of(
                                                field("x", DType.FLOAT),
                                                field("v", DType.INT64, -1L)),
                                        List.of())))
                .containsExactly(
                        "CSV column 'x': a number (for DT_FLOAT scalar)",
                        "CSV column 'v': integers separated by spaces or ';' (for DT_INT64 [-1])");
        assertThat(format.decodeForDisplay(List.of(utf8("1,2,,\"l\",x"), utf8("short"))))
                .containsExactly(
                        new java.util.LinkedHashMap<>(
                                Map.of("id", "1", "x", "2", "label", "l", "ok", "x")) {
                            {
                                put("v", null);
                            }
                        });
    }

    @Test
    void survivesJavaSerialization() throws Exception {
        CsvFormat f = new CsvFormat(List.of("a", "b"), ';');
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(f);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            RecordFormat back = (RecordFormat) in.readObject();
            assertThat(back).isEqualTo(f);
            Map<String, Object> input = new HashMap<>();
            back.reader(spec(List.of(field("b", DType.DOUBLE)), List.of()))
                    .read(utf8("x;2.5"), input, new Object[0]);
            assertThat(input).containsExactly(Map.entry("b", 2.5));
        }
    }
}
