package dev.batchscore.operators.format.avro;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The options of {@code source.format: avro} and {@code avro-confluent}. */
public final class AvroOptions {
    private AvroOptions() {}

    public static final ConfigOption<String> SCHEMA =
            ConfigOptions.key("source.avro.schema")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The Avro schema of record values: a file (any Flink filesystem URI)"
                                    + " or the schema's JSON text. Required for avro; for"
                                    + " avro-confluent, optional: the reader schema that records"
                                    + " written with other schema versions resolve to.");

    public static final ConfigOption<String> CONFLUENT_URL =
            ConfigOptions.key("source.avro-confluent.url")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "The Schema Registry's base URL (http or https; TLS through the JVM"
                                    + " trust store) from which avro-confluent fetches each"
                                    + " record's writer schema by id.");

    public static final ConfigOption<String> CONFLUENT_USER_INFO =
            ConfigOptions.key("source.avro-confluent.basic-auth.user-info")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "'user:password' sent to the Schema Registry as HTTP Basic auth. When"
                                    + " unset, the environment variable "
                                    + AvroOptions.USER_INFO_ENV
                                    + " of the process that makes the request (e.g. from a"
                                    + " Kubernetes secret); when both are unset, no auth.");

    /** Where the registry's user info comes from when the option is unset. */
    public static final String USER_INFO_ENV = "BATCHSCORE_SCHEMA_REGISTRY_USER_INFO";
}
