package dev.batchscore.operators.format.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.StringData;

/** Reads JSON record values for one task: {@link JsonRecordDecoder}, then the spec's fields. */
final class JsonReader implements RecordReader {
    private final JsonRecordDecoder decoder = JsonRecordDecoder.get();
    private final String[] inputNames;
    private final String[] jsonFields;
    // Per input: its dtype when a JSON number array may become a primitive array (NumberArrays).
    private final DType[] arrayTypes;
    private final String[] passthroughNames;
    private final PassthroughField.Type[] passthroughTypes;

    JsonReader(ReaderSpec spec) {
        List<FieldSpec> fields = spec.fields();
        inputNames = new String[fields.size()];
        jsonFields = new String[fields.size()];
        arrayTypes = new DType[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            FieldSpec field = fields.get(i);
            inputNames[i] = field.name();
            jsonFields[i] = spec.fieldFor(field.name());
            arrayTypes[i] = NumberArrays.applies(field) ? field.dtype() : null;
        }
        List<PassthroughField> passthrough = spec.passthrough();
        passthroughNames = new String[passthrough.size()];
        passthroughTypes = new PassthroughField.Type[passthrough.size()];
        for (int i = 0; i < passthrough.size(); i++) {
            passthroughNames[i] = passthrough.get(i).name();
            passthroughTypes[i] = passthrough.get(i).type();
        }
    }

    @Override
    public void read(byte[] value, Map<String, Object> input, Object[] passthrough)
            throws DecodeException {
        ObjectNode json;
        try {
            json = decoder.decode(value);
        } catch (JsonRecordDecoder.DecodeException e) {
            throw new DecodeException(e.getMessage());
        }
        for (int i = 0; i < inputNames.length; i++) {
            JsonNode node = field(json, jsonFields[i]);
            // A present JSON null stays a null entry, so the error says "is null", not "is
            // missing": the two point at different producer bugs.
            if (node != null) {
                Object array =
                        arrayTypes[i] == null ? null : NumberArrays.toArray(node, arrayTypes[i]);
                input.put(inputNames[i], array != null ? array : JsonRecordDecoder.toJava(node));
            }
        }
        for (int i = 0; i < passthroughNames.length; i++) {
            passthrough[i] = passthrough(json.get(passthroughNames[i]), passthroughTypes[i]);
        }
    }

    /**
     * The field {@code path} names: a top-level field of that name, else the nested {@code a.b}.
     */
    static JsonNode field(ObjectNode json, String path) {
        JsonNode node = json.get(path);
        if (node != null || path.indexOf('.') < 0) {
            return node;
        }
        JsonNode at = json;
        for (String part : path.split("\\.", -1)) {
            at = at.isObject() ? at.get(part) : null;
            if (at == null) {
                return null;
            }
        }
        return at;
    }

    /**
     * The internal value of a passthrough column: a value whose JSON type does not match is stored
     * as its JSON text in a STRING column (so objects and arrays survive as text) and as null
     * otherwise; a missing field or a JSON null is null.
     */
    static Object passthrough(JsonNode node, PassthroughField.Type type) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        switch (type) {
            case STRING:
                return StringData.fromString(
                        node.isTextual() ? node.textValue() : JsonRecordDecoder.toJsonText(node));
            case LONG:
                return node.isIntegralNumber() && node.canConvertToLong() ? node.longValue() : null;
            case DOUBLE:
                return node.isNumber() ? node.doubleValue() : null;
            case BOOLEAN:
                return node.isBoolean() ? node.booleanValue() : null;
            default:
                throw new IllegalArgumentException("unknown passthrough type " + type);
        }
    }
}
