package dev.batchscore.operators.format.tfexample;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.SerializedExample;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import java.util.List;
import java.util.Map;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Feature;

/**
 * Reads serialized {@code tf.Example} values for one task. When the model parses Examples itself
 * ({@link ReaderSpec#serializedExampleInput()}), the value goes to it as it is and is parsed only
 * when passthrough columns need it; otherwise the Example is parsed and its features go to the
 * model fields by name.
 */
final class TfExampleReader implements RecordReader {
    private final String serializedInput;
    private final FieldSpec[] fields;
    private final String[] features;
    private final String[] passthroughNames;
    private final PassthroughColumn[] passthroughColumns;

    TfExampleReader(ReaderSpec spec) {
        serializedInput = spec.serializedExampleInput();
        List<FieldSpec> f = spec.fields();
        fields = f.toArray(new FieldSpec[0]);
        features = new String[fields.length];
        for (int i = 0; i < fields.length; i++) {
            features[i] = spec.fieldFor(fields[i].name());
        }
        List<PassthroughField> p = spec.passthrough();
        passthroughNames = new String[p.size()];
        passthroughColumns = new PassthroughColumn[p.size()];
        for (int i = 0; i < p.size(); i++) {
            passthroughNames[i] = p.get(i).name();
            passthroughColumns[i] = PassthroughColumn.of(p.get(i).columnType());
            if (passthroughColumns[i] == null) {
                throw new IllegalArgumentException(
                        "passthrough column " + p.get(i) + " cannot be filled from a tf.Example");
            }
        }
    }

    @Override
    public void read(byte[] value, Map<String, Object> input, Object[] passthrough)
            throws DecodeException {
        if (value == null || value.length == 0) {
            throw new DecodeException(
                    "record value is "
                            + (value == null ? "null" : "empty")
                            + ", expected a serialized tf.Example: produce one Example per record");
        }
        if (serializedInput != null && passthroughNames.length == 0) {
            String problem = ExampleWire.problem(value);
            if (problem != null) {
                throw notAnExample(value, problem);
            }
            input.put(serializedInput, new SerializedExample(value));
            return;
        }
        Map<String, Feature> map = parse(value).getFeatures().getFeatureMap();
        if (serializedInput != null) {
            input.put(serializedInput, new SerializedExample(value));
        } else {
            for (int i = 0; i < fields.length; i++) {
                Feature feature = map.get(features[i]);
                if (feature != null) {
                    input.put(fields[i].name(), ExampleValues.forModel(feature, fields[i]));
                }
            }
        }
        for (int i = 0; i < passthroughNames.length; i++) {
            passthrough[i] = passthroughColumns[i].value(map.get(passthroughNames[i]));
        }
    }

    static Example parse(byte[] value) throws DecodeException {
        try {
            return Example.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw notAnExample(value, e.getMessage());
        }
    }

    private static DecodeException notAnExample(byte[] value, String why) {
        return new DecodeException(
                "record value ("
                        + value.length
                        + " bytes) is not a serialized tf.Example: "
                        + oneLine(why)
                        + "; produce tf.Example.SerializeToString() bytes");
    }

    static String oneLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        String t = s.replaceAll("\\s+", " ").trim();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }
}
