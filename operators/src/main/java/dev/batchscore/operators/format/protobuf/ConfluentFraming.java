package dev.batchscore.operators.format.protobuf;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.Descriptors.Descriptor;
import dev.batchscore.operators.format.DecodeException;
import java.io.IOException;
import java.util.Arrays;

/**
 * Confluent's framing of a Protobuf value: magic byte 0, a 4-byte big-endian schema id (ignored:
 * the descriptor is {@code source.protobuf.descriptor}), the message indexes (a zigzag varint
 * count, then that many zigzag varint indexes; a count of 0, the single byte 0, is the shorthand
 * for [0], the file's first message), then the message.
 */
final class ConfluentFraming {
    private ConfluentFraming() {}

    static final int HEADER = 5;
    // More indexes than any sane nesting: a corrupt count, not a deep message.
    private static final int MAX_INDEXES = 100;

    /**
     * Where the message starts in {@code value}, after checking that its indexes name {@code
     * message} ({@code expected}, its indexes).
     */
    static int messageStart(byte[] value, Descriptor message, int[] expected)
            throws DecodeException {
        String type = message.getFullName();
        if (value.length == 0) {
            throw new DecodeException(
                    "record value is empty; expected Confluent's framing (magic byte 0, schema id,"
                            + " message indexes) before a protobuf "
                            + type
                            + " message");
        }
        if (value[0] != 0) {
            throw new DecodeException(
                    String.format(
                            "record value starts with byte 0x%02x, not Confluent's magic byte 0;"
                                    + " expected a Confluent-framed protobuf %s message (source.format"
                                    + " protobuf reads unframed values)",
                            value[0] & 0xff, type));
        }
        if (value.length < HEADER + 1) {
            throw new DecodeException(
                    "record value is "
                            + value.length
                            + " bytes, too short for Confluent's header (magic byte, 4-byte schema"
                            + " id, message indexes) before a protobuf "
                            + type
                            + " message");
        }
        CodedInputStream in = CodedInputStream.newInstance(value, HEADER, value.length - HEADER);
        int[] seen;
        try {
            int count = in.readSInt32();
            if (count < 0 || count > MAX_INDEXES) {
                throw new DecodeException(
                        "record value's Confluent message indexes are corrupt (a count of "
                                + count
                                + "); expected the indexes of protobuf "
                                + type
                                + " "
                                + Arrays.toString(expected));
            }
            if (count == 0) {
                seen = new int[] {0};
            } else {
                seen = new int[count];
                for (int i = 0; i < count; i++) {
                    seen[i] = in.readSInt32();
                }
            }
        } catch (IOException e) {
            throw new DecodeException(
                    "record value's Confluent message indexes are truncated or corrupt; expected"
                            + " the indexes of protobuf "
                            + type
                            + " "
                            + Arrays.toString(expected));
        }
        if (!Arrays.equals(seen, expected)) {
            Descriptor named = DescriptorSets.byIndexes(message.getFile(), seen);
            throw new DecodeException(
                    "record value's Confluent message indexes "
                            + Arrays.toString(seen)
                            + " name "
                            + (named == null ? "no message" : "message " + named.getFullName())
                            + " in "
                            + message.getFile().getName()
                            + ", not "
                            + type
                            + " "
                            + Arrays.toString(expected)
                            + ": set source.protobuf.message to the records' message type");
        }
        return HEADER + in.getTotalBytesRead();
    }
}
