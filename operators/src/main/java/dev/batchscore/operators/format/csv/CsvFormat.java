package dev.batchscore.operators.format.csv;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * {@code source.format: csv}: every value is one CSV line (UTF-8, RFC 4180 quoting) whose fields
 * are the columns {@link CsvOptions#COLUMNS} names, in order. A model field reads the column of its
 * name (or its mapping): a number, boolean or text for a scalar field, values separated by spaces
 * or {@code ;} for a vector. Passthrough columns are STRING unless declared {@code
 * name:long|double|boolean}; an empty unquoted field is null.
 */
public final class CsvFormat implements RecordFormat {
    private static final long serialVersionUID = 1L;

    public static final String NAME = "csv";

    private final List<String> columns;
    private final char delimiter;

    /** Makes the CSV format from {@code source.csv.*}. */
    public static final class Factory implements RecordFormats.Factory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public List<ConfigOption<?>> options() {
            return List.of(CsvOptions.COLUMNS, CsvOptions.DELIMITER);
        }

        @Override
        public RecordFormat create(ReadableConfig options) {
            List<String> columns =
                    options.getOptional(CsvOptions.COLUMNS)
                            .orElseThrow(
                                    () ->
                                            new FormatException(
                                                    "source.format is csv but option '"
                                                            + CsvOptions.COLUMNS.key()
                                                            + "' is not set: list the CSV columns"
                                                            + " in order, e.g. "
                                                            + CsvOptions.COLUMNS.key()
                                                            + ": id,x,label"));
            // Flink writes a list option as a;b;c (or a YAML list); a,b,c is how people write
            // column lists, so both are split.
            List<String> names = new ArrayList<>();
            for (String c : columns) {
                names.addAll(List.of(c.split(",", -1)));
            }
            return new CsvFormat(names, delimiter(options.get(CsvOptions.DELIMITER)));
        }

        private static char delimiter(String text) {
            String d = text.equals("\\t") || text.equalsIgnoreCase("tab") ? "\t" : text;
            if (d.length() != 1 || d.charAt(0) > 0x7f || "\"\r\n".indexOf(d.charAt(0)) >= 0) {
                throw new FormatException(
                        "option '"
                                + CsvOptions.DELIMITER.key()
                                + "' is '"
                                + text
                                + "': expected one ASCII character other than a quote or a"
                                + " line break, e.g. ',', ';', '|' or \\t");
            }
            return d.charAt(0);
        }
    }

    public CsvFormat(List<String> columns, char delimiter) {
        List<String> trimmed = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String c : columns) {
            String t = c.trim();
            if (t.isEmpty() || !seen.add(t)) {
                throw new FormatException(
                        "option '"
                                + CsvOptions.COLUMNS.key()
                                + "' is '"
                                + String.join(",", columns)
                                + "': "
                                + (t.isEmpty()
                                        ? "a column name is empty"
                                        : "column '" + t + "' appears twice")
                                + "; name every column once");
            }
            trimmed.add(t);
        }
        if (trimmed.isEmpty()) {
            throw new FormatException(
                    "option '"
                            + CsvOptions.COLUMNS.key()
                            + "' is empty: list the CSV columns in order, e.g. id,x,label");
        }
        this.columns = List.copyOf(trimmed);
        this.delimiter = delimiter;
        new CsvParser(delimiter); // refuses a delimiter the parser cannot split on
    }

    public List<String> columns() {
        return columns;
    }

    public char delimiter() {
        return delimiter;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RecordReader reader(ReaderSpec spec) {
        return new CsvReader(this, spec);
    }

    /** Every column the model does not read, as STRING: CSV text carries no types. */
    @Override
    public List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude) {
        List<PassthroughField> out = new ArrayList<>();
        for (String c : columns) {
            if (!exclude.contains(c)) {
                out.add(new PassthroughField(c, PassthroughField.Type.STRING));
            }
        }
        return out;
    }

    @Override
    public List<PassthroughField> resolvePassthrough(List<PassthroughField> fields) {
        for (PassthroughField f : fields) {
            if (!columns.contains(f.name())) {
                throw new FormatException(
                        "passthrough column '"
                                + f.name()
                                + "' is not one of "
                                + CsvOptions.COLUMNS.key()
                                + " ("
                                + String.join(", ", columns)
                                + "): add it there or leave it out of output.passthrough");
            }
            if (f.type() == null) {
                throw new FormatException(
                        "passthrough column '"
                                + f.name()
                                + "' is "
                                + f.columnType()
                                + ", which a CSV column cannot fill (string, long, double,"
                                + " boolean): set output.passthrough to the columns to copy");
            }
        }
        return fields;
    }

    /**
     * A model field reading a column {@link CsvOptions#COLUMNS} does not name is refused without
     * looking at records; one whose column holds text that does not convert in every sampled line
     * that has it is refused too.
     */
    @Override
    public void checkInputs(ReaderSpec spec, List<byte[]> samples) {
        for (FieldSpec field : spec.fields()) {
            String column = spec.fieldFor(field.name());
            if (!columns.contains(column)) {
                String key = "model.input." + field.name();
                throw new FormatException(
                        "model input '"
                                + field.name()
                                + "' reads CSV column '"
                                + column
                                + "', which "
                                + CsvOptions.COLUMNS.key()
                                + " does not name ("
                                + String.join(", ", columns)
                                + "): set "
                                + key
                                + " to one of them or add the column");
            }
        }
        CsvReader reader =
                new CsvReader(this, new ReaderSpec(List.of(), Map.of(), List.of(), null));
        List<List<String>> lines = new ArrayList<>();
        for (byte[] v : samples) {
            try {
                lines.add(reader.fields(v));
            } catch (DecodeException e) {
                // bad lines are the errors table's business
            }
        }
        for (FieldSpec field : spec.fields()) {
            int c = columns.indexOf(spec.fieldFor(field.name()));
            String example = null;
            String wrong = null;
            boolean fits = false;
            for (List<String> line : lines) {
                String text = line.get(c);
                if (text == null) {
                    continue;
                }
                try {
                    CsvValues.forModel(text, field);
                    fits = true;
                    break;
                } catch (CsvValues.NotA e) {
                    if (example == null) {
                        example = text;
                        wrong = e.getMessage();
                    }
                }
            }
            if (example != null && !fits) {
                throw new FormatException(
                        "model input '"
                                + field.name()
                                + "' expects "
                                + field.describeType()
                                + " but in every one of the "
                                + lines.size()
                                + " lines sampled from the topic CSV column '"
                                + columns.get(c)
                                + "' is not "
                                + wrong
                                + ", e.g. \""
                                + CsvReader.shown(example)
                                + "\": set model.input."
                                + field.name()
                                + " to a column of that type");
            }
        }
    }

    @Override
    public List<String> describeInputs(ReaderSpec spec) {
        return spec.describe("CSV column", CsvValues::wanted);
    }

    @Override
    public List<Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        CsvReader reader =
                new CsvReader(this, new ReaderSpec(List.of(), Map.of(), List.of(), null));
        List<Map<String, Object>> out = new ArrayList<>();
        for (byte[] v : values) {
            try {
                List<String> line = reader.fields(v);
                Map<String, Object> map = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    map.put(columns.get(i), line.get(i));
                }
                out.add(map);
            } catch (DecodeException e) {
                // left out, as the contract says
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CsvFormat other
                && columns.equals(other.columns)
                && delimiter == other.delimiter;
    }

    @Override
    public int hashCode() {
        return Objects.hash(columns, delimiter);
    }

    @Override
    public String toString() {
        return NAME + "(columns " + String.join(",", columns) + ", delimiter '" + delimiter + "')";
    }
}
