package dev.batchscore.operators.format.avro;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code source.format: avro} and {@code avro-confluent}.
 *
 * <p>{@code avro}: every value is Avro binary of one record schema, {@code source.avro.schema} (a
 * file or the JSON text), read when the job is planned; the format carries the schema's text to the
 * tasks.
 *
 * <p>{@code avro-confluent}: every value is in the Confluent wire format (byte 0, a 4-byte
 * big-endian schema id, Avro binary); each id's writer schema comes from the Schema Registry at
 * {@code source.avro-confluent.url} ({@link SchemaRegistry}, cached per TaskManager). An optional
 * {@code source.avro.schema} is the reader schema every record resolves to by Avro's rules; without
 * one, planning judges by the writer schema of the first sample that has one, and each record is
 * read as written.
 *
 * <p>A model field reads the record field of its name (or the mapped one; {@code a.b} is a nested
 * field); passthrough columns get the schema's types ({@link AvroTypes}).
 */
public final class AvroFormat implements RecordFormat {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(AvroFormat.class);

    public static final String NAME = "avro";
    public static final String CONFLUENT_NAME = "avro-confluent";

    private final String name;
    private final String schemaText; // avro: the schema; avro-confluent: the reader schema or null
    private final String registryUrl; // avro-confluent only
    private final String userInfo; // avro-confluent, optional: never shown
    private transient Schema schema;

    /** Makes {@code source.format: avro}. */
    public static final class Factory implements RecordFormats.Factory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public List<ConfigOption<?>> options() {
            return List.of(AvroOptions.SCHEMA);
        }

        @Override
        public RecordFormat create(ReadableConfig options) {
            String schema =
                    options.getOptional(AvroOptions.SCHEMA)
                            .orElseThrow(
                                    () ->
                                            new FormatException(
                                                    "source.format is avro but option '"
                                                            + AvroOptions.SCHEMA.key()
                                                            + "' is unset: set it to the"
                                                            + " records' Avro schema (a file or"
                                                            + " its JSON text)"));
            return avro(readSchema(schema));
        }
    }

    /** Makes {@code source.format: avro-confluent}. */
    public static final class ConfluentFactory implements RecordFormats.Factory {
        @Override
        public String name() {
            return CONFLUENT_NAME;
        }

        @Override
        public List<ConfigOption<?>> options() {
            return List.of(AvroOptions.CONFLUENT_URL, AvroOptions.CONFLUENT_USER_INFO);
        }

        @Override
        public RecordFormat create(ReadableConfig options) {
            String url =
                    options.getOptional(AvroOptions.CONFLUENT_URL)
                            .map(String::trim)
                            .filter(u -> !u.isEmpty())
                            .orElseThrow(
                                    () ->
                                            new FormatException(
                                                    "source.format is avro-confluent but option '"
                                                            + AvroOptions.CONFLUENT_URL.key()
                                                            + "' is unset: set it to the Schema"
                                                            + " Registry's URL, e.g."
                                                            + " https://registry:8081"));
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw new FormatException(
                        "option '"
                                + AvroOptions.CONFLUENT_URL.key()
                                + "' is '"
                                + SchemaRegistry.redacted(url)
                                + "': set it to the Schema Registry's http:// or https:// URL");
            }
            String reader =
                    options.getOptional(AvroOptions.SCHEMA)
                            .map(AvroFormat::readSchema)
                            .orElse(null);
            return confluent(
                    url, options.getOptional(AvroOptions.CONFLUENT_USER_INFO).orElse(null), reader);
        }
    }

    private AvroFormat(String name, String schemaText, String registryUrl, String userInfo) {
        this.name = name;
        this.schemaText = schemaText;
        this.registryUrl = registryUrl;
        this.userInfo = userInfo;
        if (schemaText != null) {
            Schema s = schema();
            if (s.getType() != Schema.Type.RECORD) {
                throw new FormatException(
                        "option '"
                                + AvroOptions.SCHEMA.key()
                                + "' is "
                                + AvroTypes.describe(s)
                                + ", not a record: set it to the schema of a record");
            }
        }
    }

    /** {@code avro} with the schema's JSON text. */
    public static AvroFormat avro(String schemaJson) {
        return new AvroFormat(NAME, Objects.requireNonNull(schemaJson, "schema"), null, null);
    }

    /**
     * {@code avro-confluent}.
     *
     * @param userInfo {@code user:password}, or null for the environment variable
     * @param readerSchemaJson the reader schema's JSON text, or null to read records as written
     */
    public static AvroFormat confluent(String url, String userInfo, String readerSchemaJson) {
        return new AvroFormat(
                CONFLUENT_NAME, readerSchemaJson, Objects.requireNonNull(url, "url"), userInfo);
    }

    /** The schema's text from {@code value}: inline JSON, or a file on any Flink filesystem. */
    static String readSchema(String value) {
        String v = value.trim();
        String text;
        if (v.startsWith("{") || v.startsWith("[") || v.startsWith("\"")) {
            text = v;
        } else {
            try {
                Path path = new Path(v);
                FileSystem fs = path.getFileSystem();
                try (InputStream in = fs.open(path)) {
                    text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException | RuntimeException e) {
                throw new FormatException(
                        "option '"
                                + AvroOptions.SCHEMA.key()
                                + "' is '"
                                + v
                                + "', which cannot be read ("
                                + SchemaRegistry.oneLine(String.valueOf(e.getMessage()))
                                + "): set it to an Avro schema file (any Flink filesystem URI) or"
                                + " the schema's JSON text",
                        e);
            }
        }
        try {
            new Schema.Parser().parse(text);
        } catch (RuntimeException e) {
            throw new FormatException(
                    "option '"
                            + AvroOptions.SCHEMA.key()
                            + "' is not an Avro schema ("
                            + SchemaRegistry.oneLine(e.getMessage())
                            + "): set it to an Avro schema file or the schema's JSON text",
                    e);
        }
        return text;
    }

    @Override
    public String name() {
        return name;
    }

    boolean confluent() {
        return registryUrl != null;
    }

    String registryUrl() {
        return registryUrl;
    }

    String userInfo() {
        return userInfo;
    }

    /** The schema ({@code avro}) or reader schema ({@code avro-confluent}), or null. */
    Schema schema() {
        if (schema == null && schemaText != null) {
            schema = new Schema.Parser().parse(schemaText);
        }
        return schema;
    }

    /** What a value must be, for messages. */
    String expected() {
        if (confluent()) {
            return "the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary)";
        }
        return "Avro binary of schema " + schema().getFullName();
    }

    @Override
    public RecordReader reader(ReaderSpec spec) {
        return new AvroReader(this, spec);
    }

    /**
     * The schema planning judges by: the (reader) schema, else the writer schema of the first
     * sample the registry has a record schema for; null when there is neither.
     */
    Schema planningSchema(List<byte[]> samples) {
        if (schema() != null || !confluent()) {
            return schema();
        }
        for (byte[] v : samples) {
            if (v != null && v.length >= 5 && v[0] == 0) {
                int id =
                        ((v[1] & 0xff) << 24)
                                | ((v[2] & 0xff) << 16)
                                | ((v[3] & 0xff) << 8)
                                | (v[4] & 0xff);
                SchemaRegistry.Entry e = SchemaRegistry.fetch(registryUrl, id, userInfo);
                if (e.schema() != null && e.schema().getType() == Schema.Type.RECORD) {
                    LOG.info(
                            "Planning by the writer schema {} (id {}) of the first sampled"
                                    + " record",
                            e.schema().getFullName(),
                            id);
                    return e.schema();
                }
            }
        }
        return null;
    }

    @Override
    public List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude) {
        Schema s = planningSchema(samples);
        List<PassthroughField> out = new ArrayList<>();
        if (s == null) {
            LOG.warn(
                    "No passthrough columns: no source.avro.schema and no sampled record with a"
                            + " schema in the registry at {}",
                    SchemaRegistry.redacted(registryUrl));
            return out;
        }
        for (Schema.Field f : s.getFields()) {
            if (!exclude.contains(f.name())) {
                out.add(new PassthroughField(f.name(), AvroTypes.columnType(f.schema())));
            }
        }
        LOG.info("Inferred passthrough fields from Avro schema {}: {}", s.getFullName(), out);
        return out;
    }

    /**
     * Each field with the schema's type for it. For {@code avro-confluent} without a reader schema
     * the fields are kept as given: each record's writer schema is matched against them when it is
     * read.
     */
    @Override
    public List<PassthroughField> resolvePassthrough(List<PassthroughField> fields) {
        Schema s = schema();
        if (s == null) {
            return fields;
        }
        List<PassthroughField> out = new ArrayList<>();
        for (PassthroughField f : fields) {
            Schema.Field field = s.getField(f.name());
            if (field == null) {
                throw new FormatException(
                        "output.passthrough field '"
                                + f.name()
                                + "' is not in the Avro schema "
                                + s.getFullName()
                                + " (fields: "
                                + fieldNames(s)
                                + "): set output.passthrough to fields of the schema");
            }
            out.add(new PassthroughField(f.name(), AvroTypes.columnType(field.schema())));
        }
        return out;
    }

    @Override
    public void checkInputs(ReaderSpec spec, List<byte[]> samples) {
        Schema s = planningSchema(samples);
        if (s == null) {
            return; // no schema to judge by
        }
        Map<String, String> mapping = spec.inputMapping();
        for (FieldSpec field : spec.fields()) {
            String path = spec.fieldFor(field.name());
            String key = "model.input." + field.name();
            Schema fs = AvroTypes.fieldSchema(s, path);
            if (fs == null) {
                String setting =
                        mapping.containsKey(field.name())
                                ? key + " is '" + path + "'"
                                : "model input '"
                                        + field.name()
                                        + "' is unmapped, it reads '"
                                        + path
                                        + "'";
                throw new FormatException(
                        setting
                                + ", but the Avro schema "
                                + s.getFullName()
                                + " has no such field (fields: "
                                + fieldNames(s)
                                + "): map "
                                + key
                                + " to one of them");
            }
            if (!AvroTypes.fits(fs, field.dtype())) {
                String setting =
                        mapping.containsKey(field.name())
                                ? key + " is '" + path + "'"
                                : "unmapped, it reads '" + path + "'";
                throw new FormatException(
                        "model input '"
                                + field.name()
                                + "' ("
                                + setting
                                + ") expects DT_"
                                + field.dtype()
                                + " but field '"
                                + path
                                + "' of the Avro schema "
                                + s.getFullName()
                                + " is "
                                + AvroTypes.describe(fs)
                                + ": set "
                                + key
                                + " to a field of type "
                                + AvroTypes.kindsFor(field.dtype()));
            }
        }
    }

    @Override
    public List<String> describeInputs(ReaderSpec spec) {
        return spec.describe(
                "Avro field",
                field -> {
                    String kinds = AvroTypes.kindsFor(field.dtype());
                    boolean scalar = field.rowShape().stream().allMatch(d -> d == 1L);
                    return field.rowShape().isEmpty()
                            ? kinds
                            : scalar ? kinds + " (or an array of them)" : "array of " + kinds;
                });
    }

    @Override
    public List<Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        List<Map<String, Object>> out = new ArrayList<>();
        DisplayReader reader = new DisplayReader(this);
        for (byte[] v : values) {
            Map<String, Object> record = reader.decode(v);
            if (record != null) {
                out.add(record);
            }
        }
        return out;
    }

    /** Decodes whole records as plain Java values, for {@link #decodeForDisplay}. */
    private static final class DisplayReader {
        private final AvroFormat format;
        private final Map<Integer, PrimitiveArrayDatumReader> readers = new HashMap<>();
        private final Map<Integer, Schema> schemas = new HashMap<>();

        DisplayReader(AvroFormat format) {
            this.format = format;
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> decode(byte[] v) {
            if (v == null || v.length == 0) {
                return null;
            }
            int id = -1;
            int offset = 0;
            if (format.confluent()) {
                if (v.length < 5 || v[0] != 0) {
                    return null;
                }
                id =
                        ((v[1] & 0xff) << 24)
                                | ((v[2] & 0xff) << 16)
                                | ((v[3] & 0xff) << 8)
                                | (v[4] & 0xff);
                offset = 5;
            }
            PrimitiveArrayDatumReader r = readers.get(id);
            if (r == null) {
                Schema writer = format.schema();
                if (format.confluent()) {
                    writer =
                            SchemaRegistry.fetch(format.registryUrl(), id, format.userInfo())
                                    .schema();
                    if (writer == null) {
                        return null;
                    }
                }
                Schema reader = format.schema() != null ? format.schema() : writer;
                r = new PrimitiveArrayDatumReader(writer, reader);
                readers.put(id, r);
                schemas.put(id, reader);
            }
            try {
                var decoder =
                        org.apache.avro.io.DecoderFactory.get()
                                .binaryDecoder(v, offset, v.length - offset, null);
                r.maxElements(v.length);
                Object record = r.read(null, decoder);
                if (!decoder.isEnd()) {
                    return null;
                }
                return (Map<String, Object>) AvroTypes.toJava(record, schemas.get(id));
            } catch (IOException | RuntimeException e) {
                return null; // bad records are the reader's business in the job
            }
        }
    }

    private static List<String> fieldNames(Schema s) {
        return s.getFields().stream().map(Schema.Field::name).toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AvroFormat other
                && name.equals(other.name)
                && Objects.equals(schema(), other.schema()) // the parsed schemas: text may differ
                && Objects.equals(registryUrl, other.registryUrl)
                && Objects.equals(userInfo, other.userInfo);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, schema(), registryUrl);
    }

    /** Names the schema and registry; never the user info. */
    @Override
    public String toString() {
        Schema s = schema();
        String schemaName = s == null ? null : s.getFullName();
        if (!confluent()) {
            return name + "(" + schemaName + ")";
        }
        return name
                + "("
                + SchemaRegistry.redacted(registryUrl)
                + (schemaName == null ? "" : ", reader schema " + schemaName)
                + (userInfo != null ? ", basic auth" : "")
                + ")";
    }
}
