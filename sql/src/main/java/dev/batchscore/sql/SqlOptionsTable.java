package dev.batchscore.sql;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.BlockElement;
import org.apache.flink.configuration.description.TextElement;

/**
 * The options table of the tensorflow provider, rendered from {@link TensorflowOptions#ALL}: what
 * README.md shows between {@code <!-- sql-options:start -->} and {@code <!-- sql-options:end -->}
 * (a test keeps them equal). {@code main} prints it.
 */
public final class SqlOptionsTable {
    private SqlOptionsTable() {}

    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Key | Default | Description |\n");
        sb.append("|---|---|---|\n");
        for (ConfigOption<?> option : TensorflowOptions.ALL) {
            sb.append("| `")
                    .append(option.key())
                    .append("` | ")
                    .append(option.hasDefaultValue() ? "`" + defaultText(option) + "`" : "")
                    .append(" | ")
                    .append(description(option).replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    public static void main(String[] args) {
        System.out.print(markdown());
    }

    static String description(ConfigOption<?> option) {
        StringBuilder sb = new StringBuilder();
        for (BlockElement block : option.description().getBlocks()) {
            if (block instanceof TextElement text) {
                sb.append(text.getFormat());
            }
        }
        return sb.toString();
    }

    private static String defaultText(ConfigOption<?> option) {
        Object value = option.defaultValue();
        if (value instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(";"));
        }
        return String.valueOf(value);
    }
}
