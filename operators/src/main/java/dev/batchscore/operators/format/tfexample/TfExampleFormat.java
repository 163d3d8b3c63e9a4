package dev.batchscore.operators.format.tfexample;

import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;

/**
 * {@code source.format: tf-example}: every value is a serialized {@code tf.Example}. A model whose
 * signature parses Examples itself (TF1 classify/regress, TFX serving signatures) gets the value as
 * it is; any other model gets the features by name: {@code float_list} as floats, {@code
 * int64_list} as longs, {@code bytes_list} as strings (bytes for a DT_STRING input).
 *
 * <p>Passthrough columns are the features the model does not read: {@code bytes_list} as STRING,
 * {@code int64_list} as BIGINT, {@code float_list} as FLOAT, an ARRAY of those when some sampled
 * record holds more than one value. It has no options.
 */
public final class TfExampleFormat implements RecordFormat {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(TfExampleFormat.class);

    public static final String NAME = "tf-example";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public RecordReader reader(ReaderSpec spec) {
        return new TfExampleReader(spec);
    }

    /**
     * The features of the sampled Examples, by name (protobuf does not keep a map's order, so the
     * columns are sorted to be the same on every run).
     */
    @Override
    public List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude) {
        Map<String, Feature.KindCase> kinds = new TreeMap<>();
        Set<String> many = new TreeSet<>();
        List<Example> examples = decoded(samples);
        for (Example example : examples) {
            example.getFeatures()
                    .getFeatureMap()
                    .forEach(
                            (name, feature) -> {
                                if (exclude.contains(name)) {
                                    return;
                                }
                                Feature.KindCase seen = feature.getKindCase();
                                Feature.KindCase before = kinds.get(name);
                                if (before == null || before == Feature.KindCase.KIND_NOT_SET) {
                                    kinds.put(name, seen);
                                } else if (seen != Feature.KindCase.KIND_NOT_SET
                                        && seen != before) {
                                    // int64 and float in one feature: neither column takes the
                                    // other losslessly; text does.
                                    kinds.put(name, Feature.KindCase.BYTES_LIST);
                                }
                                if (ExampleValues.size(feature) > 1) {
                                    many.add(name);
                                }
                            });
        }
        List<PassthroughField> out = new ArrayList<>();
        kinds.forEach(
                (name, kind) ->
                        out.add(
                                new PassthroughField(
                                        name,
                                        PassthroughColumn.inferred(kind, many.contains(name)))));
        LOG.info(
                "Inferred passthrough fields from {} sampled tf.Examples: {}",
                examples.size(),
                out);
        return out;
    }

    @Override
    public List<PassthroughField> resolvePassthrough(List<PassthroughField> fields) {
        for (PassthroughField f : fields) {
            if (PassthroughColumn.of(f.columnType()) == null) {
                throw new FormatException(
                        "passthrough column '"
                                + f.name()
                                + "' is "
                                + f.columnType()
                                + ", which a tf.Example feature cannot fill (STRING, BIGINT,"
                                + " FLOAT, DOUBLE, BOOLEAN or an ARRAY of one): set"
                                + " output.passthrough to the features to copy");
            }
        }
        return fields;
    }

    /**
     * A mapped feature that no sampled Example has, or a feature whose list cannot feed the model
     * field's dtype in every sample that has it, is a misconfiguration and refuses the run. When
     * the model parses the Examples itself, features cannot be renamed and ParseExample takes only
     * the exact list kind.
     */
    @Override
    public void checkInputs(ReaderSpec spec, List<byte[]> values) {
        boolean strict = spec.serializedExampleInput() != null;
        Map<String, String> mapping = spec.inputMapping();
        if (strict) {
            for (Map.Entry<String, String> m : mapping.entrySet()) {
                if (!m.getKey().equals(m.getValue())) {
                    throw new FormatException(
                            "model.input."
                                    + m.getKey()
                                    + " is '"
                                    + m.getValue()
                                    + "', but the model parses the serialized tf.Example itself"
                                    + " (input '"
                                    + spec.serializedExampleInput()
                                    + "'), so its features cannot be renamed: unset"
                                    + " model.input."
                                    + m.getKey()
                                    + " or name the feature '"
                                    + m.getKey()
                                    + "' in the producer");
                }
            }
        }
        List<Example> samples = decoded(values);
        if (samples.isEmpty()) {
            return; // an empty topic: nothing to judge the mapping by
        }
        for (FieldSpec field : spec.fields()) {
            String name = spec.fieldFor(field.name());
            String key = "model.input." + field.name();
            Feature example = null;
            boolean present = false;
            boolean fits = false;
            for (Example sample : samples) {
                Feature f = sample.getFeatures().getFeatureMap().get(name);
                if (f == null || f.getKindCase() == Feature.KindCase.KIND_NOT_SET) {
                    continue;
                }
                present = true;
                if (ExampleValues.fits(f, field.dtype(), strict)) {
                    fits = true;
                    break;
                }
                example = example == null ? f : example;
            }
            if (!present && mapping.containsKey(field.name())) {
                Set<String> seen = new TreeSet<>();
                samples.forEach(s -> seen.addAll(s.getFeatures().getFeatureMap().keySet()));
                throw new FormatException(
                        key
                                + " is '"
                                + name
                                + "', but none of the "
                                + samples.size()
                                + " tf.Examples sampled from the topic has that feature (features"
                                + " seen: "
                                + seen
                                + "): map "
                                + key
                                + " to one of them");
            }
            if (present && !fits) {
                throw new FormatException(
                        "model input '"
                                + field.name()
                                + "' expects "
                                + field.describeType()
                                + " but every one of the "
                                + samples.size()
                                + " tf.Examples sampled from the topic holds a "
                                + ExampleValues.kind(example)
                                + " in feature '"
                                + name
                                + "', which cannot feed it (it needs a "
                                + ExampleValues.wanted(field.dtype(), strict)
                                + "): "
                                + (strict
                                        ? "write the feature as a "
                                                + ExampleValues.wanted(field.dtype(), true)
                                        : "set " + key + " to a feature of that type"));
            }
        }
    }

    @Override
    public List<String> describeInputs(ReaderSpec spec) {
        boolean strict = spec.serializedExampleInput() != null;
        List<String> out = new ArrayList<>();
        for (FieldSpec field : spec.fields()) {
            out.add(
                    "tf.Example feature '"
                            + spec.fieldFor(field.name())
                            + "': "
                            + ExampleValues.wanted(field.dtype(), strict)
                            + " (for "
                            + field.describeType()
                            + (strict
                                    ? "; the model parses the Example given to input '"
                                            + spec.serializedExampleInput()
                                            + "'"
                                    : "")
                            + ")");
        }
        return out;
    }

    @Override
    public List<Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Example example : decoded(values)) {
            Map<String, Object> map = new LinkedHashMap<>();
            new TreeMap<>(example.getFeatures().getFeatureMap())
                    .forEach((name, f) -> map.put(name, ExampleValues.forDisplay(f)));
            out.add(map);
        }
        return out;
    }

    /** The values that parse as Examples (bad ones are the job's errors, not the planner's). */
    static List<Example> decoded(List<byte[]> values) {
        List<Example> out = new ArrayList<>();
        for (byte[] v : values) {
            if (v == null || v.length == 0) {
                continue;
            }
            try {
                out.add(TfExampleReader.parse(v));
            } catch (DecodeException e) {
                // left to the errors table
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TfExampleFormat;
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
