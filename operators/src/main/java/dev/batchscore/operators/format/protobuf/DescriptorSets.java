package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.AnyProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DurationProto;
import com.google.protobuf.EmptyProto;
import com.google.protobuf.FieldMaskProto;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.StructProto;
import com.google.protobuf.TimestampProto;
import com.google.protobuf.WrappersProto;
import dev.batchscore.operators.format.FormatException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/** Reads a {@code FileDescriptorSet} and finds a message type in it. */
final class DescriptorSets {
    private DescriptorSets() {}

    /**
     * Google's well-known types by file name: used when a set was written without {@code
     * --include_imports} but imports only these (they are the runtime's own, identical, files).
     */
    private static final Map<String, FileDescriptor> WELL_KNOWN =
            Map.of(
                    "google/protobuf/timestamp.proto", TimestampProto.getDescriptor(),
                    "google/protobuf/duration.proto", DurationProto.getDescriptor(),
                    "google/protobuf/wrappers.proto", WrappersProto.getDescriptor(),
                    "google/protobuf/any.proto", AnyProto.getDescriptor(),
                    "google/protobuf/struct.proto", StructProto.getDescriptor(),
                    "google/protobuf/empty.proto", EmptyProto.getDescriptor(),
                    "google/protobuf/field_mask.proto", FieldMaskProto.getDescriptor());

    /** The bytes at {@code location} (a path or Flink filesystem URI). */
    static byte[] read(String location) {
        try {
            Path path = new Path(location);
            FileSystem fs = path.getFileSystem();
            try (InputStream in = fs.open(path)) {
                return in.readAllBytes();
            }
        } catch (IOException | RuntimeException e) {
            throw new FormatException(
                    "option '"
                            + ProtobufOptions.DESCRIPTOR.key()
                            + "' is '"
                            + location
                            + "', which cannot be read ("
                            + e
                            + "): point it at a descriptor set written by 'protoc"
                            + " --include_imports --descriptor_set_out=FILE'",
                    e);
        }
    }

    /**
     * The message type {@code messageName} of the descriptor set {@code bytes} (read from {@code
     * location}, named in messages).
     */
    static Descriptor message(byte[] bytes, String location, String messageName) {
        Map<String, FileDescriptor> files = build(bytes, location);
        String name = messageName.startsWith(".") ? messageName.substring(1) : messageName;
        Set<String> names = new TreeSet<>();
        for (FileDescriptor file : files.values()) {
            if (WELL_KNOWN.containsValue(file) && !name.startsWith("google.protobuf.")) {
                continue;
            }
            for (Descriptor d : file.getMessageTypes()) {
                Descriptor found = find(d, name, names);
                if (found != null) {
                    return found;
                }
            }
        }
        names.removeIf(n -> n.startsWith("google.protobuf."));
        throw new FormatException(
                "option '"
                        + ProtobufOptions.MESSAGE.key()
                        + "' is '"
                        + messageName
                        + "', which descriptor set '"
                        + location
                        + "' does not have: set it to one of "
                        + names);
    }

    private static Descriptor find(Descriptor d, String name, Set<String> names) {
        if (d.getFullName().equals(name)) {
            return d;
        }
        if (!d.getOptions().getMapEntry()) {
            names.add(d.getFullName());
        }
        for (Descriptor nested : d.getNestedTypes()) {
            Descriptor found = find(nested, name, names);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static Map<String, FileDescriptor> build(byte[] bytes, String location) {
        FileDescriptorSet set;
        try {
            set = FileDescriptorSet.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw notASet(location, e.getMessage());
        }
        if (set.getFileCount() == 0) {
            throw notASet(location, "it holds no files");
        }
        Map<String, FileDescriptorProto> protos = new HashMap<>();
        for (FileDescriptorProto f : set.getFileList()) {
            protos.put(f.getName(), f);
        }
        Map<String, FileDescriptor> built = new HashMap<>();
        for (FileDescriptorProto f : set.getFileList()) {
            build(f.getName(), protos, built, new HashSet<>(), location);
        }
        // The set's own files in its order: the first one holding the message wins.
        Map<String, FileDescriptor> ordered = new java.util.LinkedHashMap<>();
        for (FileDescriptorProto f : set.getFileList()) {
            ordered.put(f.getName(), built.get(f.getName()));
        }
        return ordered;
    }

    private static FileDescriptor build(
            String name,
            Map<String, FileDescriptorProto> protos,
            Map<String, FileDescriptor> built,
            Set<String> building,
            String location) {
        FileDescriptor done = built.get(name);
        if (done != null) {
            return done;
        }
        FileDescriptorProto proto = protos.get(name);
        if (proto == null) {
            FileDescriptor wellKnown = WELL_KNOWN.get(name);
            if (wellKnown != null) {
                return wellKnown;
            }
            throw notASet(
                    location,
                    "it imports '"
                            + name
                            + "' but does not hold it (written without --include_imports?)");
        }
        if (!building.add(name)) {
            throw notASet(location, "its file '" + name + "' imports itself");
        }
        List<FileDescriptor> deps = new ArrayList<>();
        for (String dep : proto.getDependencyList()) {
            deps.add(build(dep, protos, built, building, location));
        }
        try {
            FileDescriptor file =
                    FileDescriptor.buildFrom(proto, deps.toArray(new FileDescriptor[0]));
            built.put(name, file);
            return file;
        } catch (Descriptors.DescriptorValidationException e) {
            throw notASet(location, "file '" + name + "' is invalid: " + e.getMessage());
        }
    }

    private static FormatException notASet(String location, String why) {
        return new FormatException(
                "option '"
                        + ProtobufOptions.DESCRIPTOR.key()
                        + "' is '"
                        + location
                        + "', which is not a usable FileDescriptorSet ("
                        + why
                        + "): write it with 'protoc --include_imports"
                        + " --descriptor_set_out=FILE'");
    }

    /**
     * The message indexes Confluent's framing names {@code message} by: its index among its file's
     * top-level messages, then among each enclosing message's nested ones.
     */
    static int[] indexes(Descriptor message) {
        List<Integer> path = new ArrayList<>();
        for (Descriptor d = message; d != null; d = d.getContainingType()) {
            path.add(0, d.getIndex());
        }
        return path.stream().mapToInt(Integer::intValue).toArray();
    }

    /** The message {@code indexes} name in {@code file}, or null when none does. */
    static Descriptor byIndexes(FileDescriptor file, int[] indexes) {
        if (indexes.length == 0 || indexes[0] < 0 || indexes[0] >= file.getMessageTypes().size()) {
            return null;
        }
        Descriptor d = file.getMessageTypes().get(indexes[0]);
        for (int i = 1; i < indexes.length; i++) {
            if (indexes[i] < 0 || indexes[i] >= d.getNestedTypes().size()) {
                return null;
            }
            d = d.getNestedTypes().get(indexes[i]);
        }
        return d;
    }
}
