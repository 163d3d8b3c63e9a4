package dev.batchscore.operators.format.protobuf;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldOptions;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import dev.batchscore.models.DType;
import dev.batchscore.models.FieldSpec;
import dev.batchscore.operators.PassthroughField;
import dev.batchscore.operators.format.DecodeException;
import dev.batchscore.operators.format.RecordFormat.ReaderSpec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericMapData;
import org.apache.flink.table.data.GenericRowData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast path ({@link WireReader}) reads every value as {@code DynamicMessage} does: the same
 * inputs, columns and reasons, on records written by protobuf-java, including ones written with a
 * different descriptor (unpacked where the reader expects packed, another wire type, an unknown
 * enum number) and repeated or unknown fields.
 */
class ProtobufWireReaderTest {
    private static final List<Long> SCALAR = List.of();
    private static final List<Long> VECTOR = List.of(-1L);

    @TempDir Path dir;
    private ProtobufFormat format;
    private Descriptor review;
    private ReaderSpec spec;

    @BeforeEach
    void setUp() throws Exception {
        format =
                (ProtobufFormat)
                        ProtobufFixtures.format(
                                ProtobufFixtures.writeDescriptorSet(dir), false, "acme.Review");
        review = format.descriptor();
        spec =
                new ReaderSpec(
                        List.of(
                                new FieldSpec("score", DType.FLOAT, SCALAR),
                                new FieldSpec("id", DType.INT64, SCALAR),
                                new FieldSpec("text", DType.STRING, SCALAR),
                                new FieldSpec("verified", DType.BOOL, SCALAR),
                                new FieldSpec("color", DType.STRING, SCALAR),
                                new FieldSpec("embedding", DType.FLOAT, VECTOR),
                                new FieldSpec("embedding_d", DType.DOUBLE, VECTOR),
                                new FieldSpec("weights", DType.DOUBLE, VECTOR),
                                new FieldSpec("author_name", DType.STRING, SCALAR),
                                new FieldSpec("author_age", DType.INT64, SCALAR),
                                new FieldSpec("stars", DType.INT32, SCALAR),
                                new FieldSpec("blob", DType.STRING, SCALAR),
                                new FieldSpec("votes", DType.INT64, SCALAR),
                                new FieldSpec("tags", DType.STRING, VECTOR)),
                        Map.of(
                                "author_name", "author.name",
                                "author_age", "author.age",
                                "embedding_d", "embedding"),
                        format.inferPassthrough(List.of(), Set.of()),
                        null);
    }

    @Test
    void readsAsDynamicMessageDoes() throws Exception {
        byte[] full = ProtobufFixtures.review(review).toByteArray();
        DynamicMessage partial =
                DynamicMessage.newBuilder(review)
                        .setField(review.findFieldByName("stars"), 3)
                        .setField(
                                review.findFieldByName("author"),
                                DynamicMessage.newBuilder(
                                                review.findFieldByName("author").getMessageType())
                                        .setField(
                                                review.findFieldByName("author")
                                                        .getMessageType()
                                                        .findFieldByName("age"),
                                                9)
                                        .build())
                        .build();
        UnknownFieldSet unknown =
                UnknownFieldSet.newBuilder()
                        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(5).build())
                        .addField(
                                5000,
                                UnknownFieldSet.Field.newBuilder()
                                        .addLengthDelimited(
                                                com.google.protobuf.ByteString.copyFromUtf8("x"))
                                        .build())
                        .build();
        List<byte[]> values = new ArrayList<>();
        values.add(full);
        values.add(new byte[0]);
        values.add(partial.toByteArray());
        // Twice over: singular fields' last value wins, repeated ones append, messages merge.
        values.add(concat(full, partial.toByteArray()));
        values.add(
                ProtobufFixtures.review(review).toBuilder()
                        .setUnknownFields(unknown)
                        .build()
                        .toByteArray());
        // Written unpacked, read where packed is expected.
        values.add(written(f -> f.getName().equals("embedding") ? unpacked(f) : f, full));
        // 'score' written as a string: another wire type, skipped as an unknown field.
        values.add(
                written(
                        f ->
                                f.getName().equals("score")
                                        ? f.toBuilder()
                                                .setType(FieldDescriptorProto.Type.TYPE_STRING)
                                                .build()
                                        : f,
                        null));
        // 'color' written as int32 7: an open enum's unknown number.
        values.add(
                written(
                        f ->
                                f.getName().equals("color")
                                        ? f.toBuilder()
                                                .setType(FieldDescriptorProto.Type.TYPE_INT32)
                                                .clearTypeName()
                                                .build()
                                        : f,
                        null));
        values.add(Arrays.copyOf(full, full.length - 2));
        // Packed floats and doubles, copied out in one piece: well formed, written packed where
        // unpacked is declared (weights), of a length no element size divides, cut short.
        byte[] oneAndAHalf = {0, 0, 0, 0, 0, 0, (byte) 0xf8, 0x3f};
        byte[] minusTwo = {0, 0, 0, 0, 0, 0, 0, (byte) 0xc0};
        values.add(concat(new byte[] {98, 16}, concat(oneAndAHalf, minusTwo)));
        values.add(concat(full, concat(new byte[] {98, 8}, minusTwo)));
        values.add(new byte[] {98, 12, 0, 0, 0, 0, 0, 0, (byte) 0xf8, 0x3f, 1, 2, 3, 4});
        values.add(new byte[] {50, 8, 0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40});
        values.add(new byte[] {50, 3, 1, 2, 3});
        values.add(new byte[] {50, 8, 0, 0, (byte) 0x80, 0x3f});
        values.add(new byte[] {50, 0});
        values.add(new byte[] {0x0f, 1, 2});
        values.add(new byte[] {0x0c}); // an end-group tag

        for (byte[] value : values) {
            assertThat(read(value, true)).isEqualTo(read(value, false));
        }
    }

    /**
     * What a reader gives for {@code value}: a description of inputs and columns, or the reason.
     */
    private String read(byte[] value, boolean walk) {
        ProtobufReader reader = new ProtobufReader(review, false, spec, walk);
        Map<String, Object> input = new HashMap<>();
        Object[] passthrough = new Object[spec.passthrough().size()];
        try {
            reader.read(value, input, passthrough);
        } catch (DecodeException e) {
            return "bad: " + e.getMessage();
        }
        StringBuilder sb = new StringBuilder();
        new java.util.TreeMap<>(input)
                .forEach((k, v) -> sb.append(k).append('=').append(show(v)).append('\n'));
        for (Object p : passthrough) {
            sb.append(show(p)).append('\n');
        }
        assertThat(Objects.requireNonNull(sb.toString())).isNotEmpty();
        return sb.toString();
    }

    /** Values and their classes, Flink's data structures by content. */
    private static String show(Object v) {
        if (v instanceof GenericArrayData a) {
            return "Array" + show(a.toObjectArray());
        }
        if (v instanceof GenericMapData m) {
            return "Map"
                    + show(((GenericArrayData) m.keyArray()).toObjectArray())
                    + show(((GenericArrayData) m.valueArray()).toObjectArray());
        }
        if (v instanceof GenericRowData r) {
            Object[] fields = new Object[r.getArity()];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = r.getField(i);
            }
            return "Row" + show(fields);
        }
        if (v instanceof Object[] a) {
            StringBuilder sb = new StringBuilder("[");
            for (Object e : a) {
                sb.append(show(e)).append(", ");
            }
            return sb.append(']').toString();
        }
        return Arrays.deepToString(new Object[] {v})
                + (v == null ? "" : v.getClass().getSimpleName());
    }

    private static FieldDescriptorProto unpacked(FieldDescriptorProto f) {
        return f.toBuilder().setOptions(FieldOptions.newBuilder().setPacked(false)).build();
    }

    /**
     * A review written with a descriptor whose fields {@code change} alters: {@code full}'s bytes
     * re-written, or (null) a record setting the changed field to a sample value.
     */
    private byte[] written(UnaryOperator<FieldDescriptorProto> change, byte[] full)
            throws Exception {
        FileDescriptorSet set = ProtobufFixtures.descriptorSet();
        FileDescriptorProto file = set.getFile(1);
        var reviewProto = file.getMessageType(0).toBuilder();
        for (int i = 0; i < reviewProto.getFieldCount(); i++) {
            reviewProto.setField(i, change.apply(reviewProto.getField(i)));
        }
        FileDescriptor other =
                FileDescriptor.buildFrom(
                        file.toBuilder().setMessageType(0, reviewProto).build(),
                        new FileDescriptor[] {Timestamp.getDescriptor().getFile()});
        Descriptor d = other.findMessageTypeByName("Review");
        if (full != null) {
            return DynamicMessage.parseFrom(d, full).toByteArray();
        }
        DynamicMessage.Builder b = DynamicMessage.newBuilder(d);
        b.setField(d.findFieldByName("id"), 5L);
        if (d.findFieldByName("score").getType()
                == com.google.protobuf.Descriptors.FieldDescriptor.Type.STRING) {
            b.setField(d.findFieldByName("score"), "high");
        }
        if (d.findFieldByName("color").getType()
                == com.google.protobuf.Descriptors.FieldDescriptor.Type.INT32) {
            b.setField(d.findFieldByName("color"), 7);
        }
        return b.build().toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }

    @Test
    void passthroughOfRepeatedNumbersAndSkippedFields() throws Exception {
        ReaderSpec only =
                new ReaderSpec(
                        List.of(new FieldSpec("embedding", DType.FLOAT, VECTOR)),
                        Map.of(),
                        List.of(new PassthroughField("weights", PassthroughField.Type.STRING)),
                        null);
        spec =
                new ReaderSpec(
                        only.fields(),
                        only.inputMapping(),
                        format.resolvePassthrough(only.passthrough()),
                        null);
        byte[] full = ProtobufFixtures.review(review).toByteArray();
        assertThat(read(full, true))
                .isEqualTo(read(full, false))
                .contains("Array[[0.5]Double, [2.0]Double, ]");
    }
}
