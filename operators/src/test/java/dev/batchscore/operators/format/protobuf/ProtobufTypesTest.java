package dev.batchscore.operators.format.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Int64Value;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.types.logical.BigIntType;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.table.types.logical.VarBinaryType;
import org.apache.flink.table.types.logical.VarCharType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Column types and values for a message that contains itself and a wrapper type:
 *
 * <pre>
 * syntax = "proto3";
 * package acme;
 * import "google/protobuf/wrappers.proto";
 * message Node { string name = 1; Node child = 2; google.protobuf.Int64Value count = 3; }
 * </pre>
 */
class ProtobufTypesTest {
    @TempDir Path dir;

    @Test
    void aRecursiveMessageIsBytesWhereItRecursAndWrappersTheirValue() throws Exception {
        FileDescriptorProto file =
                FileDescriptorProto.newBuilder()
                        .setName("acme/node.proto")
                        .setPackage("acme")
                        .setSyntax("proto3")
                        .addDependency("google/protobuf/wrappers.proto")
                        .addMessageType(
                                DescriptorProto.newBuilder()
                                        .setName("Node")
                                        .addField(field("name", 1, Type.TYPE_STRING, null))
                                        .addField(
                                                field("child", 2, Type.TYPE_MESSAGE, ".acme.Node"))
                                        .addField(
                                                field(
                                                        "count",
                                                        3,
                                                        Type.TYPE_MESSAGE,
                                                        ".google.protobuf.Int64Value")))
                        .build();
        Path desc = dir.resolve("node.desc");
        Files.write(
                desc,
                FileDescriptorSet.newBuilder()
                        .addFile(Int64Value.getDescriptor().getFile().toProto())
                        .addFile(file)
                        .build()
                        .toByteArray());
        ProtobufFormat format = (ProtobufFormat) ProtobufFixtures.format(desc, false, "acme.Node");
        Descriptor node = format.descriptor();

        List<PassthroughField> columns = format.inferPassthrough(List.of(), Set.of());
        LogicalType string = new VarCharType(VarCharType.MAX_LENGTH);
        RowType childType =
                new RowType(
                        List.of(
                                new RowType.RowField("name", string),
                                new RowType.RowField(
                                        "child", new VarBinaryType(VarBinaryType.MAX_LENGTH)),
                                new RowType.RowField("count", new BigIntType())));
        assertThat(columns)
                .extracting(PassthroughField::columnType)
                .containsExactly(string, childType, new BigIntType());

        Descriptor wrapper = node.findFieldByName("count").getMessageType();
        DynamicMessage grandchild =
                DynamicMessage.newBuilder(node).setField(node.findFieldByName("name"), "c").build();
        DynamicMessage child =
                DynamicMessage.newBuilder(node)
                        .setField(node.findFieldByName("name"), "b")
                        .setField(node.findFieldByName("child"), grandchild)
                        .build();
        DynamicMessage root =
                DynamicMessage.newBuilder(node)
                        .setField(node.findFieldByName("name"), "a")
                        .setField(node.findFieldByName("child"), child)
                        .setField(
                                node.findFieldByName("count"),
                                DynamicMessage.newBuilder(wrapper)
                                        .setField(wrapper.findFieldByName("value"), 12L)
                                        .build())
                        .build();

        ReaderSpec spec =
                new ReaderSpec(
                        List.of(new FieldSpec("count", DType.FLOAT, List.of())),
                        Map.of(),
                        columns,
                        null);
        format.checkInputs(spec, List.of()); // an Int64Value feeds a float
        for (boolean walk : new boolean[] {true, false}) {
            Map<String, Object> input = new HashMap<>();
            Object[] row = new Object[3];
            new ProtobufReader(node, false, spec, walk).read(root.toByteArray(), input, row);
            assertThat(input).containsEntry("count", 12L);
            assertThat(row[0]).isEqualTo(StringData.fromString("a"));
            assertThat(row[1])
                    .isEqualTo(
                            GenericRowData.of(
                                    StringData.fromString("b"), grandchild.toByteArray(), null));
            assertThat(row[2]).isEqualTo(12L);
        }
    }

    /** {@code message Choice { oneof pick { string a = 1; int64 b = 2; } int64 c = 3; }} */
    @Test
    void aOneofMemberClearsTheOthersOnBothReadPaths() throws Exception {
        FileDescriptorProto file =
                FileDescriptorProto.newBuilder()
                        .setName("acme/choice.proto")
                        .setPackage("acme")
                        .setSyntax("proto3")
                        .addMessageType(
                                DescriptorProto.newBuilder()
                                        .setName("Choice")
                                        .addOneofDecl(
                                                com.google.protobuf.DescriptorProtos
                                                        .OneofDescriptorProto.newBuilder()
                                                        .setName("pick"))
                                        .addField(
                                                field("a", 1, Type.TYPE_STRING, null).toBuilder()
                                                        .setOneofIndex(0))
                                        .addField(
                                                field("b", 2, Type.TYPE_INT64, null).toBuilder()
                                                        .setOneofIndex(0))
                                        .addField(field("c", 3, Type.TYPE_INT64, null)))
                        .build();
        Path desc = dir.resolve("choice.desc");
        Files.write(desc, FileDescriptorSet.newBuilder().addFile(file).build().toByteArray());
        ProtobufFormat format =
                (ProtobufFormat) ProtobufFixtures.format(desc, false, "acme.Choice");
        Descriptor choice = format.descriptor();
        byte[] a =
                DynamicMessage.newBuilder(choice)
                        .setField(choice.findFieldByName("a"), "x")
                        .build()
                        .toByteArray();
        byte[] b =
                DynamicMessage.newBuilder(choice)
                        .setField(choice.findFieldByName("b"), 5L)
                        .build()
                        .toByteArray();
        byte[] bThenA = new byte[a.length + b.length];
        System.arraycopy(b, 0, bThenA, 0, b.length);
        System.arraycopy(a, 0, bThenA, b.length, a.length);

        ReaderSpec spec =
                new ReaderSpec(
                        List.of(
                                new FieldSpec("a", DType.STRING, List.of()),
                                new FieldSpec("b", DType.INT64, List.of())),
                        Map.of(),
                        format.inferPassthrough(List.of(), Set.of()),
                        null);
        for (boolean walk : new boolean[] {true, false}) {
            Map<String, Object> input = new HashMap<>();
            Object[] row = new Object[3];
            new ProtobufReader(choice, false, spec, walk).read(bThenA, input, row);
            assertThat(input).as("walk " + walk).containsOnly(Map.entry("a", "x"));
            assertThat(row)
                    .as("walk " + walk)
                    .containsExactly(StringData.fromString("x"), null, 0L);
        }
    }

    private static FieldDescriptorProto field(String name, int number, Type type, String typeName) {
        FieldDescriptorProto.Builder b =
                FieldDescriptorProto.newBuilder()
                        .setName(name)
                        .setNumber(number)
                        .setType(type)
                        .setLabel(Label.LABEL_OPTIONAL);
        if (typeName != null) {
            b.setTypeName(typeName);
        }
        return b.build();
    }
}
