package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumDescriptorProto;
import com.google.protobuf.DescriptorProtos.EnumValueDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.DescriptorProtos.OneofDescriptorProto;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import dev.batchscore.operators.format.RecordFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;

/**
 * The test schema, built with {@code DescriptorProtos} so no {@code protoc} is needed:
 *
 * <pre>
 * syntax = "proto3";
 * package acme;
 * import "google/protobuf/timestamp.proto";
 * message Review {
 *   message Author { string name = 1; int32 age = 2; }
 *   enum Color { COLOR_UNSPECIFIED = 0; RED = 1; GREEN = 2; }
 *   float score = 1;
 *   int64 id = 2;
 *   string text = 3;
 *   bool verified = 4;
 *   Color color = 5;
 *   repeated float embedding = 6;
 *   Author author = 7;
 *   map&lt;string, int64&gt; counts = 8;
 *   google.protobuf.Timestamp created = 9;
 *   optional int32 stars = 10;
 *   bytes blob = 11;
 *   repeated double weights = 12 [packed = false];
 *   uint32 votes = 13;
 *   repeated string tags = 14;
 * }
 * message Other { string x = 1; }
 * </pre>
 */
final class ProtobufFixtures {
    private ProtobufFixtures() {}

    static FileDescriptorSet descriptorSet() {
        DescriptorProto author =
                DescriptorProto.newBuilder()
                        .setName("Author")
                        .addField(field("name", 1, Type.TYPE_STRING))
                        .addField(field("age", 2, Type.TYPE_INT32))
                        .build();
        DescriptorProto countsEntry =
                DescriptorProto.newBuilder()
                        .setName("CountsEntry")
                        .addField(field("key", 1, Type.TYPE_STRING))
                        .addField(field("value", 2, Type.TYPE_INT64))
                        .setOptions(MessageOptions.newBuilder().setMapEntry(true))
                        .build();
        EnumDescriptorProto color =
                EnumDescriptorProto.newBuilder()
                        .setName("Color")
                        .addValue(enumValue("COLOR_UNSPECIFIED", 0))
                        .addValue(enumValue("RED", 1))
                        .addValue(enumValue("GREEN", 2))
                        .build();
        DescriptorProto review =
                DescriptorProto.newBuilder()
                        .setName("Review")
                        .addNestedType(author)
                        .addNestedType(countsEntry)
                        .addEnumType(color)
                        .addField(field("score", 1, Type.TYPE_FLOAT))
                        .addField(field("id", 2, Type.TYPE_INT64))
                        .addField(field("text", 3, Type.TYPE_STRING))
                        .addField(field("verified", 4, Type.TYPE_BOOL))
                        .addField(typed("color", 5, Type.TYPE_ENUM, ".acme.Review.Color"))
                        .addField(repeated(field("embedding", 6, Type.TYPE_FLOAT)))
                        .addField(typed("author", 7, Type.TYPE_MESSAGE, ".acme.Review.Author"))
                        .addField(
                                repeated(
                                        typed(
                                                "counts",
                                                8,
                                                Type.TYPE_MESSAGE,
                                                ".acme.Review.CountsEntry")))
                        .addField(
                                typed(
                                        "created",
                                        9,
                                        Type.TYPE_MESSAGE,
                                        ".google.protobuf.Timestamp"))
                        .addField(
                                field("stars", 10, Type.TYPE_INT32).toBuilder()
                                        .setProto3Optional(true)
                                        .setOneofIndex(0))
                        .addOneofDecl(OneofDescriptorProto.newBuilder().setName("_stars"))
                        .addField(field("blob", 11, Type.TYPE_BYTES))
                        .addField(
                                repeated(field("weights", 12, Type.TYPE_DOUBLE)).toBuilder()
                                        .setOptions(FieldOptions.newBuilder().setPacked(false)))
                        .addField(field("votes", 13, Type.TYPE_UINT32))
                        .addField(repeated(field("tags", 14, Type.TYPE_STRING)))
                        .build();
        DescriptorProto other =
                DescriptorProto.newBuilder()
                        .setName("Other")
                        .addField(field("x", 1, Type.TYPE_STRING))
                        .build();
        FileDescriptorProto file =
                FileDescriptorProto.newBuilder()
                        .setName("acme/review.proto")
                        .setPackage("acme")
                        .setSyntax("proto3")
                        .addDependency("google/protobuf/timestamp.proto")
                        .addMessageType(review)
                        .addMessageType(other)
                        .build();
        return FileDescriptorSet.newBuilder()
                .addFile(Timestamp.getDescriptor().getFile().toProto())
                .addFile(file)
                .build();
    }

    private static FieldDescriptorProto field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder()
                .setName(name)
                .setNumber(number)
                .setType(type)
                .setLabel(Label.LABEL_OPTIONAL)
                .setJsonName(name)
                .build();
    }

    private static FieldDescriptorProto typed(String name, int number, Type type, String typeName) {
        return field(name, number, type).toBuilder().setTypeName(typeName).build();
    }

    private static FieldDescriptorProto repeated(FieldDescriptorProto f) {
        return f.toBuilder().setLabel(Label.LABEL_REPEATED).build();
    }

    private static EnumValueDescriptorProto enumValue(String name, int number) {
        return EnumValueDescriptorProto.newBuilder().setName(name).setNumber(number).build();
    }

    /** Writes the descriptor set to {@code dir} and returns its path. */
    static Path writeDescriptorSet(Path dir) throws IOException {
        Path file = dir.resolve("review.desc");
        Files.write(file, descriptorSet().toByteArray());
        return file;
    }

    /** The format as {@code source.format} and the options make it. */
    static RecordFormat format(Path descriptorFile, boolean confluent, String message) {
        Configuration conf = new Configuration();
        conf.setString("source.format", confluent ? "protobuf-confluent" : "protobuf");
        conf.setString("source.protobuf.message", message);
        conf.setString("source.protobuf.descriptor", descriptorFile.toString());
        return dev.batchscore.operators.format.RecordFormats.create(conf);
    }

    /** A full review, written by protobuf-java from the format's own descriptor. */
    static DynamicMessage review(Descriptor review) {
        Descriptor author = review.findFieldByName("author").getMessageType();
        Descriptor entry = review.findFieldByName("counts").getMessageType();
        Descriptor timestamp = review.findFieldByName("created").getMessageType();
        DynamicMessage.Builder b = DynamicMessage.newBuilder(review);
        set(b, "score", 4.5f);
        set(b, "id", 1234567890123L);
        set(b, "text", "great");
        set(b, "verified", true);
        set(b, "color", review.findEnumTypeByName("Color").findValueByName("GREEN"));
        for (float f : new float[] {0.25f, -1.5f, 3f}) {
            b.addRepeatedField(review.findFieldByName("embedding"), f);
        }
        b.setField(
                review.findFieldByName("author"),
                DynamicMessage.newBuilder(author)
                        .setField(author.findFieldByName("name"), "ann")
                        .setField(author.findFieldByName("age"), 41)
                        .build());
        b.addRepeatedField(
                review.findFieldByName("counts"),
                DynamicMessage.newBuilder(entry)
                        .setField(entry.findFieldByName("key"), "likes")
                        .setField(entry.findFieldByName("value"), 7L)
                        .build());
        b.setField(
                review.findFieldByName("created"),
                DynamicMessage.newBuilder(timestamp)
                        .setField(timestamp.findFieldByName("seconds"), 1_700_000_000L)
                        .setField(timestamp.findFieldByName("nanos"), 123_456_789)
                        .build());
        set(b, "blob", com.google.protobuf.ByteString.copyFrom(new byte[] {1, 2, 3}));
        b.addRepeatedField(review.findFieldByName("weights"), 0.5);
        b.addRepeatedField(review.findFieldByName("weights"), 2.0);
        set(b, "votes", -1); // uint32 4294967295
        b.addRepeatedField(review.findFieldByName("tags"), "a");
        b.addRepeatedField(review.findFieldByName("tags"), "b");
        return b.build();
    }

    private static void set(DynamicMessage.Builder b, String name, Object value) {
        b.setField(b.getDescriptorForType().findFieldByName(name), value);
    }

    /** {@code message} behind Confluent's header with schema id 42 and {@code indexes}. */
    static byte[] confluent(byte[] indexes, byte[] message) {
        byte[] out = new byte[5 + indexes.length + message.length];
        out[0] = 0;
        out[4] = 42;
        System.arraycopy(indexes, 0, out, 5, indexes.length);
        System.arraycopy(message, 0, out, 5 + indexes.length, message.length);
        return out;
    }
}
