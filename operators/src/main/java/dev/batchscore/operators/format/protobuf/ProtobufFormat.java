package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import dev.batchscore.operators.format.RecordReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ReadableConfig;

/**
 * {@code source.format: protobuf} and {@code protobuf-confluent}: every value is one Protobuf
 * message of {@code source.protobuf.message}, described by the descriptor set {@code
 * source.protobuf.descriptor} (no generated classes: read with {@code DynamicMessage}); with {@code
 * protobuf-confluent} behind Confluent's framing ({@link ConfluentFraming}).
 *
 * <p>A model field reads the message field {@code spec.fieldFor(name)} names ({@code a.b}: field b
 * of the singular message field a). Model inputs are boxed numbers (int32, sint32 and sfixed32 an
 * Integer; int64, sint64, sfixed64, uint64 and fixed64 a Long; uint32 and fixed32 a Long holding
 * their unsigned value), Float, Double, Boolean, String, byte[] for bytes, an enum's value name; a
 * repeated number field is the model's primitive array ({@code float[]} for DT_FLOAT, {@code
 * double[]}, {@code int[]}, {@code long[]}), other repeated fields lists. A proto3 scalar without
 * presence that is unset is its default value (the wire cannot tell the two apart); an unset {@code
 * optional}, oneof member or message field is missing (no entry), and so is a field under an unset
 * message. Passthrough columns take the descriptor's types ({@link ProtobufValues}).
 *
 * <p>An empty value is a valid message of {@code protobuf} (every field unset: that is how a
 * message of all defaults is written), so it is read, not refused; a null value (a tombstone) is a
 * bad record, and so is an empty one with {@code protobuf-confluent}, which needs its header.
 */
public final class ProtobufFormat implements RecordFormat {
    private static final long serialVersionUID = 1L;

    public static final String NAME = "protobuf";
    public static final String CONFLUENT_NAME = "protobuf-confluent";

    private final boolean confluent;
    private final String messageName;
    private final String location;
    private final byte[] descriptorSet;
    // Descriptors are not serializable: built from descriptorSet where the format is used.
    private transient volatile Descriptor descriptor;

    /**
     * A format reading {@code messageName} of the descriptor set {@code descriptorSet} (read from
     * {@code location}, named in messages); checks that the set has the message.
     */
    public ProtobufFormat(
            boolean confluent, String messageName, String location, byte[] descriptorSet) {
        this.confluent = confluent;
        this.messageName = Objects.requireNonNull(messageName, "message name");
        this.location = Objects.requireNonNull(location, "descriptor location");
        this.descriptorSet = descriptorSet.clone();
        descriptor();
    }

    /** Makes {@code protobuf} or {@code protobuf-confluent}. */
    public static final class Factory implements RecordFormats.Factory {
        private final boolean confluent;

        public Factory(boolean confluent) {
            this.confluent = confluent;
        }

        @Override
        public String name() {
            return confluent ? CONFLUENT_NAME : NAME;
        }

        /**
         * Both formats share {@code source.protobuf.*}; {@code protobuf} lists them and {@code
         * protobuf-confluent} none, so the options table has each key once.
         */
        @Override
        public List<ConfigOption<?>> options() {
            return confluent
                    ? List.of()
                    : List.of(ProtobufOptions.MESSAGE, ProtobufOptions.DESCRIPTOR);
        }

        @Override
        public RecordFormat create(ReadableConfig options) {
            String message = required(options, ProtobufOptions.MESSAGE, "e.g. acme.Review");
            String location =
                    required(
                            options,
                            ProtobufOptions.DESCRIPTOR,
                            "a descriptor set written by 'protoc --include_imports"
                                    + " --descriptor_set_out=FILE'");
            return new ProtobufFormat(confluent, message, location, DescriptorSets.read(location));
        }

        private String required(ReadableConfig options, ConfigOption<String> key, String what) {
            String value = options.getOptional(key).map(String::trim).orElse("");
            if (value.isEmpty()) {
                throw new FormatException(
                        "option '"
                                + key.key()
                                + "' is not set, and source.format "
                                + name()
                                + " needs it: set it to "
                                + what);
            }
            return value;
        }
    }

    /** The record's message type. */
    Descriptor descriptor() {
        Descriptor d = descriptor;
        if (d == null) {
            d = DescriptorSets.message(descriptorSet, location, messageName);
            descriptor = d;
        }
        return d;
    }

    @Override
    public String name() {
        return confluent ? CONFLUENT_NAME : NAME;
    }

    @Override
    public RecordReader reader(ReaderSpec spec) {
        return new ProtobufReader(descriptor(), confluent, spec);
    }

    @Override
    public List<PassthroughField> inferPassthrough(List<byte[]> samples, Set<String> exclude) {
        List<PassthroughField> out = new ArrayList<>();
        for (FieldDescriptor f : descriptor().getFields()) {
            if (!exclude.contains(f.getName())) {
                out.add(new PassthroughField(f.getName(), ProtobufValues.columnType(f)));
            }
        }
        return out;
    }

    @Override
    public List<PassthroughField> resolvePassthrough(List<PassthroughField> fields) {
        Descriptor d = descriptor();
        List<PassthroughField> out = new ArrayList<>();
        for (PassthroughField p : fields) {
            FieldDescriptor f = d.findFieldByName(p.name());
            if (f == null) {
                throw new FormatException(
                        "passthrough field '"
                                + p.name()
                                + "' is not a field of protobuf message "
                                + d.getFullName()
                                + " (fields: "
                                + FieldPath.names(d)
                                + "): set output.passthrough to some of them");
            }
            out.add(new PassthroughField(p.name(), ProtobufValues.columnType(f)));
        }
        return out;
    }

    /** By the descriptor: the samples are not needed. */
    @Override
    public void checkInputs(ReaderSpec spec, List<byte[]> samples) {
        Descriptor d = descriptor();
        Map<String, String> mapping = spec.inputMapping();
        for (FieldSpec field : spec.fields()) {
            String path = spec.fieldFor(field.name());
            String key = "model.input." + field.name();
            String setting =
                    mapping.containsKey(field.name())
                            ? key + " is '" + path + "'"
                            : "unmapped, it reads '" + path + "'";
            FieldPath resolved = FieldPath.resolve(d, path);
            if (resolved.problem() != null) {
                throw new FormatException(
                        (mapping.containsKey(field.name())
                                        ? key + " is '" + path + "', but "
                                        : "model input '"
                                                + field.name()
                                                + "' is unmapped and reads '"
                                                + path
                                                + "', but ")
                                + resolved.problem()
                                + ": map "
                                + key
                                + " to one of them");
            }
            FieldDescriptor leaf = resolved.fields()[resolved.fields().length - 1];
            if (!fits(leaf, field.dtype())) {
                throw new FormatException(
                        "model input '"
                                + field.name()
                                + "' ("
                                + setting
                                + ") expects "
                                + field.describeType()
                                + " but protobuf field '"
                                + path
                                + "' of "
                                + d.getFullName()
                                + " is "
                                + protoKind(leaf)
                                + ": set "
                                + key
                                + " to a field of "
                                + leafKind(field.dtype()));
            }
        }
    }

    /** Whether values of {@code f} (each element, when repeated) can feed {@code dtype}. */
    static boolean fits(FieldDescriptor f, DType dtype) {
        if (f.isMapField()) {
            return false;
        }
        FieldDescriptor leaf = f;
        if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
            if (!ProtobufValues.isWrapper(f.getMessageType())) {
                return false;
            }
            leaf = ProtobufValues.wrapped(f.getMessageType());
        }
        return switch (dtype) {
            case FLOAT, DOUBLE, INT32, INT64 ->
                    switch (leaf.getJavaType()) {
                        case INT, LONG, FLOAT, DOUBLE -> true;
                        default -> false;
                    };
            case BOOL -> leaf.getJavaType() == FieldDescriptor.JavaType.BOOLEAN;
            case STRING ->
                    switch (leaf.getJavaType()) {
                        case STRING, BYTE_STRING, ENUM -> true;
                        default -> false;
                    };
            default -> true; // the signature check refuses unsupported dtypes before this
        };
    }

    /** {@code repeated float}, {@code map<string, int64>}, {@code message acme.Inner}, ... */
    static String protoKind(FieldDescriptor f) {
        if (f.isMapField()) {
            Descriptor entry = f.getMessageType();
            return "map<"
                    + protoKind(entry.findFieldByNumber(1))
                    + ", "
                    + protoKind(entry.findFieldByNumber(2))
                    + ">";
        }
        String type =
                switch (f.getJavaType()) {
                    case ENUM -> "enum " + f.getEnumType().getFullName();
                    case MESSAGE -> "message " + f.getMessageType().getFullName();
                    default -> f.getType().name().toLowerCase(Locale.ROOT);
                };
        return f.isRepeated() ? "repeated " + type : type;
    }

    private static String leafKind(DType dtype) {
        return switch (dtype) {
            case FLOAT, DOUBLE -> "float or double";
            case INT32, INT64 -> "int32 or int64 (or another integer type)";
            case BOOL -> "bool";
            default -> "string, bytes or enum";
        };
    }

    @Override
    public List<String> describeInputs(ReaderSpec spec) {
        return spec.describe(
                "Protobuf field",
                field -> (field.rowShape().isEmpty() ? "" : "repeated ") + leafKind(field.dtype()));
    }

    @Override
    public List<Map<String, Object>> decodeForDisplay(List<byte[]> values) {
        ProtobufReader reader =
                new ProtobufReader(
                        descriptor(),
                        confluent,
                        new ReaderSpec(List.of(), Map.of(), List.of(), null));
        List<Map<String, Object>> out = new ArrayList<>();
        for (byte[] v : values) {
            try {
                Message m = reader.parse(v);
                @SuppressWarnings("unchecked")
                Map<String, Object> map = (Map<String, Object>) ProtobufValues.plainMessage(m);
                out.add(map);
            } catch (DecodeException | RuntimeException e) {
                // a value that does not decode is left out
            }
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProtobufFormat other
                && confluent == other.confluent
                && messageName.equals(other.messageName)
                && location.equals(other.location)
                && Arrays.equals(descriptorSet, other.descriptorSet);
    }

    @Override
    public int hashCode() {
        return Objects.hash(confluent, messageName, location, Arrays.hashCode(descriptorSet));
    }

    @Override
    public String toString() {
        return name() + " (" + messageName + " from " + location + ")";
    }
}
