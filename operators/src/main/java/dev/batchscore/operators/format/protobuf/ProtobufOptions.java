package dev.batchscore.operators.format.protobuf;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The options of {@code source.format: protobuf} and {@code protobuf-confluent}. */
public final class ProtobufOptions {
    private ProtobufOptions() {}

    public static final ConfigOption<String> MESSAGE =
            ConfigOptions.key("source.protobuf.message")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The full name of the Protobuf message type record values hold, e.g."
                                    + " acme.Review (source.format protobuf or"
                                    + " protobuf-confluent).");

    public static final ConfigOption<String> DESCRIPTOR =
            ConfigOptions.key("source.protobuf.descriptor")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The FileDescriptorSet that describes source.protobuf.message, as"
                                    + " 'protoc --include_imports --descriptor_set_out' writes it:"
                                    + " a file path or any Flink filesystem URI (s3://...), read"
                                    + " once when the job is planned. With protobuf-confluent the"
                                    + " schema id in each record is ignored: this descriptor is"
                                    + " used.");
}
