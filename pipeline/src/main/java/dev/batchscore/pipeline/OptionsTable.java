package dev.batchscore.pipeline;

import dev.batchscore.pipeline.config.BatchscoreOptions;
import dev.batchscore.sql.TensorflowOptions;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;

/**
 * Renders {@link BatchscoreOptions#ALL} for people: the README's options table ({@link
 * #markdown()}, checked by a test so it never drifts from the constants) and {@code --help} text
 * ({@link #plainText()}); and the SQL provider's options table ({@link #sqlMarkdown()}).
 */
public final class OptionsTable {
    private OptionsTable() {}

    /** A Markdown table: key, default, description; one row per option in declaration order. */
    public static String markdown() {
        return markdown(BatchscoreOptions.ALL, BatchscoreOptions::displayKey, ",");
    }

    /**
     * The SQL model provider's options ({@link TensorflowOptions#ALL}) as the README's SQL section
     * shows them: keys of the {@code WITH} clause, lists in Flink SQL's {@code a;b} form.
     */
    public static String sqlMarkdown() {
        return markdown(TensorflowOptions.ALL, ConfigOption::key, ";");
    }

    private static String markdown(
            List<ConfigOption<?>> options,
            Function<ConfigOption<?>, String> key,
            String listSeparator) {
        StringBuilder sb = new StringBuilder();
        sb.append("| Key | Default | Description |\n");
        sb.append("|---|---|---|\n");
        for (ConfigOption<?> option : options) {
            sb.append("| `")
                    .append(key.apply(option))
                    .append("` | ")
                    .append(
                            option.hasDefaultValue()
                                    ? "`" + defaultText(option, listSeparator) + "`"
                                    : "")
                    .append(" | ")
                    .append(description(option).replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }

    /**
     * Prints {@link #markdown()}, or {@link #sqlMarkdown()} given {@code sql}: how the README's
     * options blocks are regenerated.
     */
    public static void main(String[] args) {
        System.out.print(args.length > 0 && args[0].equals("sql") ? sqlMarkdown() : markdown());
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
        return defaultText(option, ",");
    }

    private static String defaultText(ConfigOption<?> option, String listSeparator) {
        Object value = option.defaultValue();
        if (value instanceof Duration d) {
            return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
        }
        if (value instanceof Enum<?> e) {
            return e.toString().toLowerCase(Locale.ROOT); // Flink's RuntimeExecutionMode: STREAMING
        }
        if (value instanceof List<?> list) {
            return list.stream().map(String::valueOf).collect(Collectors.joining(listSeparator));
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
