package dev.batchscore.operators.format.csv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.batchscore.operators.format.DecodeException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** RFC 4180 lines, one per record value. */
class CsvParserTest {
    private final CsvParser comma = new CsvParser(',');

    private List<String> parse(String line) throws DecodeException {
        return comma.parse(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void plainFields() throws Exception {
        assertThat(parse("a,b,c")).containsExactly("a", "b", "c");
        assertThat(parse("1.5, 2 ,x y")).containsExactly("1.5", " 2 ", "x y");
        assertThat(parse("one")).containsExactly("one");
    }

    @Test
    void quotedFieldsHoldDelimitersLineBreaksAndEscapedQuotes() throws Exception {
        assertThat(parse("\"a,b\",c")).containsExactly("a,b", "c");
        assertThat(parse("\"say \"\"hi\"\"\",2")).containsExactly("say \"hi\"", "2");
        assertThat(parse("\"line1\nline2\",\"x\r\ny\"")).containsExactly("line1\nline2", "x\r\ny");
        assertThat(parse("\"\"\"\"")).containsExactly("\"");
        assertThat(parse("\"é, ü\",ß")).containsExactly("é, ü", "ß");
    }

    @Test
    void emptyFieldsAreNullUnlessQuoted() throws Exception {
        assertThat(parse("a,,c")).containsExactly("a", null, "c");
        assertThat(parse(",")).containsExactly(null, null);
        assertThat(parse("a,")).containsExactly("a", null);
        assertThat(parse("\"\",b")).containsExactly("", "b");
        assertThat(parse("a,\"\"")).containsExactly("a", "");
        assertThat(parse("")).containsExactly((String) null);
    }

    @Test
    void oneTrailingLineBreakIsIgnored() throws Exception {
        assertThat(parse("a,b\n")).containsExactly("a", "b");
        assertThat(parse("a,b\r\n")).containsExactly("a", "b");
        assertThat(parse("a,\"b\"\r")).containsExactly("a", "b");
    }

    @Test
    void aQuoteInsideAnUnquotedFieldIsKept() throws Exception {
        assertThat(parse("5'10\",x")).containsExactly("5'10\"", "x");
    }

    @Test
    void otherDelimiters() throws Exception {
        assertThat(new CsvParser('\t').parse("a\tb,c\t\"d\te\"".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("a", "b,c", "d\te");
        assertThat(new CsvParser(';').parse("1,5;2".getBytes(StandardCharsets.UTF_8)))
                .containsExactly("1,5", "2");
    }

    @Test
    void badLinesAreOneLineReasons() {
        assertThatThrownBy(() -> parse("a,\"open"))
                .isInstanceOf(DecodeException.class)
                .hasMessage(
                        "CSV field 2 opens a quote at byte 2 that is never closed: close it, and"
                                + " write a quote inside it as \"\"");
        assertThatThrownBy(() -> parse("\"a\"b,c"))
                .hasMessage(
                        "CSV field 1 has 'b' after its closing quote (byte 3): a quote inside a"
                                + " quoted field is written \"\"");
        assertThatThrownBy(() -> parse("a,b\nc,d"))
                .hasMessage(
                        "CSV value has a line break outside quotes at byte 3 (in field 2): produce"
                                + " one CSV line per record, or quote a field that holds one");
    }

    @Test
    void neverThrowsAnythingButADecodeExceptionOnRandomBytes() {
        java.util.Random random = new java.util.Random(42);
        byte[] alphabet = {'a', ',', '"', '\n', '\r', ' ', (byte) 0xc3, (byte) 0xa9};
        for (int n = 0; n < 2000; n++) {
            byte[] value = new byte[random.nextInt(12)];
            for (int i = 0; i < value.length; i++) {
                value[i] = alphabet[random.nextInt(alphabet.length)];
            }
            try {
                comma.parse(value);
            } catch (DecodeException e) {
                assertThat(e.getMessage()).as(Arrays.toString(value)).doesNotContain("\n");
            }
        }
    }
}
