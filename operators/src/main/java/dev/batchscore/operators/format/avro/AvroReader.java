package dev.batchscore.operators.format.avro;

import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import java.io.EOFException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Reads Avro record values for one task. One {@link Plan} per writer schema (one for {@code avro},
 * one per schema id seen for {@code avro-confluent}) holds the datum reader ({@link
 * DirectDatumReader} when the record is read as written, else the resolving {@link
 * PrimitiveArrayDatumReader}), the record it reuses and where each model field and passthrough
 * column is, so a record costs one decode into the reused record and one look-up per field.
 */
final class AvroReader implements RecordReader {
    private static final int HEADER = 5; // Confluent wire format: magic byte 0, schema id

    private final AvroFormat format;
    private final String[] inputNames;
    private final String[] inputPaths;
    private final DType[] inputTypes;
    private final List<PassthroughField> passthrough;
    private final Plan plan; // avro: the one plan
    private final Map<Integer, Plan> plans = new HashMap<>(); // avro-confluent: by schema id
    private BinaryDecoder decoder;

    AvroReader(AvroFormat format, ReaderSpec spec) {
        this.format = format;
        List<FieldSpec> fields = spec.fields();
        inputNames = new String[fields.size()];
        inputPaths = new String[fields.size()];
        inputTypes = new DType[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            inputNames[i] = fields.get(i).name();
            inputPaths[i] = spec.fieldFor(fields.get(i).name());
            inputTypes[i] = fields.get(i).dtype();
        }
        passthrough = spec.passthrough();
        plan = format.confluent() ? null : plan(format.schema(), format.schema(), null);
    }

    @Override
    public void read(byte[] value, Map<String, Object> input, Object[] passthroughValues)
            throws DecodeException {
        if (value == null || value.length == 0) {
            throw new DecodeException(
                    "record value is "
                            + (value == null ? "null" : "empty")
                            + ": expected "
                            + format.expected());
        }
        Plan p;
        int offset;
        if (format.confluent()) {
            if (value[0] != 0) {
                throw new DecodeException(
                        String.format(
                                "record value starts with byte 0x%02x, not the Confluent magic"
                                        + " byte 0: expected %s",
                                value[0] & 0xff, format.expected()));
            }
            if (value.length < HEADER) {
                throw new DecodeException(
                        "record value is "
                                + value.length
                                + " bytes, shorter than the Confluent wire format's 5-byte"
                                + " header: expected "
                                + format.expected());
            }
            int id =
                    ((value[1] & 0xff) << 24)
                            | ((value[2] & 0xff) << 16)
                            | ((value[3] & 0xff) << 8)
                            | (value[4] & 0xff);
            p = plans.get(id);
            if (p == null) {
                p = confluentPlan(id);
            }
            offset = HEADER;
        } else {
            p = plan;
            offset = 0;
        }
        if (p.problem != null) {
            throw new DecodeException(p.problem);
        }
        GenericRecord record = decode(p, value, offset);
        for (int i = 0; i < inputNames.length; i++) {
            int[] path = p.inputPositions[i];
            if (path == null) {
                continue; // missing: the model runtime says so
            }
            Object v = record;
            for (int pos : path) {
                v = v == null ? null : ((IndexedRecord) v).get(pos);
            }
            input.put(inputNames[i], input(v, inputTypes[i]));
        }
        for (int i = 0; i < p.passthroughPositions.length; i++) {
            int pos = p.passthroughPositions[i];
            Object v = pos < 0 ? null : record.get(pos);
            passthroughValues[i] = v == null ? null : p.passthroughConverters[i].convert(v);
        }
    }

    private GenericRecord decode(Plan p, byte[] value, int offset) throws DecodeException {
        int length = value.length - offset;
        decoder = DecoderFactory.get().binaryDecoder(value, offset, length, decoder);
        try {
            GenericRecord record;
            if (p.direct != null) {
                p.direct.maxElements(length);
                record = p.direct.read(p.reuse, decoder);
            } else {
                p.resolving.maxElements(length);
                record = p.resolving.read(p.reuse, decoder);
            }
            if (!decoder.isEnd()) {
                int left = decoder.inputStream().available();
                throw new DecodeException(
                        p.notBinary
                                + ": "
                                + left
                                + " bytes left after the record, which ends after "
                                + (length - left)
                                + " of "
                                + length
                                + " bytes (written with another schema?)");
            }
            p.reuse = record;
            return record;
        } catch (IOException | RuntimeException e) {
            p.reuse = null; // a half-read record is not reused
            throw new DecodeException(p.notBinary + ": " + reason(e, length));
        }
    }

    /** Why Avro could not read a value, in a few words. */
    static String reason(Exception e, int length) {
        String m = SchemaRegistry.oneLine(e.getMessage());
        if (e instanceof EOFException) {
            return "truncated: its "
                    + length
                    + " bytes end inside the record"
                    + (m.isEmpty() || m.equals("null") ? "" : " (" + m + ")");
        }
        if (m.startsWith("Malformed data. ")) {
            m = m.substring("Malformed data. ".length());
        }
        if (e instanceof ArrayIndexOutOfBoundsException || e instanceof IndexOutOfBoundsException) {
            return "corrupt: a union or enum index out of range (" + m + ")";
        }
        return "corrupt: " + (m.isEmpty() ? e.getClass().getSimpleName() : m);
    }

    private Plan confluentPlan(int id) {
        SchemaRegistry.Entry entry =
                SchemaRegistry.fetch(format.registryUrl(), id, format.userInfo());
        Plan p;
        if (entry.schema() == null) {
            p = new Plan(entry.problem());
        } else if (entry.schema().getType() != Schema.Type.RECORD) {
            p =
                    new Plan(
                            "schema id "
                                    + id
                                    + " is "
                                    + AvroTypes.describe(entry.schema())
                                    + ", not a record: only records can be scored");
        } else {
            Schema reader = format.schema() != null ? format.schema() : entry.schema();
            p = plan(entry.schema(), reader, id);
        }
        if (p.problem == null || plans.size() < 1000) {
            plans.put(id, p); // not every garbage id of a corrupt stream
        }
        return p;
    }

    /** The plan for values written with {@code writer}, read as {@code reader}. */
    private Plan plan(Schema writer, Schema reader, Integer id) {
        String idText = id == null ? "" : " (id " + id + ")";
        if (writer != reader) {
            SchemaCompatibility.SchemaPairCompatibility c =
                    SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
            if (c.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
                return new Plan(
                        "writer schema "
                                + writer.getFullName()
                                + idText
                                + " cannot be read as the reader schema "
                                + reader.getFullName()
                                + " (source.avro.schema): "
                                + SchemaRegistry.oneLine(c.getDescription()));
            }
        }
        int[][] inputs = new int[inputNames.length][];
        for (int i = 0; i < inputNames.length; i++) {
            inputs[i] = AvroTypes.positions(reader, inputPaths[i]);
        }
        int[] positions = new int[passthrough.size()];
        AvroTypes.Converter[] converters = new AvroTypes.Converter[passthrough.size()];
        for (int i = 0; i < positions.length; i++) {
            PassthroughField column = passthrough.get(i);
            Schema.Field f = reader.getField(column.name());
            positions[i] = f == null ? -1 : f.pos();
            if (f != null) {
                converters[i] = AvroTypes.converterFor(f.schema(), column.columnType());
                if (converters[i] == null) {
                    return new Plan(
                            "passthrough column '"
                                    + column.name()
                                    + "' is "
                                    + column.columnType()
                                    + " but field '"
                                    + f.name()
                                    + "' of schema "
                                    + reader.getFullName()
                                    + idText
                                    + " is "
                                    + AvroTypes.describe(f.schema())
                                    + ": set source.avro.schema to a reader schema that gives it"
                                    + " the column's type");
                }
            }
        }
        boolean same = writer == reader || writer.equals(reader);
        return new Plan(
                same ? new DirectDatumReader(reader) : null,
                same ? null : new PrimitiveArrayDatumReader(writer, reader),
                "record value is not Avro binary of schema " + writer.getFullName() + idText,
                inputs,
                positions,
                converters);
    }

    /** A model input as the runtime takes it; a primitive array of its own dtype if possible. */
    static Object input(Object v, DType dtype) {
        if (v == null || !v.getClass().isArray() || v instanceof byte[]) {
            return AvroTypes.toInput(v);
        }
        if (v instanceof double[] d && dtype == DType.FLOAT) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                if (!(Math.abs(d[i]) <= Float.MAX_VALUE)) {
                    return boxed(v); // the general path says why
                }
                f[i] = (float) d[i];
            }
            return f;
        }
        if (v instanceof float[] f && dtype == DType.DOUBLE) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
        boolean own =
                (v instanceof float[] && dtype == DType.FLOAT)
                        || (v instanceof double[] && dtype == DType.DOUBLE)
                        || (v instanceof int[] && dtype == DType.INT32)
                        || (v instanceof long[] && dtype == DType.INT64)
                        || (v instanceof boolean[] && dtype == DType.BOOL);
        return own ? v : boxed(v);
    }

    private static List<Object> boxed(Object array) {
        int n = java.lang.reflect.Array.getLength(array);
        List<Object> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(java.lang.reflect.Array.get(array, i));
        }
        return out;
    }

    /** How values of one writer schema are read; or why none of them can be. */
    private static final class Plan {
        final DirectDatumReader direct; // writer schema = reader schema
        final PrimitiveArrayDatumReader resolving; // else
        final String notBinary;
        final int[][] inputPositions;
        final int[] passthroughPositions;
        final AvroTypes.Converter[] passthroughConverters;
        final String problem;
        GenericRecord reuse;

        Plan(
                DirectDatumReader direct,
                PrimitiveArrayDatumReader resolving,
                String notBinary,
                int[][] inputPositions,
                int[] passthroughPositions,
                AvroTypes.Converter[] passthroughConverters) {
            this.direct = direct;
            this.resolving = resolving;
            this.notBinary = notBinary;
            this.inputPositions = inputPositions;
            this.passthroughPositions = passthroughPositions;
            this.passthroughConverters = passthroughConverters;
            this.problem = null;
        }

        Plan(String problem) {
            this.direct = null;
            this.resolving = null;
            this.notBinary = null;
            this.inputPositions = null;
            this.passthroughPositions = null;
            this.passthroughConverters = null;
            this.problem = problem;
        }
    }
}
