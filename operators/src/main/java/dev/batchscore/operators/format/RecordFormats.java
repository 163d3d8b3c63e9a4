package dev.batchscore.operators.format;

import dev.batchscore.operators.format.avro.AvroFormat;
import dev.batchscore.operators.format.csv.CsvFormat;
import dev.batchscore.operators.format.json.JsonFormat;
import dev.batchscore.operators.format.protobuf.ProtobufFormat;
import dev.batchscore.operators.format.raw.RawFormat;
import dev.batchscore.operators.format.tfexample.TfExampleFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The record formats by {@code source.format} name, and every format's options. The one list a new
 * format is added to; what the format does lives in its own package.
 */
public final class RecordFormats {
    private RecordFormats() {}

    /** Makes a format from its options; what it reads (a schema file, say) is read here, once. */
    public interface Factory {
        /** The {@code source.format} value. */
        String name();

        /** The format's own options ({@code source.<format>.*}), for the options table. */
        List<ConfigOption<?>> options();

        /**
         * A format from the job's options; a bad option is a {@link FormatException} naming its
         * key.
         */
        RecordFormat create(ReadableConfig options);

        /** The factory of a format without options of its own. */
        static Factory of(String name, java.util.function.Supplier<RecordFormat> make) {
            return new Factory() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public List<ConfigOption<?>> options() {
                    return List.of();
                }

                @Override
                public RecordFormat create(ReadableConfig options) {
                    return make.get();
                }
            };
        }
    }

    public static final ConfigOption<String> SOURCE_FORMAT =
            ConfigOptions.key("source.format")
                    .stringType()
                    .defaultValue(JsonFormat.NAME)
                    .withDescription(
                            "How record values are encoded: json (one JSON object per record),"
                                    + " avro, avro-confluent, protobuf, protobuf-confluent,"
                                    + " tf-example, csv or raw. Each format's own options are"
                                    + " source.<format>.*.");

    private static final List<Factory> FACTORIES =
            List.of(
                    Factory.of(JsonFormat.NAME, JsonFormat::new),
                    new AvroFormat.Factory(),
                    new AvroFormat.ConfluentFactory(),
                    new ProtobufFormat.Factory(false),
                    new ProtobufFormat.Factory(true),
                    Factory.of(TfExampleFormat.NAME, TfExampleFormat::new),
                    new CsvFormat.Factory(),
                    Factory.of(RawFormat.NAME, RawFormat::new));

    /** The factories by name, in the order the options table lists them. */
    public static Map<String, Factory> factories() {
        Map<String, Factory> out = new LinkedHashMap<>();
        for (Factory f : FACTORIES) {
            out.put(f.name(), f);
        }
        return out;
    }

    /**
     * {@code source.format} and every format's options, in the order the options table lists them.
     */
    public static List<ConfigOption<?>> options() {
        List<ConfigOption<?>> out = new ArrayList<>();
        out.add(SOURCE_FORMAT);
        for (Factory f : FACTORIES) {
            out.addAll(f.options());
        }
        return out;
    }

    /** The format {@code source.format} names, made from {@code options}. */
    public static RecordFormat create(ReadableConfig options) {
        String name = options.get(SOURCE_FORMAT).trim().toLowerCase(Locale.ROOT);
        Factory factory = factories().get(name);
        if (factory == null) {
            throw new FormatException(
                    "option 'source.format' is '"
                            + options.get(SOURCE_FORMAT)
                            + "': expected one of "
                            + String.join(", ", factories().keySet()));
        }
        return factory.create(options);
    }

    /** The JSON format, the default. */
    public static RecordFormat json() {
        return new JsonFormat();
    }
}
