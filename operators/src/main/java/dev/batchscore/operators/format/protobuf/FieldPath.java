package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.ArrayList;
import java.util.List;

/**
 * The fields a path such as {@code a.b} names, from a message through singular nested messages to
 * the leaf; or, when it names none, why not.
 *
 * @param fields the fields, message to leaf; null when there is a problem
 * @param problem why the path names no field, one clause such as {@code protobuf message
 *     acme.Review has no field 'x' (fields: [a, b])}; null when it does
 */
record FieldPath(FieldDescriptor[] fields, String problem) {

    static FieldPath resolve(Descriptor message, String path) {
        List<FieldDescriptor> out = new ArrayList<>();
        Descriptor at = message;
        String[] parts = path.split("\\.", -1);
        for (int i = 0; i < parts.length; i++) {
            FieldDescriptor f = at.findFieldByName(parts[i]);
            if (f == null) {
                return new FieldPath(
                        null,
                        "protobuf message "
                                + at.getFullName()
                                + (i == 0 ? "" : " (at '" + String.join(".", head(parts, i)) + "')")
                                + " has no field '"
                                + parts[i]
                                + "' (fields: "
                                + names(at)
                                + ")");
            }
            out.add(f);
            if (i < parts.length - 1) {
                if (f.isRepeated() || f.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                    return new FieldPath(
                            null,
                            "protobuf field '"
                                    + String.join(".", head(parts, i + 1))
                                    + "' of "
                                    + message.getFullName()
                                    + " is "
                                    + ProtobufFormat.protoKind(f)
                                    + ", not a singular message a path can go into");
                }
                at = f.getMessageType();
            }
        }
        return new FieldPath(out.toArray(new FieldDescriptor[0]), null);
    }

    private static List<String> head(String[] parts, int n) {
        return List.of(parts).subList(0, n);
    }

    static List<String> names(Descriptor d) {
        List<String> out = new ArrayList<>();
        for (FieldDescriptor f : d.getFields()) {
            out.add(f.getName());
        }
        return out;
    }
}
