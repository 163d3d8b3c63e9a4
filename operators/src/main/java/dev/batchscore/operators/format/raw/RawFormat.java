package dev.batchscore.operators.format.raw;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code source.format: raw}: the whole value is the model's one DT_STRING input, as bytes (an
 * encoded image, a text, a serialized tensor the graph decodes). The model must have exactly that
 * one field; a record carries nothing else, so there are no passthrough columns. It has no options.
 */
public final class RawFormat implements RecordFormat {
    private static final long serialVersionUID = 1L;

    public static final String NAME = "raw";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RecordReader reader(ReaderSpec spec) {
        String input = spec.fields().size() == 1 ? spec.fields().get(0).name() : null;
        return new Reader(input);
    }

    /** Puts the value under the one field's name; no copy, the value is not reused by Kafka. */
    private static final class Reader implements RecordReader {
        private final String input;

        Reader(String input) {
            this.input = input;
        }

        @Override
        public void read(byte[] value, Map<String, Object> in, Object[] passthrough)
                throws DecodeException {
            if (value == null) {
                throw new DecodeException(
                        "record value is null (a tombstone?), expected the bytes for the model's"
                                + " string input: produce a value for every record");
            }
            if (input != null) {
                in.put(input, value);
            }
        }
    }

    @Override
    public List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude) {
        return List.of();
    }

    @Override
    public List<PassthroughField> resolvePassthrough(List<PassthroughField> fields) {
        if (!fields.isEmpty()) {
            throw new FormatException(
                    "output.passthrough names "
                            + fields.stream().map(PassthroughField::name).toList()
                            + ", but with source.format raw a record is only the model's input and"
                            + " has no fields to copy: unset output.passthrough");
        }
        return fields;
    }

    /** Refuses any model but one with a single DT_STRING field, whatever the records hold. */
    @Override
    public void checkInputs(ReaderSpec spec, List<byte[]> samples) {
        List<FieldSpec> fields = spec.fields();
        if (fields.size() != 1) {
            List<String> names = new ArrayList<>();
            fields.forEach(f -> names.add(f.name() + " " + f.describeType()));
            throw new FormatException(
                    "source.format raw feeds the whole record value to one DT_STRING model input,"
                            + " but the model reads "
                            + fields.size()
                            + " fields "
                            + names
                            + ": use a signature with one string input or another source.format");
        }
        FieldSpec f = fields.get(0);
        if (f.dtype() != DType.STRING) {
            throw new FormatException(
                    "source.format raw feeds the whole record value to one DT_STRING model input,"
                            + " but model input '"
                            + f.name()
                            + "' expects "
                            + f.describeType()
                            + ": use a signature with a string input or another source.format");
        }
    }

    @Override
    public List<String> describeInputs(ReaderSpec spec) {
        List<String> out = new ArrayList<>();
        for (FieldSpec f : spec.fields()) {
            out.add(
                    "raw: the whole value as DT_STRING (for "
                            + f.name()
                            + " "
                            + f.describeType()
                            + ")");
        }
        return out;
    }

    /**
     * A value that is UTF-8 text as {@code {"value": text}}; any other (an image, say) as its
     * length, {@code {"bytes": n}}, which is all a person can read of it.
     */
    @Override
    public List<Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (byte[] v : values) {
            if (v == null) {
                continue;
            }
            try {
                String text =
                        StandardCharsets.UTF_8
                                .newDecoder()
                                .onMalformedInput(CodingErrorAction.REPORT)
                                .onUnmappableCharacter(CodingErrorAction.REPORT)
                                .decode(ByteBuffer.wrap(v))
                                .toString();
                out.add(Map.of("value", text));
            } catch (CharacterCodingException e) {
                out.add(Map.of("bytes", v.length));
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawFormat;
    }

    @Override
    public int hashCode() {
        return NAME.hashCode();
    }

    @Override
    public String toString() {
        return NAME;
    }
}
