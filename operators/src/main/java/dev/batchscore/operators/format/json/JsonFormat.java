package dev.batchscore.operators.format.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code source.format: json}, the default: every value is one JSON object ({@link
 * JsonRecordDecoder}). A model field reads the top-level field of its name (or {@code a.b}, a
 * nested one); passthrough columns are string, long, double or boolean, inferred from sampled
 * records when not declared: LONG when every sample holds an integral number, DOUBLE for numbers,
 * BOOLEAN for booleans and STRING otherwise (objects and arrays as their JSON text).
 */
public final class JsonFormat implements RecordFormat {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(JsonFormat.class);

    public static final String NAME = "json";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RecordReader reader(ReaderSpec spec) {
        return new JsonReader(spec);
    }

    @Override
    public List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude) {
        Map<String, PassthroughField.Type> types = new LinkedHashMap<>();
        List<ObjectNode> records = decoded(samples);
        for (ObjectNode node : records) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (exclude.contains(f.getKey())) {
                    continue;
                }
                PassthroughField.Type seen = typeOf(f.getValue());
                String name = f.getKey();
                if (!types.containsKey(name)) {
                    types.put(name, seen); // null: only JSON nulls seen so far
                } else if (seen != null) {
                    PassthroughField.Type before = types.get(name);
                    types.put(name, before == null ? seen : merge(before, seen));
                }
            }
        }
        List<PassthroughField> out = new ArrayList<>();
        types.forEach(
                (name, type) ->
                        out.add(
                                new PassthroughField(
                                        name, type == null ? PassthroughField.Type.STRING : type)));
        LOG.info("Inferred passthrough fields from {} sampled records: {}", records.size(), out);
        return out;
    }

    static PassthroughField.Type typeOf(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isIntegralNumber()) {
            return PassthroughField.Type.LONG;
        }
        if (value.isNumber()) {
            return PassthroughField.Type.DOUBLE;
        }
        if (value.isBoolean()) {
            return PassthroughField.Type.BOOLEAN;
        }
        return PassthroughField.Type.STRING;
    }

    static PassthroughField.Type merge(PassthroughField.Type a, PassthroughField.Type b) {
        if (a == b) {
            return a;
        }
        if ((a == PassthroughField.Type.LONG && b == PassthroughField.Type.DOUBLE)
                || (a == PassthroughField.Type.DOUBLE && b == PassthroughField.Type.LONG)) {
            return PassthroughField.Type.DOUBLE;
        }
        return PassthroughField.Type.STRING;
    }

    @Override
    public List<PassthroughField> resolvePassthrough(List<PassthroughField> fields) {
        for (PassthroughField f : fields) {
            if (f.type() == null) {
                throw new FormatException(
                        "passthrough column '"
                                + f.name()
                                + "' is "
                                + f.columnType()
                                + ", which a JSON passthrough field cannot be (string, long,"
                                + " double, boolean): set output.passthrough to the fields to"
                                + " copy");
            }
        }
        return fields;
    }

    /**
     * A model input whose JSON field holds the wrong kind of value in every sampled record (a
     * string for a float input, say) is a misconfiguration, not a stream of bad records, so the run
     * is refused. A field that is wrong in only some samples is left to the errors table.
     */
    @Override
    public void checkInputs(ReaderSpec spec, List<byte[]> values) {
        List<ObjectNode> samples = decoded(values);
        if (samples.isEmpty()) {
            return; // an empty topic: nothing to judge the mapping by
        }
        Map<String, String> mapping = spec.inputMapping();
        for (FieldSpec field : spec.fields()) {
            String json = spec.fieldFor(field.name());
            String key = "model.input." + field.name();
            String setting =
                    mapping.containsKey(field.name())
                            ? key + " is '" + json + "'"
                            : "unmapped, it reads '" + json + "'";
            JsonNode example = null;
            boolean present = false;
            boolean fits = false;
            for (ObjectNode sample : samples) {
                JsonNode value = JsonReader.field(sample, json);
                if (value == null || value.isNull()) {
                    continue;
                }
                present = true;
                if (fits(value, field.dtype())) {
                    fits = true;
                    break;
                }
                example = example == null ? value : example;
            }
            if (!present && mapping.containsKey(field.name())) {
                Set<String> seen = new TreeSet<>();
                samples.forEach(s -> s.fieldNames().forEachRemaining(seen::add));
                throw new FormatException(
                        key
                                + " is '"
                                + json
                                + "', but none of the "
                                + samples.size()
                                + " records sampled from the topic has that field (fields seen: "
                                + seen
                                + "): map "
                                + key
                                + " to one of them");
            }
            if (present && !fits) {
                throw new FormatException(
                        "model input '"
                                + field.name()
                                + "' ("
                                + setting
                                + ") expects DT_"
                                + field.dtype()
                                + " but every one of the "
                                + samples.size()
                                + " records sampled from the topic holds "
                                + kind(example)
                                + " there, e.g. "
                                + shown(example)
                                + ": set "
                                + key
                                + " to a field of that type");
            }
        }
    }

    @Override
    public List<String> describeInputs(ReaderSpec spec) {
        return spec.describe("JSON field", JsonFormat::jsonKind);
    }

    @Override
    public List<Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ObjectNode node : decoded(values)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = (Map<String, Object>) JsonRecordDecoder.toJava(node);
            out.add(map);
        }
        return out;
    }

    private static String jsonKind(FieldSpec field) {
        String leaf =
                switch (field.dtype()) {
                    case FLOAT, DOUBLE, INT32, INT64 -> "number";
                    case BOOL -> "boolean";
                    default -> "string";
                };
        return field.rowShape().isEmpty()
                ? "a " + leaf
                : "an array of " + leaf + "s, shape " + field.rowShape();
    }

    /** The values that decode as JSON objects, as the job decodes them (bad ones are left out). */
    static List<ObjectNode> decoded(List<byte[]> values) {
        List<ObjectNode> out = new ArrayList<>();
        for (byte[] v : values) {
            try {
                out.add(JsonRecordDecoder.get().decode(v));
            } catch (JsonRecordDecoder.DecodeException e) {
                // bad records are the decoder's business in the job, not the planner's
            }
        }
        return out;
    }

    /** Whether a JSON value (or every leaf of a JSON array) can feed {@code dtype}. */
    static boolean fits(JsonNode value, DType dtype) {
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (!element.isNull() && !fits(element, dtype)) {
                    return false;
                }
            }
            return true;
        }
        return switch (dtype) {
            case FLOAT, DOUBLE, INT32, INT64 -> value.isNumber();
            case BOOL -> value.isBoolean();
            case STRING -> value.isTextual();
            default -> true; // the signature check refuses unsupported dtypes before this
        };
    }

    private static String kind(JsonNode value) {
        if (value.isTextual()) {
            return "a string";
        }
        if (value.isNumber()) {
            return "a number";
        }
        if (value.isBoolean()) {
            return "a boolean";
        }
        if (value.isObject()) {
            return "an object";
        }
        return value.isArray()
                ? "a list of another type"
                : value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }

    private static String shown(JsonNode value) {
        String text = value.toString();
        return text.length() > 40 ? text.substring(0, 40) + "..." : text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof JsonFormat;
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
