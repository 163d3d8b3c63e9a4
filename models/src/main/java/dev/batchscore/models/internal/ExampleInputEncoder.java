package dev.batchscore.models.internal;

import com.google.protobuf.ByteString;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.models.SerializedExample;
import dev.batchscore.models.TensorSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Tensor;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.BytesList;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.Example;
import org.tensorflow.proto.Features;
import org.tensorflow.proto.FloatList;
import org.tensorflow.proto.FunctionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.Int64List;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.TensorProto;
import org.tensorflow.proto.TensorShapeProto;

/**
 * A DT_STRING input the graph parses as serialized {@code tf.Example}s (TF1 classify and regress
 * signatures, TFX models): each record becomes one Example built from the fields named by the
 * features the graph's ParseExample node reads.
 */
final class ExampleInputEncoder implements InputEncoder {

    /** One feature the ParseExample node reads. */
    record Feature(String key, DType dtype, List<Long> shape, boolean required) {}

    private final TensorSpec input;
    private final List<Feature> features;
    private final List<FieldSpec> fields;
    private final boolean allowNonFinite;

    private ExampleInputEncoder(TensorSpec input, List<Feature> features, boolean allowNonFinite) {
        this.input = input;
        this.allowNonFinite = allowNonFinite;
        this.features = features;
        List<FieldSpec> f = new ArrayList<>();
        for (Feature feature : features) {
            f.add(new FieldSpec(feature.key(), feature.dtype(), feature.shape()));
        }
        this.fields = List.copyOf(f);
    }

    /**
     * An encoder when the graph feeds this string input into ParseExample or ParseExampleV2,
     * directly, through Identity ops, or inside the functions a TF2 export calls.
     */
    static Optional<ExampleInputEncoder> detect(TensorSpec input, GraphDef graph) {
        return detect(input, graph, false);
    }

    /**
     * As {@link #detect(TensorSpec, GraphDef)}; {@code allowNonFinite} lets NaN/Infinity through.
     */
    static Optional<ExampleInputEncoder> detect(
            TensorSpec input, GraphDef graph, boolean allowNonFinite) {
        if (input.dtype() != DType.STRING || input.tensorName().isEmpty()) {
            return Optional.empty();
        }
        Map<String, FunctionDef> library = new HashMap<>();
        for (FunctionDef f : graph.getLibrary().getFunctionList()) {
            library.put(f.getSignature().getName(), f);
        }
        List<Feature> features =
                find(graph.getNodeList(), nodeName(input.tensorName()), library, 0);
        return features == null || features.isEmpty()
                ? Optional.empty()
                : Optional.of(new ExampleInputEncoder(input, features, allowNonFinite));
    }

    private static final int MAX_DEPTH = 8;

    /**
     * The features parsed from {@code target} (a node, or a function argument) within {@code
     * nodes}.
     */
    private static List<Feature> find(
            List<NodeDef> nodes, String target, Map<String, FunctionDef> library, int depth) {
        if (depth > MAX_DEPTH) {
            return null;
        }
        Map<String, NodeDef> byName = new HashMap<>();
        for (NodeDef n : nodes) {
            byName.put(n.getName(), n);
        }
        for (NodeDef n : nodes) {
            List<String> inputs = dataInputs(n);
            for (int k = 0; k < inputs.size(); k++) {
                if (!nodeName(inputs.get(k)).equals(target)) {
                    continue;
                }
                List<Feature> found = null;
                switch (n.getOp()) {
                    case "ParseExample":
                        found = k == 0 ? parseV1(n, byName) : null;
                        break;
                    case "ParseExampleV2":
                        found = k == 0 ? parseV2(n, byName) : null;
                        break;
                    case "Identity":
                        found = find(nodes, n.getName(), library, depth + 1);
                        break;
                    case "StatefulPartitionedCall":
                    case "PartitionedCall":
                        FunctionDef f =
                                n.containsAttr("f")
                                        ? library.get(n.getAttrOrThrow("f").getFunc().getName())
                                        : null;
                        if (f != null && k < f.getSignature().getInputArgCount()) {
                            found =
                                    find(
                                            f.getNodeDefList(),
                                            f.getSignature().getInputArg(k).getName(),
                                            library,
                                            depth + 1);
                        }
                        break;
                    default:
                        break;
                }
                if (found != null && !found.isEmpty()) {
                    return found;
                }
            }
        }
        return null;
    }

    /**
     * The node a tensor reference names: {@code x:0} in a graph, {@code x:output:0} inside a
     * function; node names never contain a colon.
     */
    private static String nodeName(String ref) {
        String r = ref.startsWith("^") ? ref.substring(1) : ref;
        int colon = r.indexOf(':');
        return colon < 0 ? r : r.substring(0, colon);
    }

    private static List<Feature> parseV1(NodeDef n, Map<String, NodeDef> nodes) {
        int nSparse = (int) n.getAttrOrDefault("Nsparse", AttrValue.getDefaultInstance()).getI();
        int nDense = (int) n.getAttrOrDefault("Ndense", AttrValue.getDefaultInstance()).getI();
        List<String> inputs = dataInputs(n);
        if (inputs.size() < 2 + nSparse + 2 * nDense) {
            return null;
        }
        List<Feature> out = new ArrayList<>();
        List<DataType> denseTypes = n.getAttrOrThrow("Tdense").getList().getTypeList();
        List<TensorShapeProto> denseShapes =
                n.getAttrOrThrow("dense_shapes").getList().getShapeList();
        for (int i = 0; i < nDense; i++) {
            List<String> key = constStrings(inputs.get(2 + nSparse + i), nodes);
            if (key == null || key.size() != 1) {
                return null;
            }
            boolean required = isEmptyConst(inputs.get(2 + nSparse + nDense + i), nodes);
            out.add(
                    new Feature(
                            key.get(0),
                            TfTypes.dtype(denseTypes.get(i)),
                            TfTypes.shape(denseShapes.get(i)),
                            required));
        }
        List<DataType> sparseTypes = n.getAttrOrThrow("sparse_types").getList().getTypeList();
        for (int i = 0; i < nSparse; i++) {
            List<String> key = constStrings(inputs.get(2 + i), nodes);
            if (key == null || key.size() != 1) {
                return null;
            }
            out.add(
                    new Feature(
                            key.get(0), TfTypes.dtype(sparseTypes.get(i)), List.of(-1L), false));
        }
        return out;
    }

    private static List<Feature> parseV2(NodeDef n, Map<String, NodeDef> nodes) {
        List<String> inputs = dataInputs(n);
        if (inputs.size() < 5) {
            return null;
        }
        List<String> sparseKeys = constStrings(inputs.get(2), nodes);
        List<String> denseKeys = constStrings(inputs.get(3), nodes);
        List<String> raggedKeys = constStrings(inputs.get(4), nodes);
        if (sparseKeys == null
                || denseKeys == null
                || raggedKeys == null
                || inputs.size() < 5 + denseKeys.size()) {
            return null;
        }
        List<DataType> denseTypes = n.getAttrOrThrow("Tdense").getList().getTypeList();
        List<TensorShapeProto> denseShapes =
                n.getAttrOrThrow("dense_shapes").getList().getShapeList();
        List<Feature> out = new ArrayList<>();
        for (int i = 0; i < denseKeys.size(); i++) {
            boolean required = isEmptyConst(inputs.get(5 + i), nodes);
            out.add(
                    new Feature(
                            denseKeys.get(i),
                            TfTypes.dtype(denseTypes.get(i)),
                            TfTypes.shape(denseShapes.get(i)),
                            required));
        }
        List<DataType> sparseTypes = n.getAttrOrThrow("sparse_types").getList().getTypeList();
        for (int i = 0; i < sparseKeys.size(); i++) {
            out.add(
                    new Feature(
                            sparseKeys.get(i),
                            TfTypes.dtype(sparseTypes.get(i)),
                            List.of(-1L),
                            false));
        }
        List<DataType> raggedTypes =
                n.getAttrOrDefault("ragged_value_types", AttrValue.getDefaultInstance())
                        .getList()
                        .getTypeList();
        for (int i = 0; i < raggedKeys.size() && i < raggedTypes.size(); i++) {
            out.add(
                    new Feature(
                            raggedKeys.get(i),
                            TfTypes.dtype(raggedTypes.get(i)),
                            List.of(-1L),
                            false));
        }
        return out;
    }

    private static List<String> dataInputs(NodeDef n) {
        List<String> out = new ArrayList<>();
        for (String in : n.getInputList()) {
            if (!in.startsWith("^")) {
                out.add(in);
            }
        }
        return out;
    }

    private static List<String> constStrings(String tensor, Map<String, NodeDef> nodes) {
        NodeDef n = nodes.get(nodeName(tensor));
        if (n == null || !n.getOp().equals("Const") || !n.containsAttr("value")) {
            return null;
        }
        TensorProto t = n.getAttrOrThrow("value").getTensor();
        List<String> out = new ArrayList<>();
        for (ByteString b : t.getStringValList()) {
            out.add(b.toStringUtf8());
        }
        long count = 1;
        for (TensorShapeProto.Dim d : t.getTensorShape().getDimList()) {
            count *= d.getSize();
        }
        if (out.isEmpty() && count > 0 && !t.getTensorContent().isEmpty()) {
            return decodeStringContent(t.getTensorContent(), count);
        }
        // TensorFlow stores a constant filled with one repeated value only once.
        if (out.size() == 1 && count > 1) {
            return null;
        }
        return out;
    }

    /**
     * Graphs built outside Python (TF Java among them) store string constants in {@code
     * tensor_content}: first every string's length as a varint, then the bytes one after another.
     */
    private static List<String> decodeStringContent(ByteString content, long count) {
        try {
            com.google.protobuf.CodedInputStream in = content.newCodedInput();
            int[] lengths = new int[Math.toIntExact(count)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = in.readRawVarint32();
            }
            List<String> out = new ArrayList<>(lengths.length);
            for (int len : lengths) {
                out.add(new String(in.readRawBytes(len), java.nio.charset.StandardCharsets.UTF_8));
            }
            return out;
        } catch (java.io.IOException | ArithmeticException e) {
            return null;
        }
    }

    /** A dense feature without a default (an empty constant) must be in every Example. */
    private static boolean isEmptyConst(String tensor, Map<String, NodeDef> nodes) {
        NodeDef n = nodes.get(nodeName(tensor));
        if (n == null || !n.getOp().equals("Const") || !n.containsAttr("value")) {
            return false;
        }
        for (TensorShapeProto.Dim d :
                n.getAttrOrThrow("value").getTensor().getTensorShape().getDimList()) {
            if (d.getSize() == 0) {
                return true;
            }
        }
        return false;
    }

    @Override
    public TensorSpec input() {
        return input;
    }

    @Override
    public List<FieldSpec> fields() {
        return fields;
    }

    List<Feature> features() {
        return features;
    }

    @Override
    public boolean declaresBatch() {
        // ParseExample takes a vector of serialized Examples: batching is what it is for.
        return true;
    }

    @Override
    public boolean variableShape() {
        return false;
    }

    @Override
    public RowValue read(Map<String, ?> record) throws EncodeException {
        // A record that already is a serialized Example (source.format: tf-example) goes to
        // ParseExample as it is: re-encoding it would cost a parse and a build per record for
        // nothing, and would drop the features the signature does not read.
        if (record.get(input.key()) instanceof SerializedExample serialized) {
            if (serialized.bytes() == null) {
                throw new EncodeException(
                        "model input '"
                                + input.key()
                                + "' takes serialized tf.Examples; the record's serialized"
                                + " Example is null");
            }
            return new RowValue(new long[0], new byte[][] {serialized.bytes()});
        }
        Features.Builder fb = Features.newBuilder();
        for (Feature f : features) {
            String prefix =
                    "model input '"
                            + input.key()
                            + "' parses tf.Example feature '"
                            + f.key()
                            + "' as "
                            + TfTypes.rawName(f.dtype())
                            + " "
                            + TfTypes.shapeString(f.shape())
                            + "; field '"
                            + f.key()
                            + "'";
            Object v = record.get(f.key());
            if (v == null) {
                if (f.required()) {
                    throw new EncodeException(
                            prefix + (record.containsKey(f.key()) ? " is null" : " is missing"));
                }
                continue;
            }
            RowValue value = ValueReader.read(v, f.dtype(), f.shape(), prefix, allowNonFinite);
            fb.putFeature(f.key(), toFeature(value, f.dtype()));
        }
        byte[] serialized = Example.newBuilder().setFeatures(fb).build().toByteArray();
        return new RowValue(new long[0], new byte[][] {serialized});
    }

    private static org.tensorflow.proto.Feature toFeature(RowValue v, DType dtype) {
        org.tensorflow.proto.Feature.Builder b = org.tensorflow.proto.Feature.newBuilder();
        switch (dtype) {
            case FLOAT:
                {
                    FloatList.Builder l = FloatList.newBuilder();
                    for (float x : (float[]) v.data()) {
                        l.addValue(x);
                    }
                    return b.setFloatList(l).build();
                }
            case INT64:
                {
                    Int64List.Builder l = Int64List.newBuilder();
                    for (long x : (long[]) v.data()) {
                        l.addValue(x);
                    }
                    return b.setInt64List(l).build();
                }
            default:
                {
                    BytesList.Builder l = BytesList.newBuilder();
                    for (byte[] x : (byte[][]) v.data()) {
                        l.addValue(ByteString.copyFrom(x));
                    }
                    return b.setBytesList(l).build();
                }
        }
    }

    @Override
    public Tensor build(List<RowValue> rows, boolean batched) {
        List<Long> s = input.shape();
        long[] shape =
                batched || s == null || !s.isEmpty() ? new long[] {rows.size()} : new long[0];
        return Tensors.of(DType.STRING, shape, rows);
    }
}
