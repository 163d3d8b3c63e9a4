package dev.batchscore.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.ScoringSpec;
import dev.batchscore.pipeline.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks the record mapping against the signature on records sampled from the topic: a model input
 * whose JSON field holds the wrong kind of value in every sampled record (a string for a float
 * input, say) is a misconfiguration, not a stream of bad records, so the run is refused. A field
 * that is wrong in only some samples is left to the dead-letter table.
 */
final class InputTypeCheck {
    private InputTypeCheck() {}

    static void check(List<FieldSpec> fields, ScoringSpec spec, List<JsonNode> samples) {
        if (samples.isEmpty()) {
            return; // an empty topic: nothing to judge the mapping by
        }
        Map<String, String> mapping = spec.inputMapping();
        for (FieldSpec field : fields) {
            String json = spec.jsonFieldFor(field.name());
            String key = "model.input." + field.name();
            String setting =
                    mapping.containsKey(field.name())
                            ? key + " is '" + json + "'"
                            : "unmapped, it reads '" + json + "'";
            JsonNode example = null;
            boolean present = false;
            boolean fits = false;
            for (JsonNode sample : samples) {
                JsonNode value = sample.get(json);
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
                throw new ConfigException(
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
                throw new ConfigException(
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
}
