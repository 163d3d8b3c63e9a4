package dev.batchscore.operators.format.csv;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The options of {@code source.format: csv}. */
public final class CsvOptions {
    private CsvOptions() {}

    public static final ConfigOption<List<String>> COLUMNS =
            ConfigOptions.key("source.csv.columns")
                    .stringType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "The names of the CSV columns, in order, separated by commas (e.g. id,x,label) or"
                                    + " given as a list; required"
                                    + " with source.format csv. Model inputs read the column of"
                                    + " their name (or model.input.<name>); the others can be"
                                    + " passthrough columns.");

    public static final ConfigOption<String> DELIMITER =
            ConfigOptions.key("source.csv.delimiter")
                    .stringType()
                    .defaultValue(",")
                    .withDescription(
                            "The one character between CSV fields (\\t for a tab). Fields may be"
                                    + " quoted as in RFC 4180: double quotes, \"\" for a quote,"
                                    + " delimiters and line breaks inside quotes.");
}
