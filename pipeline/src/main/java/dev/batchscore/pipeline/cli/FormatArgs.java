package dev.batchscore.pipeline.cli;

import dev.batchscore.operators.format.FormatException;
import dev.batchscore.operators.format.RecordFormat;
import dev.batchscore.operators.format.RecordFormats;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * The record format options of the commands that read records without a job ({@code predict},
 * {@code inspect}): {@code --source.format} and each format's own keys, spelled as the job's
 * ({@code FormatArgsTest} checks that every format option is here).
 */
final class FormatArgs {
    @Option(
            names = "--source.format",
            paramLabel = "FORMAT",
            description = "how record values are encoded, as the job's source.format")
    String format;

    @Option(names = "--source.avro.schema", paramLabel = "SCHEMA", hidden = true)
    String avroSchema;

    @Option(names = "--source.avro-confluent.url", paramLabel = "URL", hidden = true)
    String registryUrl;

    @Option(
            names = "--source.avro-confluent.basic-auth.user-info",
            paramLabel = "USER:PASSWORD",
            hidden = true)
    String registryUserInfo;

    @Option(names = "--source.protobuf.message", paramLabel = "NAME", hidden = true)
    String protobufMessage;

    @Option(names = "--source.protobuf.descriptor", paramLabel = "FILE", hidden = true)
    String protobufDescriptor;

    @Option(names = "--source.csv.columns", paramLabel = "NAMES", hidden = true)
    String csvColumns;

    @Option(names = "--source.csv.delimiter", paramLabel = "CHAR", hidden = true)
    String csvDelimiter;

    /** The options given, by the job's keys. */
    Map<String, String> keys() {
        Map<String, String> out = new LinkedHashMap<>();
        put(out, RecordFormats.SOURCE_FORMAT.key(), format);
        put(out, "source.avro.schema", avroSchema);
        put(out, "source.avro-confluent.url", registryUrl);
        put(out, "source.avro-confluent.basic-auth.user-info", registryUserInfo);
        put(out, "source.protobuf.message", protobufMessage);
        put(out, "source.protobuf.descriptor", protobufDescriptor);
        put(out, "source.csv.columns", csvColumns);
        put(out, "source.csv.delimiter", csvDelimiter);
        return out;
    }

    /** Whether any format option was given. */
    boolean given() {
        return !keys().isEmpty();
    }

    private static void put(Map<String, String> out, String key, String value) {
        if (value != null) {
            out.put(key, value);
        }
    }

    /** The format the keys name. */
    static RecordFormat create(Map<String, String> keys) {
        try {
            return RecordFormats.create(Configuration.fromMap(keys));
        } catch (FormatException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }
}
