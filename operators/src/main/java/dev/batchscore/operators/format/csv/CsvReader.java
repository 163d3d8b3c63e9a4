package dev.batchscore.operators.format.csv;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import java.util.List;
import java.util.Map;

/** Reads CSV lines for one task: {@link CsvParser}, then the columns the spec names. */
final class CsvReader implements RecordReader {
    private final CsvParser parser;
    private final List<String> columns;
    private final FieldSpec[] fields;
    private final int[] fieldColumns;
    private final int[] passthroughColumns;
    private final PassthroughField.Type[] passthroughTypes;

    CsvReader(CsvFormat format, ReaderSpec spec) {
        parser = new CsvParser(format.delimiter());
        columns = format.columns();
        fields = spec.fields().toArray(new FieldSpec[0]);
        fieldColumns = new int[fields.length];
        for (int i = 0; i < fields.length; i++) {
            // -1: no such column; checkInputs refuses that at planning, and the model runtime
            // reports the field missing should a reader be made anyway.
            fieldColumns[i] = columns.indexOf(spec.fieldFor(fields[i].name()));
        }
        List<PassthroughField> p = spec.passthrough();
        passthroughColumns = new int[p.size()];
        passthroughTypes = new PassthroughField.Type[p.size()];
        for (int i = 0; i < p.size(); i++) {
            passthroughColumns[i] = columns.indexOf(p.get(i).name());
            passthroughTypes[i] = p.get(i).type();
            if (passthroughTypes[i] == null) {
                throw new IllegalArgumentException(
                        "passthrough column " + p.get(i) + " cannot be filled from CSV");
            }
        }
    }

    @Override
    public void read(byte[] value, Map<String, Object> input, Object[] passthrough)
            throws DecodeException {
        List<String> line = fields(value);
        for (int i = 0; i < fields.length; i++) {
            int c = fieldColumns[i];
            if (c < 0) {
                continue;
            }
            String text = line.get(c);
            if (text == null) {
                input.put(fields[i].name(), null); // an empty field: "is null" in the message
                continue;
            }
            try {
                input.put(fields[i].name(), CsvValues.forModel(text, fields[i]));
            } catch (CsvValues.NotA e) {
                throw new DecodeException(
                        "CSV column '"
                                + columns.get(c)
                                + "' is \""
                                + shown(text)
                                + "\", not "
                                + e.getMessage()
                                + " as model input '"
                                + fields[i].name()
                                + "' ("
                                + fields[i].describeType()
                                + ") needs");
            }
        }
        for (int i = 0; i < passthroughColumns.length; i++) {
            int c = passthroughColumns[i];
            passthrough[i] = c < 0 ? null : CsvValues.passthrough(line.get(c), passthroughTypes[i]);
        }
    }

    /** The line's fields, exactly as many as there are columns. */
    List<String> fields(byte[] value) throws DecodeException {
        if (value == null) {
            throw new DecodeException(
                    "record value is null, expected a CSV line: produce one line per record");
        }
        List<String> line = parser.parse(value);
        if (line.size() != columns.size()) {
            throw new DecodeException(
                    "CSV line has "
                            + line.size()
                            + (line.size() == 1 ? " field" : " fields")
                            + ", expected "
                            + columns.size()
                            + " (columns "
                            + String.join(", ", columns)
                            + "): fix the producer or source.csv.columns");
        }
        return line;
    }

    static String shown(String text) {
        String t = text.replace("\n", "\\n").replace("\r", "\\r");
        return t.length() > 40 ? t.substring(0, 40) + "..." : t;
    }
}
