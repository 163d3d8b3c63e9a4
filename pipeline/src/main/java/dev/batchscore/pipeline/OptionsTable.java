package dev.batchscore.pipeline;

import dev.batchscore.pipeline.config.BatchscoreOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;

/**
 * Renders {@link BatchscoreOptions#ALL} for people: the README's options table ({@link
 * #markdown()}, checked by a test so it never drifts from the constants) and {@code --help} text
 * ({@link #plainText()}).
 */
public final class OptionsTable {
    private OptionsTable() {}

    /** A Markdown table: key, default, description; one row per option in declaration order. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Key | Default | Description |\n");
        sb.append("|---|---|---|\n");
        for (ConfigOption<?> option : BatchscoreOptions.ALL) {
            sb.append("| `")
                    .append(BatchscoreOptions.displayKey(option))
                    .append("` | ")
                    .append(option.hasDefaultValue() ? "`" + defaultText(option) + "`" : "")
                    .append(" | ")
                    .append(description(option).replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /** Prints {@link #markdown()}: how the README's options block is regenerated. */
    public static void main(String[] args) {
        System.out.print(markdown());
    }

    /** The option list for {@code --help}. */
    public static String plainText() {
        StringBuilder sb = new StringBuilder();
        for (ConfigOption<?> option : BatchscoreOptions.ALL) {
            sb.append("  --").append(BatchscoreOptions.displayKey(option));
            if (option.hasDefaultValue()) {
                sb.append("  (default: ").append(defaultText(option)).append(')');
            }
            sb.append('\n');
            sb.append(wrap(description(option), 90, "      ")).append('\n');
        }
        return sb.toString();
    }

    /** The option's description as plain text. */
    public static String description(ConfigOption<?> option) {
        return BatchscoreOptions.description(option);
    }

    static String defaultText(ConfigOption<?> option) {
        Object value = option.defaultValue();
        if (value instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
        if (value instanceof Enum<?> e) {
            return e.toString().toLowerCase(Locale.ROOT); // Flink's RuntimeExecutionMode: STREAMING
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        return String.valueOf(value);
    }

    private static String wrap(String text, int width, String indent) {
        StringBuilder out = new StringBuilder(indent);
        int column = 0;
        for (String word : text.split(" ")) {
            if (column > 0 && column + word.length() + 1 > width) {
                out.append('\n').append(indent);
                column = 0;
            } else if (column > 0) {
                out.append(' ');
                column++;
            }
            out.append(word);
            column += word.length();
        }
        return out.toString();
    }
}
