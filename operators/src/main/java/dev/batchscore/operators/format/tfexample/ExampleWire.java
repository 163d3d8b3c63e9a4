package dev.batchscore.operators.format.tfexample;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;

/**
 * Checks that bytes are a well-formed serialized {@code tf.Example} without building one: a walk
 * over the wire format (Example, Features, the feature map's entries, Feature, the three value
 * lists) that allocates nothing but the stream.
 *
 * <p>Why check at all when the model parses the bytes itself: a value TensorFlow's ParseExample
 * cannot parse fails the whole model call, and the scorer then bisects the batch to find it, one
 * extra session run per halving (about {@code 2 log2(batch)} runs for one bad record among a
 * thousand), before the record lands in the errors table as a SCORE error. This walk costs a pass
 * over the bytes, far less than one model call, and the record is a DECODE error with the reason.
 *
 * <p>Like protobuf's own parser, a known field with another wire type is skipped as an unknown
 * field, and string keys are not checked for UTF-8 (TensorFlow does not either).
 */
final class ExampleWire {
    private ExampleWire() {}

    private static final int EXAMPLE = 0;
    private static final int FEATURES = 1;
    private static final int ENTRY = 2;
    private static final int FEATURE = 3;
    private static final int BYTES_LIST = 4;
    private static final int FLOAT_LIST = 5;
    private static final int INT64_LIST = 6;

    /** Why {@code bytes} are not a serialized Example (one line), or null when they are. */
    static String problem(byte[] bytes) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            message(in, EXAMPLE);
            return null;
        } catch (IOException | RuntimeException e) {
            return TfExampleReader.oneLine(e.getMessage());
        }
    }

    private static void message(CodedInputStream in, int level) throws IOException {
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                return;
            }
            int number = WireFormat.getTagFieldNumber(tag);
            int wire = WireFormat.getTagWireType(tag);
            int child = child(level, number);
            if (level == FLOAT_LIST
                    && number == 1
                    && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int length = in.readRawVarint32();
                if (length < 0 || length % 4 != 0) {
                    throw new IOException(
                            "a packed float_list is " + length + " bytes, not a multiple of 4");
                }
                in.skipRawBytes(length);
            } else if (level == INT64_LIST
                    && number == 1
                    && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                while (!in.isAtEnd()) {
                    in.readRawVarint64();
                }
                in.popLimit(limit);
            } else if (child >= 0 && wire == WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                int limit = in.pushLimit(in.readRawVarint32());
                message(in, child);
                in.checkLastTagWas(0);
                in.popLimit(limit);
            } else if (!in.skipField(tag)) {
                throw new IOException("an end-group tag where none was open");
            }
        }
    }

    /** The message a length-delimited field holds at {@code level}, or -1 for none to look into. */
    private static int child(int level, int number) {
        switch (level) {
            case EXAMPLE:
                return number == 1 ? FEATURES : -1;
            case FEATURES:
                return number == 1 ? ENTRY : -1;
            case ENTRY:
                return number == 2 ? FEATURE : -1;
            case FEATURE:
                return number == 1
                        ? BYTES_LIST
                        : number == 2 ? FLOAT_LIST : number == 3 ? INT64_LIST : -1;
            default:
                return -1;
        }
    }
}
