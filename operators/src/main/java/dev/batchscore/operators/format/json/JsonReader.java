package dev.batchscore.operators.format.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import dev.batchscore.operators.format.json.JsonFieldScanner.Found;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.data.StringData;

/**
 * Reads JSON record values for one task: plain records in one pass over their bytes ({@link
 * JsonFieldScanner}), the rest through {@link JsonRecordDecoder}'s tree, which decides values and
 * errors; the scanner takes only records it reads exactly as the tree path does.
 */
final class JsonReader implements RecordReader {
    private final JsonRecordDecoder decoder = JsonRecordDecoder.get();
    private final String[] inputNames;
    private final String[] jsonFields;
    // Per input: its dtype when a JSON number array may become a primitive array (NumberArrays).
    private final DType[] arrayTypes;
    private final String[] passthroughNames;
    private final PassthroughField.Type[] passthroughTypes;
    // The scanner's slot of each input and passthrough field; null when every record takes the
    // tree path.
    private final JsonFieldScanner scanner;
    private final int[] inputSlots;
    private final int[] passthroughSlots;

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
        inputSlots = new int[inputNames.length];
        passthroughSlots = new int[passthroughNames.length];
        boolean listInput = false;
        for (int i = 0; i < fields.size(); i++) {
            listInput |= !fields.get(i).rowShape().isEmpty() && arrayTypes[i] == null;
        }
        // An input that takes a list (an int vector, a matrix) would send nearly every record on
        // to the tree path after a wasted scan; a passthrough without a JSON type is an error the
        // tree path words.
        scanner = listInput || Arrays.asList(passthroughTypes).contains(null) ? null : newScanner();
    }

    /**
     * One slot per distinct top-level name; a number array goes to a buffer of its inputs' type.
     */
    private JsonFieldScanner newScanner() {
        List<String> names = new ArrayList<>();
        List<DType> types = new ArrayList<>();
        for (int i = 0; i < inputNames.length; i++) {
            int slot = names.indexOf(jsonFields[i]);
            if (slot < 0) {
                names.add(jsonFields[i]);
                types.add(arrayTypes[i]);
                slot = names.size() - 1;
            } else if (types.get(slot) != arrayTypes[i]) {
                types.set(slot, null); // inputs of one field disagree: the tree path converts
            }
            inputSlots[i] = slot;
        }
        for (int i = 0; i < passthroughNames.length; i++) {
            int slot = names.indexOf(passthroughNames[i]);
            if (slot < 0) {
                names.add(passthroughNames[i]);
                types.add(null);
                slot = names.size() - 1;
            }
            passthroughSlots[i] = slot;
        }
        return new JsonFieldScanner(names.toArray(new String[0]), types.toArray(new DType[0]));
    }

    @Override
    public void read(byte[] value, Map<String, Object> input, Object[] passthrough)
            throws DecodeException {
        if (!readScanned(value, input, passthrough)) {
            readTree(value, input, passthrough);
        }
    }

    /**
     * The scanner's way: false, with nothing written, when the record is left to {@link #readTree}.
     */
    boolean readScanned(byte[] value, Map<String, Object> input, Object[] passthrough) {
        if (scanner == null || !scanner.scan(value)) {
            return false;
        }
        // Decide before writing: a record left to the tree path must leave no trace.
        for (int i = 0; i < inputNames.length; i++) {
            int slot = inputSlots[i];
            switch (scanner.found(slot)) {
                case MISSING:
                    if (jsonFields[i].indexOf('.') >= 0) {
                        return false; // maybe a nested field
                    }
                    break;
                case OTHER:
                    return false; // lists and maps: the tree path builds them
                case ARRAY:
                    if (arrayTypes[i] != scanner.arrayType(slot)) {
                        return false;
                    }
                    break;
                default:
                    break;
            }
        }
        for (int i = 0; i < passthroughNames.length; i++) {
            Found found = scanner.found(passthroughSlots[i]);
            if (passthroughTypes[i] == PassthroughField.Type.STRING
                    && (found == Found.DOUBLE || found == Found.ARRAY || found == Found.OTHER)) {
                return false; // their JSON text is the tree writer's
            }
        }
        for (int i = 0; i < inputNames.length; i++) {
            int slot = inputSlots[i];
            Found found = scanner.found(slot);
            if (found != Found.MISSING) {
                input.put(
                        inputNames[i],
                        found == Found.ARRAY ? scanner.copyArray(slot) : scalar(found, slot));
            }
        }
        for (int i = 0; i < passthroughNames.length; i++) {
            passthrough[i] = scannedPassthrough(passthroughSlots[i], passthroughTypes[i]);
        }
        return true;
    }

    /** A scanned scalar as {@link JsonRecordDecoder#toJava} gives it. */
    private Object scalar(Found found, int slot) {
        switch (found) {
            case NULL:
                return null;
            case INT:
                return (int) scanner.longValue(slot);
            case LONG:
                return scanner.longValue(slot);
            case DOUBLE:
                return scanner.doubleValue(slot);
            case TRUE:
                return Boolean.TRUE;
            case FALSE:
                return Boolean.FALSE;
            case STRING:
                return scanner.string(slot);
            default:
                throw new IllegalStateException("not a scalar: " + found);
        }
    }

    /** A scanned passthrough value as {@link #passthrough} gives it (not a DOUBLE as STRING). */
    private Object scannedPassthrough(int slot, PassthroughField.Type type) {
        Found found = scanner.found(slot);
        boolean integral = found == Found.INT || found == Found.LONG;
        boolean bool = found == Found.TRUE || found == Found.FALSE;
        switch (type) {
            case STRING:
                if (found == Found.STRING) {
                    return StringData.fromString(scanner.string(slot));
                }
                if (integral) {
                    return StringData.fromString(Long.toString(scanner.longValue(slot)));
                }
                return bool ? StringData.fromString(Boolean.toString(found == Found.TRUE)) : null;
            case LONG:
                return integral ? (Object) scanner.longValue(slot) : null;
            case DOUBLE:
                if (integral) {
                    return (double) scanner.longValue(slot);
                }
                return found == Found.DOUBLE ? (Object) scanner.doubleValue(slot) : null;
            case BOOLEAN:
                return bool ? (Object) (found == Found.TRUE) : null;
            default:
                throw new IllegalArgumentException("unknown passthrough type " + type);
        }
    }

    /** The tree way, which reads every record and says what is wrong with a bad one. */
    void readTree(byte[] value, Map<String, Object> input, Object[] passthrough)
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
