package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import dev.batchscore.operators.format.RecordReader;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.flink.table.types.logical.LogicalType;

/**
 * Reads Protobuf record values for one task: strips Confluent's framing when there is one, then
 * reads the spec's fields with {@link WireReader}'s walk, or, for a message or value the walk
 * leaves alone, parses it with {@link DynamicMessage} and takes the fields from that.
 */
final class ProtobufReader implements RecordReader {
    private final Descriptor descriptor;
    private final boolean confluent;
    private final int[] indexes;
    private final String[] inputNames;
    // Per input: the fields from the message to the leaf, or null when the path names no field
    // (checkInputs refuses that when planning; here it is a missing value).
    private final FieldDescriptor[][] inputPaths;
    private final DType[] dtypes;
    private final FieldDescriptor[] passthroughFields;
    private final LogicalType[] passthroughTypes;
    // The fast path, or null when the message is one it leaves to DynamicMessage.
    private final WireReader wire;

    ProtobufReader(Descriptor descriptor, boolean confluent, ReaderSpec spec) {
        this(descriptor, confluent, spec, true);
    }

    /** {@code walk}: whether the fast path may be used (tests compare the two). */
    ProtobufReader(Descriptor descriptor, boolean confluent, ReaderSpec spec, boolean walk) {
        this.descriptor = descriptor;
        this.confluent = confluent;
        this.indexes = DescriptorSets.indexes(descriptor);
        List<FieldSpec> fields = spec.fields();
        inputNames = new String[fields.size()];
        inputPaths = new FieldDescriptor[fields.size()][];
        dtypes = new DType[fields.size()];
        for (int i = 0; i < fields.size(); i++) {
            FieldSpec field = fields.get(i);
            inputNames[i] = field.name();
            FieldPath path = FieldPath.resolve(descriptor, spec.fieldFor(field.name()));
            inputPaths[i] = path.problem() == null ? path.fields() : null;
            dtypes[i] = field.dtype();
        }
        List<PassthroughField> passthrough = spec.passthrough();
        passthroughFields = new FieldDescriptor[passthrough.size()];
        passthroughTypes = new LogicalType[passthrough.size()];
        for (int i = 0; i < passthrough.size(); i++) {
            FieldDescriptor f = descriptor.findFieldByName(passthrough.get(i).name());
            passthroughFields[i] = f;
            // resolvePassthrough gave the column this type; a spec made otherwise still reads.
            passthroughTypes[i] = f == null ? null : ProtobufValues.columnType(f);
        }
        wire =
                walk && WireReader.applies(descriptor)
                        ? new WireReader(
                                inputNames, inputPaths, dtypes, passthroughFields, passthroughTypes)
                        : null;
    }

    @Override
    public void read(byte[] value, Map<String, Object> input, Object[] passthrough)
            throws DecodeException {
        int start = start(value);
        try {
            if (wire != null) {
                try {
                    wire.read(value, start, input, passthrough);
                    return;
                } catch (WireReader.Fallback e) {
                    // DynamicMessage decides, and words the reason when the value is bad
                }
            }
            Message message = parse(value, start);
            for (int i = 0; i < inputNames.length; i++) {
                Object v = input(message, inputPaths[i], dtypes[i]);
                if (v != ProtobufValues.MISSING) {
                    input.put(inputNames[i], v);
                }
            }
            for (int i = 0; i < passthroughFields.length; i++) {
                FieldDescriptor f = passthroughFields[i];
                passthrough[i] =
                        f == null ? null : ProtobufValues.column(message, f, passthroughTypes[i]);
            }
        } catch (RuntimeException e) {
            // A value no column or input can hold, e.g. a Timestamp beyond any instant.
            throw new DecodeException(
                    "protobuf "
                            + descriptor.getFullName()
                            + " message has a value out of range: "
                            + oneLine(e.toString()));
        }
    }

    /** The message in {@code value}, after Confluent's framing when the format has it. */
    Message parse(byte[] value) throws DecodeException {
        return parse(value, start(value));
    }

    /** Where the message starts in {@code value}: after Confluent's framing, if any. */
    private int start(byte[] value) throws DecodeException {
        if (value == null) {
            throw new DecodeException(
                    "record value is null (a tombstone?); expected a protobuf "
                            + descriptor.getFullName()
                            + " message");
        }
        return confluent ? ConfluentFraming.messageStart(value, descriptor, indexes) : 0;
    }

    private Message parse(byte[] value, int start) throws DecodeException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(value, start, value.length - start);
            DynamicMessage message = DynamicMessage.parseFrom(descriptor, in);
            // Parsing stops at a stray end-group tag; parseFrom(byte[]) refuses it, and so do we.
            in.checkLastTagWas(0);
            return message;
        } catch (IOException e) { // InvalidProtocolBufferException: all that bytes can throw
            throw new DecodeException(
                    "record value is not a valid protobuf "
                            + descriptor.getFullName()
                            + " message ("
                            + oneLine(e.getMessage())
                            + ")");
        }
    }

    static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s+", " ").trim();
    }

    /**
     * The model input at {@code path}: a repeated number field as the model's own primitive array
     * when its dtype has one, else {@link ProtobufValues#plain}.
     */
    private static Object input(Message message, FieldDescriptor[] path, DType dtype) {
        return path == null ? ProtobufValues.MISSING : input(message, path, 0, dtype);
    }

    /** The model input at {@code path}, from its field {@code from} on, in {@code message}. */
    static Object input(Message message, FieldDescriptor[] path, int from, DType dtype) {
        Message at = message;
        for (int i = from; i < path.length - 1; i++) {
            if (!at.hasField(path[i])) {
                return ProtobufValues.MISSING;
            }
            at = (Message) at.getField(path[i]);
        }
        FieldDescriptor leaf = path[path.length - 1];
        if (leaf.isRepeated() && !leaf.isMapField()) {
            Object array = primitiveArray((List<?>) at.getField(leaf), leaf, dtype);
            if (array != null) {
                return array;
            }
        }
        return ProtobufValues.plain(at, leaf);
    }

    private static Object primitiveArray(List<?> values, FieldDescriptor f, DType dtype) {
        FieldDescriptor.JavaType type = f.getJavaType();
        int n = values.size();
        boolean fp =
                type == FieldDescriptor.JavaType.FLOAT || type == FieldDescriptor.JavaType.DOUBLE;
        boolean signed32 =
                type == FieldDescriptor.JavaType.INT
                        && f.getType() != FieldDescriptor.Type.UINT32
                        && f.getType() != FieldDescriptor.Type.FIXED32;
        if (fp && dtype == DType.FLOAT) {
            float[] out = new float[n];
            for (int i = 0; i < n; i++) {
                out[i] = ((Number) values.get(i)).floatValue();
            }
            return out;
        }
        if (fp && dtype == DType.DOUBLE) {
            double[] out = new double[n];
            for (int i = 0; i < n; i++) {
                out[i] = ((Number) values.get(i)).doubleValue();
            }
            return out;
        }
        if (signed32 && dtype == DType.INT32) {
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                out[i] = (Integer) values.get(i);
            }
            return out;
        }
        if ((signed32 || type == FieldDescriptor.JavaType.LONG) && dtype == DType.INT64) {
            long[] out = new long[n];
            for (int i = 0; i < n; i++) {
                out[i] = ((Number) values.get(i)).longValue();
            }
            return out;
        }
        return null;
    }
}
